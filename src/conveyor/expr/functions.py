"""Built-in functions (semantics follow actions/runner's Expressions SDK)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from conveyor.expr.ast import Node
from conveyor.expr.coerce import (
    ARRAY,
    BOOLEAN,
    NUMBER,
    STRING,
    fold,
    format_number,
    is_primitive,
    kind,
    loose_equals,
    to_string,
)
from conveyor.expr.context import EvalContext
from conveyor.expr.errors import ExprError
from conveyor.jsontext import json_escape

Eval = Callable[[Node], Any]
Impl = Callable[[Sequence[Node], Eval, EvalContext], Any]


def _contains(args: Sequence[Node], ev: Eval, ctx: EvalContext) -> bool:
    search = ev(args[0])
    if is_primitive(search):
        item = ev(args[1])
        if is_primitive(item):
            return fold(to_string(item)) in fold(to_string(search))
        return False
    if kind(search) == ARRAY and len(search) > 0:
        item = ev(args[1])
        return any(loose_equals(item, element) for element in search)
    return False


def _starts_with(args: Sequence[Node], ev: Eval, ctx: EvalContext) -> bool:
    left = ev(args[0])
    if is_primitive(left):
        right = ev(args[1])
        if is_primitive(right):
            return fold(to_string(left)).startswith(fold(to_string(right)))
    return False


def _ends_with(args: Sequence[Node], ev: Eval, ctx: EvalContext) -> bool:
    left = ev(args[0])
    if is_primitive(left):
        right = ev(args[1])
        if is_primitive(right):
            return fold(to_string(left)).endswith(fold(to_string(right)))
    return False


def _format(args: Sequence[Node], ev: Eval, ctx: EvalContext) -> str:
    fmt = to_string(ev(args[0]))
    cache: dict[int, str] = {}

    def arg(index: int) -> str:
        # Arguments are evaluated lazily, only when referenced (as in the runner).
        if index not in cache:
            cache[index] = to_string(ev(args[index + 1]))
        return cache[index]

    return format_string(fmt, len(args) - 1, arg)


def format_string(fmt: str, count: int, arg: Callable[[int], str]) -> str:
    """Expand ``{N}`` placeholders; ``{{``/``}}`` escape braces."""
    out: list[str] = []
    bad_specifiers = ""
    i = 0
    n = len(fmt)
    while i < n:
        lbrace = fmt.find("{", i)
        rbrace = fmt.find("}", i)
        if lbrace >= 0 and (rbrace < 0 or rbrace > lbrace):
            if fmt[lbrace + 1 : lbrace + 2] == "{":
                out.append(fmt[i : lbrace + 1])
                i = lbrace + 2
                continue
            index, end, specifiers = _read_placeholder(fmt, lbrace)
            if index is None:
                raise ExprError(f"the following format string is invalid: {fmt}")
            if index >= count:
                raise ExprError(
                    "the following format string references more arguments than were "
                    f"supplied: {fmt}"
                )
            # Specifiers parse but suit no value type; the runner fails when rendering.
            bad_specifiers = bad_specifiers or specifiers
            out.append(fmt[i:lbrace])
            out.append(arg(index))
            i = end + 1
            continue
        if rbrace >= 0:
            if fmt[rbrace + 1 : rbrace + 2] == "}":
                out.append(fmt[i : rbrace + 1])
                i = rbrace + 2
                continue
            raise ExprError(f"the following format string is invalid: {fmt}")
        out.append(fmt[i:])
        break
    if bad_specifiers:
        raise ExprError(f"the format specifiers '{bad_specifiers}' are not valid in: {fmt}")
    return "".join(out)


def _read_placeholder(fmt: str, lbrace: int) -> tuple[int | None, int, str]:
    """Parse ``{N}`` or ``{N:spec}`` at ``lbrace``: (index or None, closing brace, spec)."""
    n = len(fmt)
    j = lbrace + 1
    while j < n and "0" <= fmt[j] <= "9":
        j += 1
    digits = fmt[lbrace + 1 : j]
    if not digits or int(digits) > 255 or j >= n:  # the runner parses the index as a Byte
        return None, j, ""
    if fmt[j] == "}":
        return int(digits), j, ""
    if fmt[j] != ":":
        return None, j, ""
    spec: list[str] = []
    j += 1
    while j < n:
        if fmt[j] != "}":
            spec.append(fmt[j])
            j += 1
        elif fmt[j + 1 : j + 2] == "}":
            spec.append("}")
            j += 2
        else:
            return int(digits), j, "".join(spec)
    return None, j, ""


def _join(args: Sequence[Node], ev: Eval, ctx: EvalContext) -> str:
    items = ev(args[0])
    if kind(items) == ARRAY and len(items) > 0:
        separator = ","
        if len(items) > 1 and len(args) > 1:
            sep_value = ev(args[1])
            if is_primitive(sep_value):
                separator = to_string(sep_value)
        return separator.join(to_string(item) for item in items)
    if is_primitive(items):
        return to_string(items)
    return ""


def json_string(text: str) -> str:
    return f'"{json_escape(text)}"'


def to_json(value: Any, level: int = 0) -> str:
    """Pretty JSON exactly like the runner's toJSON (2-space indent, ``"key": value``)."""
    k = kind(value)
    if k == STRING:
        return json_string(value)
    if k == NUMBER:
        return format_number(float(value))
    if k == BOOLEAN:
        return "true" if value else "false"
    if value is None:
        return "null"
    inner = "\n" + "  " * (level + 1)
    if k == ARRAY:
        if len(value) == 0:
            return "[]"
        body = ",".join(inner + to_json(item, level + 1) for item in value)
        return "[" + body + "\n" + "  " * level + "]"
    if isinstance(value, Mapping):
        if len(value) == 0:
            return "{}"
        body = ",".join(
            inner + json_string(to_string(key)) + ": " + to_json(item, level + 1)
            for key, item in value.items()
        )
        return "{" + body + "\n" + "  " * level + "}"
    return "{}"  # an object the runner cannot traverse


