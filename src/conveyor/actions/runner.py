"""Running a ``uses:`` step: built-in, composite, or JavaScript action."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conveyor.actions.base import ActionCall, ActionFailed, ActionRef, ActionStopped, parse_uses
from conveyor.actions.manifest import Manifest, ManifestError, composite_steps, load_manifest
from conveyor.engine.report import StepReport
from conveyor.executors.base import CancelToken, Captured, ExitInfo
from conveyor.executors.watchdog import WATCHDOG

if TYPE_CHECKING:
    from conveyor.engine.job import JobRunner, Scope
    from conveyor.workflow.model import Step


MAX_COMPOSITE_DEPTH = 9  # actions/runner ActionManager: "exceeded max depth 9"
_DEPTH = threading.local()  # composite nesting of the job running in this thread


def _fail(message: str) -> Exception:
    from conveyor.engine.job import StepFailed

    return StepFailed(message)


def run_action(
    runner: JobRunner,
    step: Step,
    scope: Scope,
    env: dict[str, str],
    timeout: float | None,
    token: CancelToken,
) -> tuple[str, dict[str, str]]:
    try:
        ref = parse_uses(step.uses or "")
    except ValueError as e:
        raise _fail(str(e)) from None
    if ref.kind == "docker":
        raise _fail(
            f"'{ref.raw}': Docker container actions are not supported by the host executor yet "
            "(they arrive with the podman executor)"
        )
    if ref.kind == "remote":
        from conveyor.actions.builtin import lookup

        module = lookup(ref)
        if module is not None:
            return run_builtin(runner, module, ref, step, scope, env, token)
        action_dir = remote_action_dir(runner, ref)
    else:
        action_dir = runner.paths.workspace / ref.path
    try:
        manifest = load_manifest(action_dir, ref.raw)
    except ManifestError as e:
        raise _fail(str(e)) from None
    inputs = action_inputs(runner, manifest.inputs, step, scope, ref.raw)
    using = manifest.using
    if using == "composite":
        return run_composite(runner, manifest, action_dir, ref, inputs, scope, env, timeout, token)
    if using.startswith("node") and using[4:].isdigit():
        from conveyor.actions.node import run_node

        return run_node(runner, manifest, action_dir, ref, inputs, step, scope, env, timeout, token)
    if using == "docker":
        raise _fail(
            f"'{ref.raw}' is a Docker container action: not supported by the host "
            "executor yet (it arrives with the podman executor)"
        )
    raise _fail(
        f"'{ref.raw}': runs.using '{manifest.runs.get('using')}' is not supported, use "
        "'composite', 'docker', 'node12', 'node16', 'node20' or 'node24' instead"
    )


def remote_action_dir(runner: JobRunner, ref: ActionRef) -> Path:
    """The directory of a remote action, fetched (or taken from the cache) by commit."""
    from conveyor.actions.remote import FetchError, fetch_repo

    run = runner.run
    try:
        root = fetch_repo(
            run.actions_dir,
            run.remote_base_url,
            ref.owner,
            ref.repo,
            ref.ref,
            offline=run.offline,
            warn=lambda message: runner.out.info(message, "33"),
        )
    except FetchError as e:
        raise _fail(str(e)) from None
    return root / ref.path if ref.path else root


def run_pre_steps(runner: JobRunner, scope: Scope) -> None:
    """Set up the job's remote actions as the runner does before step 1: fetch each one
    (a missing action fails the job here) and run the ``pre`` of JavaScript actions."""
    from conveyor.actions.builtin import lookup
    from conveyor.actions.node import NODE_RUNTIMES, run_pre

    for step in runner.job.steps:
        if not step.uses:
            continue
        try:
            ref = parse_uses(step.uses)
        except ValueError:
            continue  # reported when the step runs
        if ref.kind != "remote" or lookup(ref) is not None:
            continue
        action_dir = remote_action_dir(runner, ref)
        try:
            manifest = load_manifest(action_dir, ref.raw)
        except ManifestError:
            continue  # reported when the step runs
        if manifest.using in NODE_RUNTIMES and manifest.runs.get("pre"):
            run_pre(runner, manifest, action_dir, ref, step, scope)


def action_inputs(
    runner: JobRunner, spec: dict[str, dict[str, Any]], step: Step, scope: Scope, label: str
) -> dict[str, str]:
    """`with:` evaluated, defaults filled (defaults may hold expressions), keys lower-cased."""
    with_ = step.with_
    if isinstance(with_, str):  # `with: ${{ fromJSON(...) }}`
        with_ = runner.evaluate(with_, scope)
        if not isinstance(with_, dict):
            raise _fail(f"with must evaluate to a mapping, got {type(with_).__name__}")
    given = {str(k).lower(): v for k, v in with_.items()}
    known = {k.lower() for k in spec}
    inputs: dict[str, str] = {}
    for key, value in given.items():
        if spec and key not in known:
            runner.out.info(
                f"Warning: Unexpected input(s) '{key}', valid inputs are "
                f"[{', '.join(repr(k) for k in spec)}]",
                "33",
            )
        inputs[key] = runner.evaluate_str(value, scope)
    for name, meta in spec.items():
        key = name.lower()
        if key in inputs:
            continue
        default = meta.get("default") if isinstance(meta, dict) else None
        if default is not None:
            inputs[key] = runner.evaluate_str(default, scope)
        elif isinstance(meta, dict) and meta.get("required") is True:
            runner.out.info(f"Warning: Input required and not supplied: {name}", "33")
    return inputs


def _call(
    runner: JobRunner,
    ref: ActionRef,
    inputs: dict[str, str],
    env: dict[str, str],
    token: CancelToken,
) -> ActionCall:
    run = runner.run
    executor = runner.executor
    local_groups: list[int] = []

    def stopped(exit: ExitInfo) -> None:
        if exit.stopped:
            raise ActionStopped(f"stopped ({token.reason or 'cancelled'})")

    def execute(
        argv: list[str], cwd: Path | str | None = None, env: dict[str, str] | None = None
    ) -> int:
        where = Path(cwd) if cwd else runner.paths.workspace
        info = executor.run(
            [str(a) for a in argv],
            cwd=where,
            env=env or call.env,
            on_line=runner.out.line,
            timeout=None,
            cancel=token,
        )
        stopped(info)
        return info.code

    def capture(
        argv: list[str],
        cwd: Path | str | None = None,
        env: dict[str, str] | None = None,
        stdin: str | None = None,
    ) -> Captured:
        where = Path(cwd) if cwd else runner.paths.workspace
        out = executor.capture(
            [str(a) for a in argv], cwd=where, env=env or call.env, stdin=stdin, cancel=token
        )
        stopped(out.exit)
        return out

    def local(
        argv: list[str],
        cwd: Path | str | None = None,
        env: dict[str, str] | None = None,
        stdin: str | None = None,
    ) -> Captured:
        from conveyor.executors.host import capture_process

        out = capture_process(
            [str(a) for a in argv],
            cwd=Path(cwd) if cwd else run.repo.root,
            env=env if env is not None else run.base_env,
            stdin=stdin,
            timeout=None,
            cancel=token,
            groups=local_groups,
        )
        stopped(out.exit)
        return out

    call = ActionCall(
        ref=ref,
        inputs=inputs,
        env=runner.process_env(env),
        workspace=executor.host_path(runner.paths.workspace),
        temp=executor.host_path(runner.paths.temp),
        tool_cache=executor.host_path(runner.paths.tool_cache),
        repo_root=run.repo.root,
        run_dir=run.run_dir,
        cache_dir=run.cache_dir,
        github=runner.github,
        remote_base_url=run.remote_base_url,
        log=runner.out.line,
        exec=execute,
        capture=capture,
        local=local,
        add_mask=run.masker.add,
    )
    return call


def _apply(runner: JobRunner, call: ActionCall) -> None:
    runner.global_env.update(call.env_updates)
    for p in call.path_updates:
        runner.path_prepend.insert(0, p)


def run_builtin(
    runner: JobRunner,
    module: Any,
    ref: ActionRef,
    step: Step,
    scope: Scope,
    env: dict[str, str],
    token: CancelToken,
) -> tuple[str, dict[str, str]]:
    from conveyor.actions.builtin import inputs_spec

    inputs = action_inputs(runner, inputs_spec(ref.name), step, scope, ref.raw)
    call = _call(runner, ref, inputs, env, token)
    outcome = "success"
    try:
        module.main(call)
    except ActionFailed as e:
        runner.out.info(f"Error: {e}", "31")
        outcome = "failure"
    _apply(runner, call)
    if hasattr(module, "post"):
        name = f"Post {runner.step_name(step, scope)}"

        def post() -> StepReport:
            return _run_builtin_post(runner, module, call, name, scope)

        from conveyor.engine.job import PostStep

        runner.post_steps.append(PostStep(name, getattr(module, "POST_IF", "always()"), post))
    if token.is_set() and outcome == "success":
        outcome = "cancelled"
    return outcome, dict(call.outputs)


def _run_builtin_post(
    runner: JobRunner, module: Any, call: ActionCall, name: str, scope: Scope
) -> StepReport:
    started = time.monotonic()
    runner.out.step_started()
    runner.out.info(f"⭐ {name}", "1")
    call.job_status = scope.status
    rep = StepReport(id=None, name=name, outcome="success", conclusion="success")
    try:
        module.post(call)
        _apply(runner, call)
    except ActionFailed as e:
        runner.out.info(f"Error: {e}", "31")
        rep.outcome = rep.conclusion = "failure"
    rep.duration = time.monotonic() - started
    return rep


def run_composite(
    runner: JobRunner,
    manifest: Manifest,
    action_dir: Path,
    ref: ActionRef,
    inputs: dict[str, str],
    scope: Scope,
    env: dict[str, str],
    timeout: float | None,
    token: CancelToken,
) -> tuple[str, dict[str, str]]:
    from conveyor.engine.job import Scope as _Scope
    from conveyor.engine.steps import run_step

    try:
        steps = composite_steps(manifest)
    except ManifestError as e:
        raise _fail(str(e)) from None
    inner = _Scope(
        inputs=dict(inputs),
        action_path=str(action_dir),
        composite=True,
        action_repository=f"{ref.owner}/{ref.repo}" if ref.kind == "remote" else "",
        action_ref=ref.ref,
        env={**env, "GITHUB_ACTION_PATH": str(action_dir)},
    )
    if runner.cancel.is_set():
        inner.status = "cancelled"
    depth = getattr(_DEPTH, "value", 0)
    if depth >= MAX_COMPOSITE_DEPTH:
        raise _fail(
            f"'{ref.raw}': composite action depth exceeded max depth {MAX_COMPOSITE_DEPTH}, "
            "please simplify your actions (does an action use itself?)"
        )
    # the inner steps get a cancel token of their own: a step timeout stops them without
    # cancelling the job, while cancelling the job still reaches them
    job_token = runner.cancel
    step_token = CancelToken(job_token)
    timer = None
    timed_out: list[bool] = []
    if timeout:

        def on_timeout() -> None:
            timed_out.append(True)
            step_token.set("step timeout")

        timer = WATCHDOG.schedule(timeout, on_timeout)
    runner.cancel = step_token
    _DEPTH.value = depth + 1
    try:
        for s in steps:
            run_step(runner, s, inner)
    finally:
        _DEPTH.value = depth
        runner.cancel = job_token
        if timer is not None:
            WATCHDOG.cancel(timer)
        if step_token.is_set() and not timed_out and not job_token.is_set():
            job_token.set(step_token.reason)  # e.g. the job's own timeout fired meanwhile
    outputs: dict[str, str] = {}
    for name, meta in manifest.outputs.items():
        value = meta.get("value") if isinstance(meta, dict) else None
        if value is not None:
            outputs[name] = runner.evaluate_str(value, inner)
    if timed_out:
        minutes = (timeout or 0) / 60
        runner.out.info(f"Error: The action has timed out after {minutes:g} minutes.", "31")
        return "failure", outputs
    status = {"success": "success", "failure": "failure", "cancelled": "cancelled"}
    return status.get(inner.status, "failure"), outputs


def which_in(runner: JobRunner, env: dict[str, str], program: str) -> str | None:
    return shutil.which(program, path=runner.process_env(env).get("PATH"))
