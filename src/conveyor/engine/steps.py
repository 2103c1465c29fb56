"""Running one step: its condition, env, timeout, continue-on-error, outcome vs
conclusion; the step's kind (``engine.kinds``) does the work."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from conveyor.engine.kinds import script
from conveyor.engine.process import condition_holds
from conveyor.engine.report import StepReport
from conveyor.engine.scope import StepFailed
from conveyor.executors.base import CancelToken

TYPE_CHECKING = False
if TYPE_CHECKING:
    from conveyor.engine.scope import Scope
    from conveyor.engine.stepkind import JobContext, StepKind
    from conveyor.workflow.model import Step

# compiled on first use (re caches it), not by every start-up's import
_NAME_SAFE = r"[^A-Za-z0-9_.-]+"


def run_steps(
    runner: JobContext, steps: list[Step], scope: Scope, reports: list[StepReport]
) -> None:
    for step in steps:
        rep = run_step(runner, step, scope)
        reports.append(rep)


def run_step(runner: JobContext, step: Step, scope: Scope) -> StepReport:
    if runner.cancel.is_set() and scope.status != "cancelled":
        scope.status = "cancelled"
    # github.action / GITHUB_ACTION: set before `if` is evaluated (StepsRunner.cs); the
    # generated names (__run, __run_2, __actions_checkout) count skipped steps too
    runner.github["action"] = step.id or runner.next_action_id(_generated_name(step))
    name = runner.step_name(step, scope)
    rep = StepReport(id=step.id, name=name)
    out = runner.out
    try:
        run_it = condition_holds(runner, step.if_, scope)
    except Exception as e:  # the expression machinery loads only for an `if:` to evaluate
        from conveyor.expr.errors import ExprError

        if not isinstance(e, ExprError):
            raise
        out.info(f"Error: step '{name}': if: {e}", "error")
        rep.outcome = rep.conclusion = "failure"
        _record(runner, step, scope, rep)
        scope.status = "failure"
        out.step_finished(rep, scope.composite)
        return rep
    if not run_it:
        _record(runner, step, scope, rep)
        out.step_finished(rep, scope.composite)
        return rep
    started = time.monotonic()
    out.step_started(name)
    outcome = "success"
    try:
        env = runner.evaluate_env(step.env, scope, runner.env_context(scope))
        step_env = {**scope.env, **env}
        timeout = _step_timeout(runner, step, scope, step_env)
        token = CancelToken()
        stop = _cancel_unless_condition_holds(runner, step, scope, token)
        try:
            if step.run is not None:
                kind: StepKind = script
            else:  # the actions machinery loads only for jobs that use actions
                from conveyor.engine.kinds import action as kind
            outcome, rep.outputs = kind.main(runner, step, scope, step_env, timeout, token)
        finally:
            runner.cancel.remove_listener(stop)
    except Exception as e:  # expression errors, missing actions: the step fails, the job goes on
        from conveyor.expr.errors import ExprError

        if not isinstance(e, ExprError | StepFailed | ValueError | OSError):
            raise
        out.info(f"Error: {e}", "error")
        outcome = "failure"
    rep.outcome = outcome  # type: ignore[assignment]
    rep.conclusion = rep.outcome
    if outcome == "failure" and _continue_on_error(runner, step, scope):
        rep.conclusion = "success"
    rep.duration = time.monotonic() - started
    out.step_finished(rep, scope.composite)
    if rep.conclusion == "failure" and scope.status != "cancelled":
        scope.status = "failure"
    if rep.outcome == "cancelled":
        scope.status = "cancelled"
    _record(runner, step, scope, rep)
    return rep


def _cancel_unless_condition_holds(
    runner: JobContext, step: Step, scope: Scope, token: CancelToken
) -> Callable[[], None]:
    """When the job is cancelled while this step runs, the runner re-evaluates the step's
    condition with the job cancelled: a step that still should run (``if: always()``,
    ``cancelled()``) goes on; others are stopped (StepsRunner.cs)."""

    def on_cancel() -> None:
        try:
            from conveyor.expr import evaluate_condition

            cancelled = _with_status(scope, "cancelled")
            holds = bool(evaluate_condition(step.if_ or "", runner.eval_ctx(cancelled)))
        except Exception:
            holds = False
        if not holds:
            token.set(runner.cancel.reason or "cancelled")

    runner.cancel.add_listener(on_cancel)
    if runner.cancel.is_set():
        # cancelled before the listener was in place (perhaps after this step's condition
        # was evaluated): decide now; a step that runs because of the cancel still holds
        on_cancel()
    return on_cancel


def _with_status(scope: Scope, status: str) -> Scope:
    from conveyor.records import replace

    return replace(scope, status=status)


def _generated_name(step: Step) -> str:
    """GitHub's name for a step without an id: ``__run`` or ``__owner_repo`` of its action."""
    uses = (step.uses or "").strip()
    if step.run is not None or not uses:
        return "__run"
    if uses.startswith(("./", "$/")) or uses == ".":
        # `$/` is parsed like `./` (a path in the workflow's own repository, no owner/repo
        # written), so it gets the same generated name
        return "__self"
    if uses.startswith("docker://"):
        return "__docker"
    owner, _, rest = uses.partition("@")[0].partition("/")
    repo = rest.split("/", 1)[0]
    return "__" + re.sub(_NAME_SAFE, "", f"{owner}_{repo}")


def _record(runner: JobContext, step: Step, scope: Scope, rep: StepReport) -> None:
    if step.id:
        scope.steps[step.id] = {
            "outputs": rep.outputs,
            "outcome": rep.outcome,
            "conclusion": rep.conclusion,
        }


def _continue_on_error(runner: JobContext, step: Step, scope: Scope) -> bool:
    value = step.continue_on_error
    if isinstance(value, bool):
        return value
    from conveyor.expr import truthy

    return truthy(runner.evaluate(value, scope))


def _step_timeout(
    runner: JobContext, step: Step, scope: Scope, env: dict[str, str]
) -> float | None:
    if step.timeout_minutes is None:
        return None
    value = runner.evaluate(step.timeout_minutes, scope, {**runner.env_context(scope), **env})
    try:
        minutes = float(value)
    except (TypeError, ValueError):
        raise StepFailed(f"timeout-minutes must be a number, got '{value}'") from None
    return minutes * 60 if minutes > 0 else None
