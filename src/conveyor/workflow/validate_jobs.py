"""Validation of ``jobs``: job keys, reusable-workflow calls, strategy and ``needs``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from conveyor.workflow.selfref import is_self_ref, self_ref_path
from conveyor.workflow.validate_expr import check_if
from conveyor.workflow.validate_parts import (
    check_concurrency,
    check_container,
    check_defaults,
    check_environment,
    check_permissions,
    check_services,
)
from conveyor.workflow.validate_schema import (
    CALLER_JOB_KEYS,
    ID_RE,
    JOB_KEYS,
    RUNS_ON_KEYS,
    SNAPSHOT_KEYS,
    STRATEGY_KEYS,
)
from conveyor.workflow.validate_steps import check_steps
from conveyor.workflow.validate_util import (
    K_CALL,
    K_ID,
    K_KEY,
    K_NEEDS,
    K_REQUIRED,
    K_VALUE,
    Ctx,
    bad_type,
    check_bool,
    check_keys,
    check_mapping,
    check_number,
    check_string,
    check_string_list,
    check_string_map,
    has_expr,
    quoted,
    require,
    suggest,
)
from conveyor.workflow.yamlload import Path

_CALL_USES = re.compile(
    r"(?:\./\.github/workflows/[^/@\s]+\.ya?ml"
    r"|[^/@\s]+/[^/@\s]+/\.github/workflows/[^/@\s]+\.ya?ml@[^@\s]+)\Z"
)
_SELF_CALL_PATH = re.compile(r"\.github/workflows/[^/@\s]+\.ya?ml\Z")


def check_jobs(ctx: Ctx, workflow: dict[str, Any]) -> None:
    if "jobs" not in workflow:
        ctx.error(
            ctx.at_value(()),
            '"jobs" is required: a workflow needs at least one job',
            K_REQUIRED,
        )
        return
    jobs = workflow["jobs"]
    if not check_mapping(ctx, ("jobs",), jobs):
        return
    if not jobs:
        ctx.error(ctx.at_value(("jobs",)), '"jobs" must define at least one job', K_REQUIRED)
    for job_id, job in jobs.items():
        path: Path = ("jobs", job_id)
        if not ID_RE.match(job_id):
            ctx.error(
                ctx.at_key(path),
                f'invalid job id "{job_id}": it must start with a letter or "_" and contain '
                'only letters, digits, "-" or "_"',
                K_ID,
            )
        if check_mapping(ctx, path, job):
            _check_job(ctx, path, job_id, job)
    _check_needs(ctx, jobs)


def _check_job(ctx: Ctx, path: Path, job_id: str, job: dict[str, Any]) -> None:
    calls = "uses" in job
    if calls:
        for key in job:
            if key not in CALLER_JOB_KEYS:
                known = key in JOB_KEYS
                ctx.error(
                    ctx.at_key((*path, key)),
                    f'"{key}" cannot be used in job "{job_id}" because it calls a reusable '
                    f'workflow with "uses"{"" if known else suggest(key, CALLER_JOB_KEYS)}; '
                    f"allowed keys are {quoted(CALLER_JOB_KEYS)}",
                    K_CALL if known else K_KEY,
                )
        _check_call(ctx, path, job)
    else:
        for key in ("with", "secrets"):
            if key in job:
                ctx.error(
                    ctx.at_key((*path, key)),
                    f'"{key}" in job "{job_id}" is only valid together with "uses" that calls '
                    'a reusable workflow; for an action use "with" on a step instead',
                    K_CALL,
                )
        check_keys(
            ctx, path, {k: v for k, v in job.items() if k not in ("with", "secrets")}, JOB_KEYS
        )
        hint = 'every job needs "runs-on" (e.g. runs-on: ubuntu-latest) or "uses"'
        if require(ctx, path, job, "runs-on", hint):
            _check_runs_on(ctx, (*path, "runs-on"), job["runs-on"])
        if "steps" not in job:
            ctx.error(
                ctx.at_key(path),
                f'job "{job_id}" has no "steps" and no "uses"; add "steps:" with at least one '
                "step or call a reusable workflow with uses",
                K_REQUIRED,
            )
        else:
            check_steps(ctx, (*path, "steps"), job["steps"])
    _check_job_fields(ctx, path, job)


def _check_job_fields(ctx: Ctx, path: Path, job: dict[str, Any]) -> None:
    for key, value in job.items():
        sub = (*path, key)
        if key == "name":
            check_string(ctx, sub, value)
        elif key == "if":
            check_if(ctx, sub, value)
        elif key == "needs":
            check_string_list(ctx, sub, value)
        elif key in ("timeout-minutes", "cancel-timeout-minutes"):
            check_number(ctx, sub, value)
        elif key == "continue-on-error":
            check_bool(ctx, sub, value)
        elif key == "strategy":
            _check_strategy(ctx, sub, value)
        elif key == "env":
            check_string_map(ctx, sub, value, expr_ok=True)  # schema: mapping or expression
        elif key == "outputs":
            check_string_map(ctx, sub, value)
        elif key == "defaults":
            check_defaults(ctx, sub, value)
        elif key == "permissions":
            check_permissions(ctx, sub, value)
        elif key == "concurrency":
            check_concurrency(ctx, sub, value)
        elif key == "environment":
            check_environment(ctx, sub, value)
        elif key == "container":
            check_container(ctx, sub, value)
        elif key == "services":
            check_services(ctx, sub, value)
        elif key == "snapshot":
            _check_snapshot(ctx, sub, value)


def _check_call(ctx: Ctx, path: Path, job: dict[str, Any]) -> None:
    uses = job["uses"]
    if check_string(ctx, (*path, "uses"), uses, non_empty=True):
        text = str(uses)
        if is_self_ref(text) and not has_expr(text):
            problem = _self_call_problem(text)
            if problem:
                ctx.error(
                    ctx.at_value((*path, "uses")),
                    f'invalid reusable workflow reference "{text}": {problem}',
                    K_CALL,
                )
        elif has_expr(text) or not _CALL_USES.match(text):
            ctx.error(
                ctx.at_value((*path, "uses")),
                f'invalid reusable workflow reference "{text}"; use '
                '"./.github/workflows/<file>.yml", "$/.github/workflows/<file>.yml" or '
                '"<owner>/<repo>/.github/workflows/<file>.yml@<ref>" (no expressions)',
                K_CALL,
            )
    if "with" in job:
        check_string_map(ctx, (*path, "with"), job["with"])
    secrets = job.get("secrets")
    if "secrets" in job and secrets != "inherit":
        if isinstance(secrets, str):
            bad_type(ctx, (*path, "secrets"), secrets, '"inherit" or a mapping of secrets')
        else:
            check_string_map(ctx, (*path, "secrets"), secrets)


def _self_call_problem(text: str) -> str:
    """What is wrong with a ``$/`` reusable workflow reference ("" when nothing)."""
    try:
        rel = self_ref_path(text)
    except ValueError as e:
        return str(e)
    if not _SELF_CALL_PATH.match(rel):
        return (
            "a reusable workflow must be a .yml or .yaml file directly in .github/workflows, "
            'e.g. "$/.github/workflows/build.yml"'
        )
    return ""


def _check_runs_on(ctx: Ctx, path: Path, value: Any) -> None:
    if isinstance(value, dict):
        check_keys(ctx, path, value, RUNS_ON_KEYS)
        if "group" in value:
            check_string(ctx, (*path, "group"), value["group"], non_empty=True)
        if "labels" in value:
            check_string_list(ctx, (*path, "labels"), value["labels"])
        return
    if isinstance(value, list) and not value:
        bad_type(ctx, path, value, "a runner label, a non-empty sequence of labels or a mapping")
        return
    check_string_list(ctx, path, value)


def _check_strategy(ctx: Ctx, path: Path, value: Any) -> None:
    # the whole mapping may be one expression, e.g. ${{ fromJSON(needs.setup.outputs.s) }}
    if not check_mapping(ctx, path, value, expr_ok=True):
        return
    check_keys(ctx, path, value, STRATEGY_KEYS)
    if "fail-fast" in value:
        check_bool(ctx, (*path, "fail-fast"), value["fail-fast"])
    if "max-parallel" in value:
        limit = value["max-parallel"]
        check_number(ctx, (*path, "max-parallel"), limit)
        if isinstance(limit, (int, float)) and not isinstance(limit, bool) and limit < 1:
            ctx.error(
                ctx.at_value((*path, "max-parallel")),
                f"max-parallel must be at least 1, but got {limit}",
                K_VALUE,
            )
    if "matrix" in value:
        _check_matrix(ctx, (*path, "matrix"), value["matrix"])


def _check_matrix(ctx: Ctx, path: Path, matrix: Any) -> None:
    if not check_mapping(ctx, path, matrix, expr_ok=True):
        return
    if not matrix:
        ctx.error(ctx.at_value(path), "a matrix must define at least one vector", K_VALUE)
    for key, vector in matrix.items():
        sub = (*path, key)
        if has_expr(vector):
            continue
        if key in ("include", "exclude"):
            if not isinstance(vector, list):
                bad_type(ctx, sub, vector, "a sequence of mappings or an expression")
                continue
            for i, row in enumerate(vector):
                check_mapping(ctx, (*sub, i), row, expr_ok=True)
        elif not isinstance(vector, list):
            bad_type(ctx, sub, vector, "a sequence of values or an expression")
        elif not vector:
            ctx.error(
                ctx.at_value(sub), f'matrix vector "{key}" does not contain any values', K_VALUE
            )


def _check_snapshot(ctx: Ctx, path: Path, value: Any) -> None:
    if not isinstance(value, dict):
        check_string(ctx, path, value, non_empty=True)
        return
    check_keys(ctx, path, value, SNAPSHOT_KEYS)
    if require(ctx, path, value, "image-name"):
        check_string(ctx, (*path, "image-name"), value["image-name"], non_empty=True)
    if "if" in value:
        check_if(ctx, (*path, "if"), value["if"])


def _check_needs(ctx: Ctx, jobs: dict[str, Any]) -> None:
    graph: dict[str, list[str]] = {}
    for job_id, job in jobs.items():
        graph[job_id] = []
        needs = job.get("needs") if isinstance(job, dict) else None
        named: list[tuple[Path, Any]]
        if isinstance(needs, str):
            named = [(("jobs", job_id, "needs"), needs)]
        elif isinstance(needs, list):
            named = [(("jobs", job_id, "needs", i), n) for i, n in enumerate(needs)]
        else:
            continue
        for sub, name in named:
            if not isinstance(name, str):
                continue
            if name == job_id:
                ctx.error(ctx.at_value(sub), f'job "{job_id}" cannot need itself', K_NEEDS)
            elif name not in jobs:
                ctx.error(
                    ctx.at_value(sub),
                    f'job "{job_id}" needs job "{name}", which does not exist'
                    f"{suggest(name, jobs)}; existing jobs are {quoted(jobs)}",
                    K_NEEDS,
                )
            elif name not in graph[job_id]:
                graph[job_id].append(name)
    for cycle in _cycles(graph):
        ctx.error(
            ctx.at_key(("jobs", cycle[0], "needs")),
            f"dependency cycle in needs: {' -> '.join(cycle)}; remove one of these needs",
            K_NEEDS,
        )


def _cycles(graph: dict[str, list[str]]) -> Iterator[list[str]]:
    """Each cycle met by an iterative depth-first search, as a closed path a -> b -> a."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
    for start in graph:
        if start in state:
            continue
        state[start] = 1
        trail = [start]
        stack = [iter(graph[start])]
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[trail.pop()] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                yield [*trail[trail.index(nxt) :], nxt]
            elif nxt not in state:
                state[nxt] = 1
                trail.append(nxt)
                stack.append(iter(graph[nxt]))
