"""Validation of ``on:``: event names, filters, schedules and workflow inputs."""

from __future__ import annotations

from typing import Any

from conveyor.workflow.validate_schema import (
    CALL_INPUT_KEYS,
    CALL_INPUT_TYPES,
    CALL_OUTPUT_KEYS,
    CALL_SECRET_KEYS,
    DISPATCH_INPUT_KEYS,
    DISPATCH_INPUT_TYPES,
    EVENTS,
    EXCLUSIVE_FILTERS,
    ID_RE,
    SCHEDULE_KEYS,
    EventSpec,
)
from conveyor.workflow.validate_util import (
    K_CRON,
    K_EVENTS,
    K_FILTER,
    K_ID,
    K_INPUT,
    K_REQUIRED,
    Ctx,
    bad_type,
    check_bool,
    check_keys,
    check_mapping,
    check_string,
    check_string_list,
    describe,
    has_expr,
    is_number,
    is_scalar,
    quoted,
    require,
    suggest,
)
from conveyor.workflow.yamlload import Path

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
# (name, lowest, highest, names that stand for lowest, lowest+1, ...)
_CRON_FIELDS: tuple[tuple[str, int, int, tuple[str, ...]], ...] = (
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day of month", 1, 31, ()),
    ("month", 1, 12, _MONTHS),
    ("day of week", 0, 7, _DAYS),  # 7 is Sunday again, as in most crons
)


def check_on(ctx: Ctx, workflow: dict[str, Any]) -> None:
    path: Path = ("on",)
    if "on" not in workflow:
        ctx.error(
            ctx.at_value(()),
            '"on" is required: a workflow must say which events trigger it; '
            'add for example "on: push"',
            K_REQUIRED,
        )
        return
    value = workflow["on"]
    if isinstance(value, str):
        _check_event_name(ctx, path, value)
    elif isinstance(value, list):
        if not value:
            ctx.error(ctx.at_value(path), '"on" lists no events', K_EVENTS)
        for i, item in enumerate(value):
            if check_string(ctx, (*path, i), item, non_empty=True):
                _check_event_name(ctx, (*path, i), str(item))
    elif isinstance(value, dict):
        if not value:
            ctx.error(ctx.at_value(path), '"on" lists no events', K_EVENTS)
        for event, config in value.items():
            if _check_event_name(ctx, (*path, event), event, at_key=True):
                _check_event_config(ctx, (*path, event), event, EVENTS[event], config)
    else:
        bad_type(ctx, path, value, "an event name, a sequence of event names or a mapping")


def _check_event_name(ctx: Ctx, path: Path, name: str, at_key: bool = False) -> bool:
    if name in EVENTS:
        return True
    pos = ctx.at_key(path) if at_key else ctx.at_value(path)
    ctx.error(
        pos,
        f'unknown event "{name}"{suggest(name, EVENTS)}; GitHub events are {quoted(EVENTS)}',
        K_EVENTS,
    )
    return False


def _check_event_config(ctx: Ctx, path: Path, event: str, spec: EventSpec, config: Any) -> None:
    if config is None:
        return
    if isinstance(config, dict) and "if" in config:
        # GitHub accepts (and ignores) an "if" under any event, undocumented but used by
        # real workflows (rhysd/actionlint testdata/ok/github_events_if.yaml)
        config = {key: value for key, value in config.items() if key != "if"}
    if event == "schedule":
        _check_schedule(ctx, path, config)
        return
    if not spec.keys:
        if config != {}:
            ctx.error(
                ctx.at_value(path),
                f'event "{event}" takes no configuration, but got {describe(config)}; '
                f'write "{event}:" with nothing after it',
                K_EVENTS,
            )
        return
    if not check_mapping(ctx, path, config):
        return
    check_keys(ctx, path, config, spec.keys)
    for key, value in config.items():
        sub = (*path, key)
        if key not in spec.keys:
            continue
        if key == "types":
            _check_types(ctx, sub, event, spec, value)
        elif key == "inputs" and event == "workflow_dispatch":
            _check_dispatch_inputs(ctx, sub, value)
        elif key == "inputs":
            _check_call_inputs(ctx, sub, value)
        elif key == "outputs":
            _check_call_outputs(ctx, sub, value)
        elif key == "secrets":
            _check_call_secrets(ctx, sub, value)
        elif key in _GLOB_FILTERS:
            _check_globs(ctx, sub, value)
        else:  # workflows, names, versions
            check_string_list(ctx, sub, value)
    for name in EXCLUSIVE_FILTERS:
        if name in config and f"{name}-ignore" in config:
            ctx.error(
                ctx.at_key((*path, f"{name}-ignore")),
                f'"{name}" and "{name}-ignore" cannot both be used for event "{event}"; '
                f'keep "{name}" and exclude with "!pattern" entries instead',
                K_FILTER,
            )


