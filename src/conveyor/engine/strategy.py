"""A job's ``strategy`` at run time: the whole strategy from one expression, the matrix
combinations, and the fail-fast and max-parallel settings, each evaluated when GitHub
evaluates them (once the job's needs are done)."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from conveyor.workflow.plan import PlannedJob

    Context = Callable[[], Any]  # makes the EvalContext (github, needs, vars, inputs) on demand


def resolve(pj: PlannedJob, ctx: Context) -> PlannedJob:
    """``strategy: ${{ ... }}``: evaluated once, then used as if written out."""
    if pj.job.strategy is None or pj.job.strategy.expression is None:
        return pj
    from conveyor.expr import evaluate_value
    from conveyor.workflow.strategy import with_strategy

    return with_strategy(pj, evaluate_value(pj.job.strategy.expression, ctx()))


def combinations(pj: PlannedJob, ctx: Context) -> list[dict[str, Any] | None]:
    """The matrix combinations to run; ``[None]`` for a job without a matrix."""
    if pj.matrix is not None:
        return list(pj.matrix)
    if not pj.matrix_dynamic or pj.job.strategy is None:
        return [None]
    from conveyor.expr import evaluate_value
    from conveyor.workflow.matrix import expand_matrix

    value = evaluate_value(pj.job.strategy.matrix, ctx())
    if not isinstance(value, dict):
        raise ValueError(f"the matrix must be a mapping, got {type(value).__name__}")
    return list(expand_matrix(value))


def limits(pj: PlannedJob, ctx: Context, count: int) -> tuple[bool, int]:
    """``fail-fast`` (default true) and how many of ``count`` combinations run at once."""
    strategy = pj.job.strategy
    flag = _value(strategy.fail_fast if strategy else None, ctx, True)
    if not isinstance(flag, bool):
        from conveyor.expr import truthy

        flag = truthy(flag)
    raw = _value(strategy.max_parallel if strategy else None, ctx, None)
    limit = int(raw) if raw not in (None, "") else count
    return flag, max(1, min(limit, count))


def _value(raw: Any, ctx: Context, default: Any) -> Any:
    if raw is None:
        return default
    if isinstance(raw, str) and "${{" in raw:
        from conveyor.expr import evaluate_value

        return evaluate_value(raw, ctx())
    return raw
