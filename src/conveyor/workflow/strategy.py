"""``strategy`` given as one expression, e.g. ``strategy: ${{ fromJSON(needs.setup.outputs.s) }}``
(GitHub's workflow schema lets the whole mapping be an expression with the contexts of
``strategy``: github, needs, vars, inputs). The engine evaluates it once, when the job is
about to run; this turns the value into the ``Strategy`` it would have been written as."""

from __future__ import annotations

from typing import Any

from conveyor.records import replace
from conveyor.workflow.errors import Pos
from conveyor.workflow.matrix import MatrixError, expand_matrix
from conveyor.workflow.model import Strategy
from conveyor.workflow.plan import PlannedJob
from conveyor.workflow.validate_schema import STRATEGY_KEYS
from conveyor.workflow.validate_util import describe


def strategy_from_value(value: Any, pos: Pos) -> tuple[Strategy, list[dict[str, Any]] | None]:
    """The strategy and its matrix combinations (None without a matrix); ValueError saying
    what is wrong with ``value``."""
    if not isinstance(value, dict):
        raise ValueError(
            "the strategy expression must evaluate to a mapping with matrix, fail-fast or "
            f"max-parallel, but it gave {describe(value)}"
        )
    for key in value:
        if key not in STRATEGY_KEYS:
            raise ValueError(
                f'unexpected key "{key}" in the evaluated strategy; '
                f"allowed are {', '.join(STRATEGY_KEYS)}"
            )
    fail_fast = value.get("fail-fast", True)
    if not isinstance(fail_fast, bool):
        raise ValueError(f"fail-fast must be a boolean, but it is {describe(fail_fast)}")
    limit = value.get("max-parallel")
    if limit is not None and (
        isinstance(limit, bool) or not isinstance(limit, int | float) or limit < 1
    ):
        raise ValueError(f"max-parallel must be at least 1, but it is {describe(limit)}")
    matrix = value.get("matrix")
    combos = None
    if matrix is not None:
        if not isinstance(matrix, dict):
            raise ValueError(f"matrix must be a mapping, but it is {describe(matrix)}")
        try:
            combos = expand_matrix(matrix)
        except MatrixError as e:
            raise ValueError(f"matrix: {e}") from None
    strategy = Strategy(
        matrix=matrix,
        fail_fast=fail_fast,
        max_parallel=None if limit is None else int(limit),
        pos=pos,
    )
    return strategy, combos


def with_strategy(pj: PlannedJob, value: Any) -> PlannedJob:
    """``pj`` with the evaluated strategy ``value`` in place of its expression, its matrix
    expanded."""
    pos = pj.job.strategy.pos if pj.job.strategy else pj.job.pos
    strategy, combos = strategy_from_value(value, pos)
    return replace(pj, job=replace(pj.job, strategy=strategy), matrix=combos, matrix_dynamic=False)
