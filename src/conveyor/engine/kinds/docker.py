"""Docker container actions: ``uses: docker://image`` and actions whose ``runs.using`` is
``docker``, run with podman (else docker) as a container beside the job (see
``dockerengine``), on a job container's network when it has one.

As GitHub's runner does it (ContainerActionHandler.cs, ActionManager.cs): ``runs.image``
is ``docker://image`` or a Dockerfile in the action's folder; ``runs.args`` and
``runs.env`` are evaluated with the ``inputs`` context (a ``docker://`` step takes
``with.args`` and ``with.entrypoint``); ``runs.env`` does not replace the step's own
variables; ``pre-entrypoint`` runs when the job is set up (for repository actions) and
``post-entrypoint`` at its end, under ``pre-if``/``post-if``. The container sees the
step's variables, never this machine's: the image's PATH and HOME=/github/home apply.
"""

from __future__ import annotations

import shlex
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, cast

from conveyor.actions.base import ActionRef
from conveyor.actions.manifest import Manifest
from conveyor.engine.process import Launch, condition_holds, exec_process, outcome_of
from conveyor.engine.report import Conclusion, StepReport
from conveyor.engine.scope import PostStep, ProcessResult, StepFailed
from conveyor.executors.base import CancelToken
from conveyor.procinfo import TRACKING_VAR
from conveyor.records import record, replace

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from conveyor.engine.scope import Scope
    from conveyor.engine.stepkind import JobContext
    from conveyor.executors.base import ExitInfo
    from conveyor.workflow.model import Step

WORKSPACE = "/github/workspace"
HOME = "/github/home"
EVENT = "/github/workflow/event.json"


@record(slots=True)
class Plan:
    """One Docker action, ready to run any of its entrypoints."""

    label: str  # the `uses:` value, for messages
    image: str  # "docker://..." or a Dockerfile path; made a runnable name by `_image`
    action_dir: Path | None  # the action's folder (None for `docker://` steps)
    args: list[str]
    entrypoint: str
    env: dict[str, str]  # INPUT_*, runs.env, GITHUB_ACTION_*


def run_image(
    runner: JobContext,
    ref: ActionRef,
    step: Step,
    scope: Scope,
    env: dict[str, str],
    timeout: float | None,
    token: CancelToken,
) -> tuple[str, dict[str, str]]:
    """``uses: docker://image``: ``with.args`` (split like a command line) and
    ``with.entrypoint`` run it; every ``with`` value is an INPUT_* variable too."""
    from conveyor.engine.kinds.inputs import action_inputs
    from conveyor.engine.kinds.javascript import input_env

    inputs = action_inputs(runner, {}, step, scope, ref.raw)
    try:
        args = shlex.split(inputs.get("args", ""))
    except ValueError as e:
        raise StepFailed(f"'{ref.raw}': with.args: {e}") from None
    plan = Plan(ref.raw, ref.raw, None, args, inputs.get("entrypoint", ""), input_env(inputs))
    result = _run(runner, plan, env, scope, timeout, token, {})
    return outcome_of(runner, result, timeout), result.outputs