def _to_json(args: Sequence[Node], ev: Eval, ctx: EvalContext) -> str:
    return to_json(ev(args[0]))


def _reject_constant(name: str) -> float:
    # JSON's NaN/Infinity extensions are accepted by Newtonsoft; map them to floats.
    return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}[name]


def _from_json(args: Sequence[Node], ev: Eval, ctx: EvalContext) -> Any:
    text = to_string(ev(args[0]))
    try:
        # GitHub stores every JSON number as a double.
        return json.loads(text, parse_int=float, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise ExprError(f"error parsing fromJSON: {exc}") from exc


def _case(args: Sequence[Node], ev: Eval, ctx: EvalContext) -> Any:
    for i in range(0, len(args) - 1, 2):
        predicate = ev(args[i])
        if kind(predicate) != BOOLEAN:
            raise ExprError("case predicate must evaluate to a boolean value")
        if predicate:
            return ev(args[i + 1])  # only the chosen branch is evaluated
    return ev(args[-1])


def _hash_files(args: Sequence[Node], ev: Eval, ctx: EvalContext) -> str:
    from conveyor.expr.hashfiles import hash_files  # filesystem code only when used

    if ctx.workspace is None:
        raise ExprError("hashFiles is only available when a workspace is set (in steps)")
    return hash_files([to_string(ev(a)) for a in args], ctx.workspace)


def _status(expected: str) -> Impl:
    def impl(args: Sequence[Node], ev: Eval, ctx: EvalContext) -> bool:
        return ctx.current_status() == expected

    return impl


def _always(args: Sequence[Node], ev: Eval, ctx: EvalContext) -> bool:
    return True


IMPLEMENTATIONS: Final[dict[str, Impl]] = {
    "contains": _contains,
    "startswith": _starts_with,
    "endswith": _ends_with,
    "format": _format,
    "join": _join,
    "tojson": _to_json,
    "fromjson": _from_json,
    "hashfiles": _hash_files,
    "case": _case,
    "success": _status("success"),
    "failure": _status("failure"),
    "cancelled": _status("cancelled"),
    "always": _always,
}