_GLOB_FILTERS = frozenset(
    ("branches", "branches-ignore", "tags", "tags-ignore", "paths", "paths-ignore")
)


def _check_globs(ctx: Ctx, path: Path, value: Any) -> None:
    """Filter patterns GitHub would reject (an unclosed ``[``, a bad range, a ``?`` or
    ``+`` with nothing to repeat) are errors at the pattern, as GitHub rejects the file."""
    from conveyor.workflow.globs import GlobError, compile_pattern, split_negation

    for i, item in enumerate(check_string_list(ctx, path, value)):
        try:
            compile_pattern(split_negation(item)[1])
        except GlobError as e:
            sub = (*path, i) if isinstance(value, list) else path
            ctx.error(ctx.at_value(sub), f"invalid filter pattern: {e}", K_FILTER)


def _check_types(ctx: Ctx, path: Path, event: str, spec: EventSpec, value: Any) -> None:
    items = check_string_list(ctx, path, value)
    if spec.types is None:
        return
    for i, item in enumerate(items):
        if item not in spec.types:
            sub = (*path, i) if isinstance(value, list) else path
            ctx.error(
                ctx.at_value(sub),
                f'invalid activity type "{item}" for event "{event}"'
                f"{suggest(item, spec.types)}; allowed types are {quoted(spec.types)}",
                K_EVENTS,
            )


def _check_schedule(ctx: Ctx, path: Path, value: Any) -> None:
    if not isinstance(value, list) or not value:
        bad_type(ctx, path, value, "a non-empty sequence of mappings like \"- cron: '0 0 * * *'\"")
        return
    for i, entry in enumerate(value):
        sub = (*path, i)
        if not check_mapping(ctx, sub, entry):
            continue
        check_keys(ctx, sub, entry, SCHEDULE_KEYS)
        if "timezone" in entry:
            check_string(ctx, (*sub, "timezone"), entry["timezone"], non_empty=True)
        if not require(ctx, sub, entry, "cron", "for example cron: '30 5 * * 1'"):
            continue
        cron = entry["cron"]
        if not isinstance(cron, str):
            bad_type(ctx, (*sub, "cron"), cron, "a string such as '30 5 * * 1'")
            continue
        problem = cron_problem(cron)
        if problem:
            ctx.error(
                ctx.at_value((*sub, "cron")),
                f'invalid cron "{cron}": {problem}; a cron has 5 fields: '
                "minute hour day-of-month month day-of-week",
                K_CRON,
            )


def cron_problem(expr: str) -> str | None:
    """Why a POSIX cron expression is invalid, or None when it is fine."""
    fields = expr.split()
    if len(fields) != 5:
        return f"expected 5 fields, found {len(fields)}"
    for text, (name, low, high, names) in zip(fields, _CRON_FIELDS, strict=True):
        for item in text.split(","):
            problem = _cron_item(item, low, high, names)
            if problem:
                return f'{name} field "{text}": {problem}'
    return None


def _cron_item(item: str, low: int, high: int, names: tuple[str, ...]) -> str | None:
    span, slash, step = item.partition("/")
    if slash and (not step.isdigit() or int(step) == 0):
        return f'step "{step}" must be a positive number'
    if span == "*":
        return None
    first, dash, last = span.partition("-")
    bounds = []
    for part in (first, last) if dash else (first,):
        if part.isdigit():
            number = int(part)
        elif part.lower() in names:
            number = names.index(part.lower()) + low
        else:
            return f'"{part}" is not a number' if part else f'"{item}" is incomplete'
        if not low <= number <= high:
            return f"{number} is out of range {low}-{high}"
        bounds.append(number)
    if dash and bounds[0] > bounds[1]:
        return f'range "{span}" goes backwards'
    return None


def _check_input_name(ctx: Ctx, path: Path, name: str, what: str) -> None:
    if not ID_RE.match(name):
        ctx.error(
            ctx.at_key(path),
            f'invalid {what} name "{name}": it must start with a letter or "_" and contain '
            'only letters, digits, "-" or "_"',
            K_ID,
        )


