"""JavaScript actions (runs.using node16/node20/node24): pre, main and post with the
``node`` found on PATH, inputs as INPUT_* variables, state passed to post as STATE_*."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, cast

from conveyor.actions.base import ActionRef
from conveyor.actions.manifest import Manifest
from conveyor.engine.kinds.nodes import node_for
from conveyor.engine.process import condition_holds, exec_process, outcome_of
from conveyor.engine.report import Conclusion, StepReport
from conveyor.engine.scope import PostStep, ProcessResult, StepFailed
from conveyor.executors.base import CancelToken

if TYPE_CHECKING:
    from conveyor.engine.scope import Scope
    from conveyor.engine.stepkind import JobContext
    from conveyor.workflow.model import Step


NODE_RUNTIMES = ("node12", "node16", "node20", "node24")


def input_env(inputs: dict[str, str]) -> dict[str, str]:
    # the runner upper-cases the name and turns spaces into underscores
    return {f"INPUT_{k.replace(' ', '_').upper()}": v for k, v in inputs.items()}


def run_node(
    runner: JobContext,
    manifest: Manifest,
    action_dir: Path,
    ref: ActionRef,
    inputs: dict[str, str],
    step: Step,
    scope: Scope,
    env: dict[str, str],
    timeout: float | None,
    token: CancelToken,
) -> tuple[str, dict[str, str]]:
    using = manifest.using
    if using not in NODE_RUNTIMES:
        raise StepFailed(
            f"'{ref.raw}': runs.using '{manifest.runs.get('using')}' is not supported, use "
            "'composite', 'docker', 'node12', 'node16', 'node20' or 'node24' instead"
        )
    if using == "node12":
        runner.out.info(
            f"Warning: Node.js 12 actions are deprecated; '{ref.raw}' runs on a newer Node.js. "
            "Please update the action to use Node.js 20 or later.",
            "warning",
        )
    node = node_for(runner, env, using, ref.raw)
    runs = manifest.runs
    main = runs.get("main")
    if not main:
        raise StepFailed(f"{manifest.path}: runs.main is required for a JavaScript action")
    action_env = {
        **env,
        **input_env(inputs),
        "GITHUB_ACTION_PATH": str(runner.executor.job_path(action_dir)),
        "GITHUB_ACTION_REPOSITORY": f"{ref.owner}/{ref.repo}" if ref.owner else "",
        "GITHUB_ACTION_REF": ref.ref,
    }
    state: dict[str, str] = dict(runner.pre_state.get(step.index, {}))

    def node_run(script: str, tok: CancelToken, limit: float | None) -> ProcessResult:
        res = exec_process(
            runner,
            [node, str(runner.executor.job_path(action_dir) / script)],
            runner.paths.workspace,
            action_env,
            limit,
            tok,
            state_in=state,
        )
        state.update(res.state)
        return res

    pre = runs.get("pre")
    if step.index in runner.pre_state and scope is runner.root_scope:
        pre = None  # ran when the job was set up (run_pre)
    if pre and ref.kind == "local":
        # ActionRunner.cs: the pre step of a local action would run before the checkout
        runner.out.info(
            f"Warning: `pre` execution is not supported for local action from '{ref.path}'",
            "warning",
        )
        pre = None
    if pre and condition_holds(runner, str(runs.get("pre-if") or "always()"), scope):
        outcome = outcome_of(runner, node_run(str(pre), token, timeout), timeout)
        if outcome != "success":
            return outcome, {}
    result = node_run(str(main), token, timeout)
    post = runs.get("post")
    if post:
        name = f"Post {runner.step_name(step, scope)}"

        def run_post() -> StepReport:
            started = time.monotonic()
            runner.out.step_started(name)
            outcome = cast(
                Conclusion, outcome_of(runner, node_run(str(post), CancelToken(), None), None)
            )
            rep = StepReport(id=None, name=name, outcome=outcome, conclusion=outcome)
            rep.duration = time.monotonic() - started
            return rep

        runner.post_steps.append(PostStep(name, str(runs.get("post-if") or "always()"), run_post))
    return outcome_of(runner, result, timeout), result.outputs


def run_pre(
    runner: JobContext,
    manifest: Manifest,
    action_dir: Path,
    ref: ActionRef,
    step: Step,
    scope: Scope,
) -> None:
    """A remote JavaScript action's ``pre``, as a "Pre <step>" step at job start."""
    from conveyor.engine.kinds.inputs import action_inputs

    runner.pre_state[step.index] = {}
    if not condition_holds(runner, str(manifest.runs.get("pre-if") or "always()"), scope):
        return
    name = f"Pre {runner.step_name(step, scope)}"
    started = time.monotonic()
    runner.out.step_started(name)
    inputs = action_inputs(runner, manifest.inputs, step, scope, ref.raw)
    env = runner.evaluate_env(step.env, scope, runner.env_context(scope))
    outcome: Conclusion = "failure"
    try:
        node: str | None = node_for(runner, env, manifest.using, ref.raw)
    except StepFailed as e:
        node = None
        runner.out.info(f"Error: {e}", "error")
    if node is not None:
        action_env = {
            **env,
            **input_env(inputs),
            "GITHUB_ACTION_PATH": str(runner.executor.job_path(action_dir)),
            "GITHUB_ACTION_REPOSITORY": f"{ref.owner}/{ref.repo}",
            "GITHUB_ACTION_REF": ref.ref,
        }
        res = exec_process(
            runner,
            [node, str(runner.executor.job_path(action_dir) / str(manifest.runs["pre"]))],
            runner.paths.workspace,
            action_env,
            None,
            runner.cancel,
        )
        runner.pre_state[step.index] = dict(res.state)
        outcome = cast(Conclusion, outcome_of(runner, res, None))
    rep = StepReport(id=None, name=name, outcome=outcome, conclusion=outcome)
    rep.duration = time.monotonic() - started
    runner.report.steps.append(rep)
    runner.out.step_finished(rep)
    if outcome == "failure":
        scope.status = "failure"
