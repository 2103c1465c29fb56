"""Validation of ``jobs.<id>.steps``."""

from __future__ import annotations

import re
from typing import Any

from conveyor.workflow.selfref import is_self_ref, self_ref_path, uses_climbs_out
from conveyor.workflow.validate_expr import check_if
from conveyor.workflow.validate_schema import ID_RE, RUN_STEP_KEYS, STEP_KEYS, USES_STEP_KEYS
from conveyor.workflow.validate_util import (
    K_ID,
    K_REQUIRED,
    K_STEP,
    Ctx,
    bad_type,
    check_bool,
    check_keys,
    check_mapping,
    check_number,
    check_string,
    check_string_map,
    has_expr,
)
from conveyor.workflow.yamlload import Path

_ACTION_USES = re.compile(r"(?:\./.*|docker://\S+|[^/@\s]+/[^/@\s]+(?:/[^@\s]*)?@[^@\s]+)\Z", re.S)


def check_steps(ctx: Ctx, path: Path, steps: Any) -> None:
    if not isinstance(steps, list):
        bad_type(ctx, path, steps, "a sequence of steps", 'start each step with "- "')
        return
    if not steps:
        ctx.error(ctx.at_value(path), '"steps" must contain at least one step', K_REQUIRED)
    first_use: dict[str, Path] = {}
    for i, step in enumerate(steps):
        sub: Path = (*path, i)
        if not check_mapping(ctx, sub, step):
            continue
        _check_step(ctx, sub, step)
        step_id = step.get("id")
        if not isinstance(step_id, str) or not step_id:
            continue
        earlier = first_use.get(step_id)
        if earlier is None:
            first_use[step_id] = sub
            continue
        ctx.error(
            ctx.at_value((*sub, "id")),
            f'step id "{step_id}" is already used by step {earlier[-1]} at line '
            f"{ctx.at_value((*earlier, 'id')).line}; step ids must be unique within a job",
            K_ID,
        )


def _check_step(ctx: Ctx, path: Path, step: dict[str, Any]) -> None:
    has_run, has_uses = "run" in step, "uses" in step
    if has_run and has_uses:
        ctx.error(
            ctx.at_key((*path, "uses")),
            'a step must have exactly one of "run" or "uses", but this one has both; '
            "split it into two steps",
            K_STEP,
        )
    elif not has_run and not has_uses:
        ctx.error(
            ctx.at_value(path),
            'a step needs "run" (a shell command) or "uses" (an action)',
            K_STEP,
        )
    check_keys(ctx, path, step, STEP_KEYS)
    if has_run != has_uses:
        allowed = RUN_STEP_KEYS if has_run else USES_STEP_KEYS
        for key in step:
            if key in STEP_KEYS and key not in allowed:
                ctx.error(ctx.at_key((*path, key)), _misplaced(key), K_STEP)
    for key, value in step.items():
        sub = (*path, key)
        if key == "id":
            _check_step_id(ctx, sub, value)
        elif key in ("name", "run"):
            check_string(ctx, sub, value)
        elif key in ("shell", "working-directory"):
            check_string(ctx, sub, value, non_empty=True)
        elif key == "uses":
            _check_uses(ctx, sub, value)
        elif key == "if":
            check_if(ctx, sub, value)
        elif key == "with" or key == "env":
            check_string_map(ctx, sub, value, expr_ok=True)  # schema: mapping or expression
        elif key == "continue-on-error":
            check_bool(ctx, sub, value)
        elif key == "timeout-minutes":
            check_number(ctx, sub, value)


def _misplaced(key: str) -> str:
    if key == "with":
        return '"with" is only valid on a step with "uses"; a "run" step takes "env" instead'
    if key in ("shell", "working-directory"):
        return f'"{key}" is only valid on a "run" step, not on a step with "uses"'
    return f'"{key}" is not valid on this kind of step'


def _check_step_id(ctx: Ctx, path: Path, value: Any) -> None:
    if not check_string(ctx, path, value, non_empty=True):
        return
    text = str(value)
    if not ID_RE.match(text):
        ctx.error(
            ctx.at_value(path),
            f'invalid step id "{text}": it must start with a letter or "_" and contain only '
            'letters, digits, "-" or "_"',
            K_ID,
        )


def _check_uses(ctx: Ctx, path: Path, value: Any) -> None:
    if not isinstance(value, str) or not value:
        bad_type(ctx, path, value, "a non-empty string")
        return
    if not has_expr(value) and is_self_ref(value):
        try:
            self_ref_path(value)
        except ValueError as e:
            ctx.error(ctx.at_value(path), f'invalid action reference "{value}": {e}', K_STEP)
        return
    if not has_expr(value) and uses_climbs_out(value):
        ctx.error(
            ctx.at_value(path),
            f'invalid action reference "{value}": the path climbs out of its '
            "repository with '..'",
            K_STEP,
        )
        return
    if has_expr(value) or not _ACTION_USES.match(value):
        ctx.error(
            ctx.at_value(path),
            f'invalid action reference "{value}"; use "<owner>/<repo>[/<path>]@<ref>", '
            '"./<local path>", "$/<path in this repository>" or "docker://<image>" '
            "(no expressions)",
            K_STEP,
        )