def _check_input_common(ctx: Ctx, path: Path, spec: dict[str, Any]) -> None:
    if "description" in spec:
        check_string(ctx, (*path, "description"), spec["description"])
    if "required" in spec:
        check_bool(ctx, (*path, "required"), spec["required"], expr_ok=False)


def _check_type_value(ctx: Ctx, path: Path, typ: Any, allowed: tuple[str, ...]) -> bool:
    if typ in allowed:
        return True
    hint = suggest(str(typ), allowed) if isinstance(typ, str) else ""
    ctx.error(
        ctx.at_value(path),
        f"invalid input type {describe(typ)}{hint}; allowed types are {quoted(allowed)}",
        K_INPUT,
    )
    return False


def _check_default(ctx: Ctx, path: Path, typ: str, default: Any) -> None:
    if has_expr(default):
        return
    if typ == "boolean" and not isinstance(default, bool):
        bad_type(ctx, path, default, "true or false for a boolean input")
    elif typ == "number" and not is_number(default):
        bad_type(ctx, path, default, "a number for a number input")
    elif typ in ("string", "choice", "environment") and not is_scalar(default):
        bad_type(ctx, path, default, "a string")


def _check_dispatch_inputs(ctx: Ctx, path: Path, inputs: Any) -> None:
    if inputs is None or not check_mapping(ctx, path, inputs):
        return
    for name, spec in inputs.items():
        sub = (*path, name)
        _check_input_name(ctx, sub, name, "input")
        if spec is None or not check_mapping(ctx, sub, spec):
            continue
        check_keys(ctx, sub, spec, DISPATCH_INPUT_KEYS)
        _check_input_common(ctx, sub, spec)
        typ = spec.get("type", "string")
        if not _check_type_value(ctx, (*sub, "type"), typ, DISPATCH_INPUT_TYPES):
            continue
        options = spec.get("options")
        if "options" in spec:
            options = check_string_list(ctx, (*sub, "options"), options, single_ok=False)
        if typ == "choice" and not options:
            ctx.error(
                ctx.at_key(sub),
                f'choice input "{name}" needs a non-empty "options" list of the values to offer',
                K_INPUT,
            )
        if "default" not in spec or spec["default"] is None:
            continue
        default = spec["default"]
        _check_default(ctx, (*sub, "default"), typ, default)
        if typ == "choice" and options and is_scalar(default) and str(default) not in options:
            ctx.error(
                ctx.at_value((*sub, "default")),
                f'default {describe(default)} of choice input "{name}" is not one of its '
                f"options {quoted(options)}",
                K_INPUT,
            )


def _check_call_inputs(ctx: Ctx, path: Path, inputs: Any) -> None:
    if inputs is None or not check_mapping(ctx, path, inputs):
        return
    for name, spec in inputs.items():
        sub = (*path, name)
        _check_input_name(ctx, sub, name, "input")
        if not check_mapping(ctx, sub, spec):
            continue
        check_keys(ctx, sub, spec, CALL_INPUT_KEYS)
        _check_input_common(ctx, sub, spec)
        hint = f"one of {quoted(CALL_INPUT_TYPES)}"
        if not require(ctx, sub, spec, "type", hint):
            continue
        typ = spec["type"]
        if _check_type_value(ctx, (*sub, "type"), typ, CALL_INPUT_TYPES) and (
            spec.get("default") is not None
        ):
            _check_default(ctx, (*sub, "default"), typ, spec["default"])


def _check_call_outputs(ctx: Ctx, path: Path, outputs: Any) -> None:
    if outputs is None or not check_mapping(ctx, path, outputs):
        return
    for name, spec in outputs.items():
        sub = (*path, name)
        _check_input_name(ctx, sub, name, "output")
        if not check_mapping(ctx, sub, spec):
            continue
        check_keys(ctx, sub, spec, CALL_OUTPUT_KEYS)
        if "description" in spec:
            check_string(ctx, (*sub, "description"), spec["description"])
        if require(ctx, sub, spec, "value", "for example value: ${{ jobs.build.outputs.x }}"):
            check_string(ctx, (*sub, "value"), spec["value"])


def _check_call_secrets(ctx: Ctx, path: Path, secrets: Any) -> None:
    if secrets is None or not check_mapping(ctx, path, secrets):
        return
    for name, spec in secrets.items():
        sub = (*path, name)
        _check_input_name(ctx, sub, name, "secret")
        if spec is None or not check_mapping(ctx, sub, spec):
            continue
        check_keys(ctx, sub, spec, CALL_SECRET_KEYS)
        _check_input_common(ctx, sub, spec)
