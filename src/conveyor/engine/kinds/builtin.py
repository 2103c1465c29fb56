"""Built-in actions (``actions/checkout@v4`` and friends): a module of
``conveyor.actions.builtin`` runs in-process with an ``ActionCall`` whose processes go
through the job's executor, under the step's timeout and cancellation."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conveyor.actions.base import ActionCall, ActionFailed, ActionRef, ActionStopped
from conveyor.engine.report import StepReport
from conveyor.engine.scope import PostStep
from conveyor.executors.base import CancelToken, Captured, ExitInfo
from conveyor.executors.watchdog import WATCHDOG

if TYPE_CHECKING:
    from conveyor.engine.scope import Scope
    from conveyor.engine.stepkind import JobContext
    from conveyor.workflow.model import Step


def _call(
    runner: JobContext,
    ref: ActionRef,
    inputs: dict[str, str],
    env: dict[str, str],
    tokens: list[CancelToken],
) -> ActionCall:
    """The call a built-in gets; its processes obey ``tokens[0]`` (post swaps it)."""
    run = runner.run
    executor = runner.executor
    local_groups: list[int] = []

    def stopped(exit: ExitInfo) -> None:
        if exit.stopped:
            raise ActionStopped(f"stopped ({tokens[0].reason or 'cancelled'})")

    def execute(
        argv: list[str], cwd: Path | str | None = None, env: dict[str, str] | None = None
    ) -> int:
        where = Path(cwd) if cwd else runner.paths.workspace
        info = executor.run(
            [str(a) for a in argv],
            cwd=where,
            env=env or call.env,
            on_output=runner.out.line,
            timeout=None,
            cancel=tokens[0],
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
            [str(a) for a in argv], cwd=where, env=env or call.env, stdin=stdin, cancel=tokens[0]
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
            cancel=tokens[0],
            groups=local_groups,
        )
        stopped(out.exit)
        return out

    def local_stream(
        argv: list[str], cwd: Path | str | None = None, env: dict[str, str] | None = None
    ) -> int:
        from conveyor.executors.host import stream_process

        info = stream_process(
            [str(a) for a in argv],
            cwd=Path(cwd) if cwd else run.repo.root,
            env=env if env is not None else run.base_env,
            on_output=runner.out.line,
            timeout=None,
            cancel=tokens[0],
            groups=local_groups,
        )
        stopped(info)
        return info.code

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
        local_stream=local_stream,
        add_mask=run.masker.add,
        artifact=runner.out.artifact,
    )
    return call


def _apply(runner: JobContext, call: ActionCall) -> None:
    runner.global_env.update(call.env_updates)
    for p in call.path_updates:
        runner.path_prepend.insert(0, p)


def run_builtin(
    runner: JobContext,
    module: Any,
    ref: ActionRef,
    step: Step,
    scope: Scope,
    env: dict[str, str],
    timeout: float | None,
    token: CancelToken,
) -> tuple[str, dict[str, str]]:
    from conveyor.actions.builtin import inputs_spec
    from conveyor.engine.kinds.inputs import action_inputs

    inputs = action_inputs(runner, inputs_spec(ref.name), step, scope, ref.raw)
    # the step's deadline is one token for every process the built-in starts
    step_token = CancelToken(token)
    timed_out: list[bool] = []

    def on_timeout() -> None:
        timed_out.append(True)
        step_token.set("timeout")

    timer = WATCHDOG.schedule(timeout, on_timeout) if timeout else None
    tokens = [step_token]
    call = _call(runner, ref, inputs, env, tokens)
    try:
        error = _supervised(lambda: module.main(call), step_token)
    finally:
        if timer is not None:
            WATCHDOG.cancel(timer)
    outcome = "success"
    if timed_out:
        minutes = (timeout or 0) / 60
        runner.out.info(f"Error: The action has timed out after {minutes:g} minutes.", "error")
        outcome = "failure"
    elif token.is_set():
        outcome = "cancelled"
    elif error is not None:
        runner.out.info(f"Error: {error}", "error")
        outcome = "failure"
    _apply(runner, call)
    if hasattr(module, "post"):
        name = f"Post {runner.step_name(step, scope)}"

        def post() -> StepReport:
            tokens[0] = CancelToken(runner.cancel)
            return _run_builtin_post(runner, module, call, name, scope, tokens[0])

        runner.post_steps.append(PostStep(name, getattr(module, "POST_IF", "always()"), post))
    return outcome, dict(call.outputs)


# after a stop, how long a built-in gets to notice (its processes are being stopped)
_STOP_GRACE = 2.0


def _supervised(work: Callable[[], None], token: CancelToken) -> str | None:
    """Run a built-in's Python code; returns its failure message or None.

    Its processes are stopped through the token; Python code blocked elsewhere (a FIFO,
    a hung socket) cannot be, so once the token is set the step stops waiting for it
    and the thread is left to finish on its own.
    """
    outcome: list[BaseException | None] = []
    done = threading.Event()

    def target() -> None:
        try:
            work()
            outcome.append(None)
        except BaseException as e:  # handed to the step's thread
            outcome.append(e)
        finally:
            done.set()
            token.remove_listener(done.set)

    token.add_listener(done.set)
    thread = threading.Thread(target=target, name="builtin", daemon=True)
    thread.start()
    done.wait()
    if not outcome:  # stopped: give it a moment to wind down with ActionStopped
        thread.join(_STOP_GRACE)
    error = outcome[0] if outcome else ActionStopped("stopped")
    if error is None:
        return None
    if isinstance(error, ActionFailed):
        return str(error)
    raise error


def _run_builtin_post(
    runner: JobContext,
    module: Any,
    call: ActionCall,
    name: str,
    scope: Scope,
    token: CancelToken,
) -> StepReport:
    started = time.monotonic()
    runner.out.step_started(name)
    call.job_status = scope.status
    rep = StepReport(id=None, name=name, outcome="success", conclusion="success")
    error = _supervised(lambda: module.post(call), token)
    if error is None:
        _apply(runner, call)
    else:
        runner.out.info(f"Error: {error}", "error")
        rep.outcome = rep.conclusion = "failure"
    rep.duration = time.monotonic() - started
    return rep