def run_action(
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
    """An action with ``runs.using: docker``: its pre-entrypoint (unless it ran at job
    set-up), its entrypoint, and its post-entrypoint registered as a post step."""
    plan = _plan(runner, manifest, action_dir, ref, inputs, scope, env)
    runs = manifest.runs
    state: dict[str, str] = dict(runner.pre_state.get(step.index, {}))

    def entry(name: str, tok: CancelToken, limit: float | None) -> ProcessResult:
        res = _run(runner, replace(plan, entrypoint=name), env, scope, limit, tok, state)
        state.update(res.state)
        return res

    pre = str(runs.get("pre-entrypoint") or "")
    if step.index in runner.pre_state and scope is runner.root_scope:
        pre = ""  # ran when the job was set up (run_pre)
    if pre and ref.kind == "local":
        # ActionRunner.cs: the pre step of a local action would run before the checkout
        runner.out.info(
            f"Warning: `pre` execution is not supported for local action from '{ref.path}'",
            "warning",
        )
        pre = ""
    if pre and condition_holds(runner, str(runs.get("pre-if") or "always()"), scope):
        outcome = outcome_of(runner, entry(pre, token, timeout), timeout)
        if outcome != "success":
            return outcome, {}
    result = entry(plan.entrypoint, token, timeout)
    post = str(runs.get("post-entrypoint") or "")
    if post:
        name = f"Post {runner.step_name(step, scope)}"

        def run_post() -> StepReport:
            started = time.monotonic()
            runner.out.step_started(name)
            outcome = cast(Conclusion, outcome_of(runner, entry(post, CancelToken(), None), None))
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
    """A repository Docker action's ``pre-entrypoint``, as a "Pre <step>" step at job
    start (its image is pulled or built then)."""
    from conveyor.engine.kinds.inputs import action_inputs

    runner.pre_state[step.index] = {}
    if not condition_holds(runner, str(manifest.runs.get("pre-if") or "always()"), scope):
        return
    name = f"Pre {runner.step_name(step, scope)}"
    started = time.monotonic()
    runner.out.step_started(name)
    outcome: Conclusion = "failure"
    try:
        inputs = action_inputs(runner, manifest.inputs, step, scope, ref.raw)
        env = runner.evaluate_env(step.env, scope, runner.env_context(scope))
        plan = _plan(runner, manifest, action_dir, ref, inputs, scope, env)
        plan.entrypoint = str(manifest.runs["pre-entrypoint"])
        res = _run(runner, plan, env, scope, None, runner.cancel, {})
        runner.pre_state[step.index] = dict(res.state)
        outcome = cast(Conclusion, outcome_of(runner, res, None))
    except StepFailed as e:
        runner.out.info(f"Error: {e}", "error")
    rep = StepReport(id=None, name=name, outcome=outcome, conclusion=outcome)
    rep.duration = time.monotonic() - started
    runner.report.steps.append(rep)
    runner.out.step_finished(rep)
    if outcome == "failure":
        scope.status = "failure"


def _plan(
    runner: JobContext,
    manifest: Manifest,
    action_dir: Path,
    ref: ActionRef,
    inputs: dict[str, str],
    scope: Scope,
    env: dict[str, str],
) -> Plan:
    from conveyor.engine.kinds.javascript import input_env

    runs = manifest.runs
    image = str(runs.get("image") or "")
    if not _is_dockerfile(image) and not image.lower().startswith("docker://"):
        raise StepFailed(
            f"'{ref.raw}': runs.image '{image}' should be either '[path]/Dockerfile' or "
            "'docker://image[:tag]'"
        )
    if _is_dockerfile(image) and not (action_dir / image).is_file():
        raise StepFailed(f"'{ref.raw}': runs.image: no Dockerfile at '{action_dir / image}'")
    with_inputs = replace(scope, inputs=dict(inputs))  # `inputs` in args and env
    raw_args = runs.get("args")
    if raw_args is None:
        args = shlex.split(inputs.get("args", ""))
    elif isinstance(raw_args, list):
        args = [runner.evaluate_str(a, with_inputs) for a in raw_args]
    else:
        raise StepFailed(f"{manifest.path}: runs.args must be a list of strings")
    action_env = input_env(inputs)
    raw_env = runs.get("env") or {}
    if not isinstance(raw_env, dict):
        raise StepFailed(f"{manifest.path}: runs.env must be a mapping")
    taken = {*runner.env_context(scope), *env, *action_env}
    for key, value in runner.evaluate_env(raw_env, with_inputs, runner.env_context(scope)).items():
        # the step's own variables win, and so do the runner's (ContainerActionHandler.cs)
        if key not in taken and not key.startswith(("GITHUB_", "RUNNER_")):
            action_env[key] = value
    action_env["GITHUB_ACTION_REPOSITORY"] = f"{ref.owner}/{ref.repo}" if ref.owner else ""
    action_env["GITHUB_ACTION_REF"] = ref.ref
    # an action.yml without runs.entrypoint takes `with.entrypoint`, as a docker:// step does
    entrypoint = str(runs.get("entrypoint") or inputs.get("entrypoint", ""))
    return Plan(ref.raw, image, action_dir, args, entrypoint, action_env)


def _is_dockerfile(image: str) -> bool:
    # DockerUtil.IsDockerfile: the last path part is `Dockerfile.*` or ends in `Dockerfile`
    last = image.rsplit("/", 1)[-1].lower()
    return not image.lower().startswith("docker://") and (
        last.startswith("dockerfile.") or last.endswith("dockerfile")
    )


def _engine_binary(label: str) -> str:
    from conveyor.executors.container import engine_binary

    engine = engine_binary()
    if engine is None:
        raise StepFailed(
            f"'{label}' is a Docker container action: it needs a container engine, install "
            "podman (or docker), or set CONVEYOR_CONTAINER_ENGINE"
        )
    return engine


def _image(runner: JobContext, engine: str, plan: Plan, token: CancelToken) -> str:
    """The image to run: pulled if missing, or built from the action's Dockerfile."""
    from conveyor.engine.kinds.dockerengine import build_image, ensure_image

    if plan.image.lower().startswith("docker://"):
        image = plan.image[len("docker://") :]
        ensure_image(engine, image)
        return image
    assert plan.action_dir is not None
    dockerfile = plan.action_dir / plan.image
    runner.out.group("Building docker image")
    try:
        runner.out.line(f"Dockerfile for action: '{dockerfile}'.")
        return build_image(engine, plan.action_dir, dockerfile, runner.out.line, token)
    finally:
        runner.out.endgroup()


def _network(runner: JobContext) -> str:
    """The job's network (its container's, or its services'): services answer there by
    their label. "" for the engine's default."""
    context = runner.executor.context()
    network = (context.get("container") or {}).get("network")
    for service in (context.get("services") or {}).values():
        network = network or (service or {}).get("network")
    return str(network or "")


def _run(
    runner: JobContext,
    plan: Plan,
    env: dict[str, str],
    scope: Scope,
    timeout: float | None,
    token: CancelToken,
    state: dict[str, str],
) -> ProcessResult:
    """One entrypoint of ``plan`` through ``exec_process``: workflow commands and env files
    as for any step, the process a container beside the job."""
    from conveyor.engine.context import default_env

    engine = _engine_binary(plan.label)
    image = _image(runner, engine, plan, token)
    extra = {
        **plan.env,
        "GITHUB_WORKSPACE": WORKSPACE,
        "HOME": HOME,
        "GITHUB_EVENT_PATH": EVENT,
    }
    # what the container may see: the step's variables and the runner's, not this machine's
    allowed = {
        *runner.env_context(scope),
        *env,
        *default_env(runner.github, runner.runner_ctx),
        *(f"STATE_{k}" for k in state),
        "GITHUB_ACTION",
        "GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_STEP_SUMMARY", "GITHUB_STATE",
        *extra,
    }  # fmt: skip
    allowed.discard(TRACKING_VAR)
    launch = _launcher(runner, engine, image, plan, allowed)
    return exec_process(
        runner,
        plan.args,
        runner.paths.workspace,
        env,
        timeout,
        token,
        extra_env=extra,
        state_in=state,
        launch=launch,
    )


def _launcher(runner: JobContext, engine: str, image: str, plan: Plan, allowed: set[str]) -> Launch:
    from conveyor.engine.kinds.dockerengine import run_container

    executor = runner.executor
    temp = runner.paths.temp
    host_temp = executor.host_path(temp)
    home = host_temp / "_github_home"
    home.mkdir(parents=True, exist_ok=True)
    mounts = [
        (executor.host_path(runner.paths.workspace), WORKSPACE),
        (host_temp, str(temp)),  # env files keep the paths the job sees
        (home, HOME),
    ]
    event = str(runner.github.get("event_path") or "")
    if event and executor.host_path(Path(event)).is_file():
        mounts.append((executor.host_path(Path(event)), EVENT))
    owner = executor.base_env().get(TRACKING_VAR, "")

    def launch(
        argv: list[str],
        *,
        cwd: Path,
        env: Mapping[str, str],
        on_output: Callable[[str], None],
        timeout: float | None,
        cancel: CancelToken,
    ) -> ExitInfo:
        inside = {k: v for k, v in env.items() if k in allowed}
        return run_container(
            engine, image, argv,
            name=f"conveyor-action-{uuid.uuid4().hex[:16]}",
            owner=owner, env=inside, mounts=mounts, network=_network(runner),
            entrypoint=plan.entrypoint, on_output=on_output, timeout=timeout, cancel=cancel,
        )  # fmt: skip

    return launch
