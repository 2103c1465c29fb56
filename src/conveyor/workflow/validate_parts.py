"""Validation of sections shared by workflows and jobs: permissions, concurrency, defaults,
environment, containers and services."""

from __future__ import annotations

from typing import Any

from conveyor.workflow.validate_schema import (
    CONCURRENCY_KEYS,
    CONTAINER_KEYS,
    CREDENTIALS_KEYS,
    DEFAULTS_KEYS,
    DEFAULTS_RUN_KEYS,
    ENVIRONMENT_KEYS,
    PERMISSION_SHORTHANDS,
    PERMISSIONS,
    SERVICE_KEYS,
)
from conveyor.workflow.validate_util import (
    K_VALUE,
    Ctx,
    bad_type,
    check_bool,
    check_keys,
    check_mapping,
    check_string,
    check_string_list,
    check_string_map,
    describe,
    has_expr,
    quoted,
    require,
    suggest,
    where,
)
from conveyor.workflow.yamlload import Path


def check_permissions(ctx: Ctx, path: Path, value: Any) -> None:
    if isinstance(value, str):
        if value not in PERMISSION_SHORTHANDS:
            ctx.error(
                ctx.at_value(path),
                f"invalid {where(path)} {describe(value)}{suggest(value, PERMISSION_SHORTHANDS)};"
                f" use {quoted(PERMISSION_SHORTHANDS)} or a mapping of scope to level",
                K_VALUE,
            )
        return
    if not isinstance(value, dict):
        bad_type(ctx, path, value, '"read-all", "write-all" or a mapping of scope to level')
        return
    check_keys(ctx, path, value, tuple(PERMISSIONS))
    for scope, level in value.items():
        allowed = PERMISSIONS.get(scope)
        if allowed is not None and level not in allowed:
            ctx.error(
                ctx.at_value((*path, scope)),
                f'invalid permission level {describe(level)} for scope "{scope}"; '
                f"allowed levels are {quoted(allowed)}",
                K_VALUE,
            )


def check_concurrency(ctx: Ctx, path: Path, value: Any) -> None:
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        check_string(ctx, path, value, non_empty=True)
        return
    if not check_mapping(ctx, path, value):
        return
    check_keys(ctx, path, value, CONCURRENCY_KEYS)
    if require(ctx, path, value, "group", "the concurrency group name, e.g. ${{ github.ref }}"):
        check_string(ctx, (*path, "group"), value["group"], non_empty=True)
    if "cancel-in-progress" in value:
        check_bool(ctx, (*path, "cancel-in-progress"), value["cancel-in-progress"])
    queue = value.get("queue")
    if "queue" in value and queue not in ("single", "max"):
        ctx.error(
            ctx.at_value((*path, "queue")),
            f'invalid queue {describe(queue)}; allowed values are "single", "max"',
            K_VALUE,
        )


def check_defaults(ctx: Ctx, path: Path, value: Any) -> None:
    if not check_mapping(ctx, path, value):
        return
    check_keys(ctx, path, value, DEFAULTS_KEYS)
    run = value.get("run")
    if run is None or not check_mapping(ctx, (*path, "run"), run):
        return
    check_keys(ctx, (*path, "run"), run, DEFAULTS_RUN_KEYS)
    for key in DEFAULTS_RUN_KEYS:
        if key in run:
            check_string(ctx, (*path, "run", key), run[key], non_empty=True)


def check_environment(ctx: Ctx, path: Path, value: Any) -> None:
    if not isinstance(value, dict):
        check_string(ctx, path, value)
        return
    check_keys(ctx, path, value, ENVIRONMENT_KEYS)
    if require(ctx, path, value, "name"):
        check_string(ctx, (*path, "name"), value["name"])
    if "url" in value:
        check_string(ctx, (*path, "url"), value["url"])
    if "deployment" in value:
        check_bool(ctx, (*path, "deployment"), value["deployment"])


def check_container(ctx: Ctx, path: Path, value: Any, service: bool = False) -> None:
    if not isinstance(value, dict):
        check_string(ctx, path, value, non_empty=service)
        return
    check_keys(ctx, path, value, SERVICE_KEYS if service else CONTAINER_KEYS)
    for key in ("image", "options", "entrypoint", "command"):
        if key in value:
            check_string(ctx, (*path, key), value[key], non_empty=key == "image")
    for key in ("ports", "volumes"):
        if key in value:
            check_string_list(ctx, (*path, key), value[key], single_ok=False)
    if "env" in value:
        check_string_map(ctx, (*path, "env"), value["env"])
    creds: Any = value.get("credentials")
    if "credentials" in value and check_mapping(ctx, (*path, "credentials"), creds, True):
        check_keys(ctx, (*path, "credentials"), creds, CREDENTIALS_KEYS)
        for key in CREDENTIALS_KEYS:
            if key in creds:
                check_string(ctx, (*path, "credentials", key), creds[key], non_empty=True)


def check_services(ctx: Ctx, path: Path, value: Any) -> None:
    # GitHub's schema gives "services" contexts, so a whole ${{ }} may stand for the mapping
    if not check_mapping(ctx, path, value, expr_ok=True):
        return
    for name, service in value.items():
        if has_expr(service):
            continue
        check_container(ctx, (*path, name), service, service=True)
