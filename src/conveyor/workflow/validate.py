"""Full validation of a loaded workflow document, collecting every problem at once."""

from __future__ import annotations

from conveyor.workflow.errors import WorkflowError
from conveyor.workflow.validate_events import check_on
from conveyor.workflow.validate_expr import check_all_expressions
from conveyor.workflow.validate_jobs import check_jobs
from conveyor.workflow.validate_parts import check_concurrency, check_defaults, check_permissions
from conveyor.workflow.validate_schema import WORKFLOW_KEYS
from conveyor.workflow.validate_util import (
    K_TYPE,
    Ctx,
    check_keys,
    check_string,
    check_string_map,
    describe,
    format_error,
)
from conveyor.workflow.yamlload import Doc

__all__ = ["format_error", "validate_workflow"]


def validate_workflow(doc: Doc, file: str) -> list[WorkflowError]:
    """Every problem in ``doc``, ordered by position; empty when the workflow is valid."""
    ctx = Ctx(doc, file)
    workflow = doc.value
    if not isinstance(workflow, dict):
        ctx.error(
            ctx.at_value(()),
            f'a workflow must be a mapping with "on" and "jobs", but got {describe(workflow)}',
            K_TYPE,
        )
        return ctx.errors
    check_keys(ctx, (), workflow, WORKFLOW_KEYS)
    for key in ("name", "run-name", "description"):
        if key in workflow:
            check_string(ctx, (key,), workflow[key])
    check_on(ctx, workflow)
    if "env" in workflow:
        check_string_map(ctx, ("env",), workflow["env"])
    if "defaults" in workflow:
        check_defaults(ctx, ("defaults",), workflow["defaults"])
    if "permissions" in workflow:
        check_permissions(ctx, ("permissions",), workflow["permissions"])
    if "concurrency" in workflow:
        check_concurrency(ctx, ("concurrency",), workflow["concurrency"])
    check_jobs(ctx, workflow)
    check_all_expressions(ctx, workflow)
    ctx.errors.sort(key=lambda e: (e.pos.line, e.pos.col) if e.pos else (1 << 30, 0))
    return ctx.errors
