"""Built-in functions (semantics follow actions/runner's Expressions SDK)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Final

from conveyor.expr.ast import Node
from conveyor.expr.coerce import (
    ARRAY,
    BOOLEAN,
    NUMBER,
    OBJECT,
    STRING,
    as_float,
    fold,
    format_number,
    is_primitive,
    kind,
    loose_equals,
    parse_number,
    to_string,
)
from conveyor.expr.context import EvalContext
from conveyor.expr.errors import ExprError
from conveyor.jsontext import json_escape

Eval = Callable[[Node], Any]
Impl = Callable[[Sequence[Node], Eval, EvalContext], Any]

# The runner evaluates with a 10 MB memory budget (PipelineTemplateEvaluator.MaxResultSize)
# and counts what format, join and toJSON build as .NET sizes strings.
MAX_MEMORY: Final = 10 * 1024 * 1024
MEMORY_EXCEEDED: Final = (
    "the maximum allowed memory size was exceeded while evaluating the expression "
    "(a result may be at most 10 MB, as on GitHub)"
)
# fromJSON's reader (Newtonsoft.Json 13) refuses JSON nested deeper than this
MAX_JSON_DEPTH: Final = 64


class MemoryCounter:
    """The runner's MemoryCounter for one string being built."""

    __slots__ = ("total",)

    def __init__(self) -> None:
        self.total = 0

    def add(self, text: str) -> None:
        self.total += 26 + 2 * len(text)  # .NET: object header plus UTF-16 characters
        if self.total > MAX_MEMORY:
            raise ExprError(MEMORY_EXCEEDED)


def _contains(args: Sequence[Node], ev: Eval, ctx: EvalContext) -> bool:
    search = ev(args[0])
    if is_primitive(search):
        item = ev(args[1])
        if is_primitive(item):
            return fold(to_string(item)) in fold(to_string(search))
        return False
    if kind(search) == ARRAY and len(search) > 0:
        return any(map(_equals(ev(args[1])), search))
    return False


def _equals(item: Any) -> Callable[[Any], bool]:
    """``loose_equals(item, element)`` for many elements: a string item is folded and
    parsed once, which matters for arrays of millions (fromJSON of megabytes)."""
    if type(item) is float or type(item) is int:
        return lambda element: (
            bool(element == item)
            if type(element) is float or type(element) is int
            else loose_equals(item, element)
        )
    if type(item) is not str:
        return lambda element: loose_equals(item, element)
    folded = fold(item)
    number = parse_number(item)

    def equals(element: Any) -> bool:
        t = type(element)
        if t is str:
            return bool(element == item or fold(element) == folded)
        if t is float or t is int:
            return bool(number == element)  # NaN equals nothing
        return loose_equals(item, element)

    return equals


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
    out = _Builder()
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
    return out.text()


class _Builder:
    """A string built in pieces under the memory budget (empty pieces cost nothing)."""

    __slots__ = ("counter", "parts")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.counter = MemoryCounter()

    def append(self, piece: str) -> None:
        if piece:
            self.counter.add(piece)
            self.parts.append(piece)

    def text(self) -> str:
        return "".join(self.parts)


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
        out = _Builder()
        for i, item in enumerate(items):
            if i:
                out.append(separator)
            out.append(to_string(item))
        return out.text()
    if is_primitive(items):
        return to_string(items)
    return ""


def json_string(text: str) -> str:
    return f'"{json_escape(text)}"'


def _json_scalar(value: Any, k: int) -> str:
    if k == STRING:
        return json_string(value)
    if k == NUMBER:
        return format_number(as_float(value))
    if k == BOOLEAN:
        return "true" if value else "false"
    if value is None:
        return "null"
    if k == ARRAY:
        return "[]"  # only empty ones get here
    return "{}"  # an empty mapping, or an object the runner cannot traverse


_END: Final = object()


def to_json(value: Any) -> str:
    """Pretty JSON exactly like the runner's toJSON (2-space indent, ``"key": value``).

    Iterative like the runner's, so context data of any depth cannot exhaust the stack.
    """
    out = _Builder()
    # one frame per open collection: [items, is_mapping, index of the current item]
    stack: list[list[Any]] = []

    def prefix(is_key: bool) -> str:
        if not stack:
            return ""
        _, is_mapping, index = stack[-1]
        if is_mapping and not is_key:
            return ": "
        return ("," if index else "") + "\n" + "  " * len(stack)

    node = value
    while True:
        k = kind(node)
        if (k == ARRAY or (k == OBJECT and isinstance(node, Mapping))) and len(node):
            is_mapping = k == OBJECT
            out.append(prefix(False) + ("{" if is_mapping else "["))
            items: Iterator[Any] = iter(node.items() if is_mapping else node)
            stack.append([items, is_mapping, -1])
        else:
            out.append(prefix(False) + _json_scalar(node, k))
        while stack:
            frame = stack[-1]
            item: Any = next(frame[0], _END)
            if item is _END:
                stack.pop()
                out.append("\n" + "  " * len(stack) + ("}" if frame[1] else "]"))
                continue
            frame[2] += 1
            if frame[1]:
                key, node = item
                out.append(prefix(True) + json_string(to_string(key)))
            else:
                node = item
            break
        else:
            return out.text()


def _to_json(args: Sequence[Node], ev: Eval, ctx: EvalContext) -> str:
    return to_json(ev(args[0]))


def _reject_constant(name: str) -> float:
    # JSON's NaN/Infinity extensions are accepted by Newtonsoft; map them to floats.
    return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}[name]


_TOO_DEEP: Final = (
    f"error parsing fromJSON: the reader's MaxDepth of {MAX_JSON_DEPTH} has been exceeded "
    f"(JSON may nest at most {MAX_JSON_DEPTH} arrays and objects, as on GitHub)"
)


def _from_json(args: Sequence[Node], ev: Eval, ctx: EvalContext) -> Any:
    text = to_string(ev(args[0]))
    try:
        # GitHub stores every JSON number as a double.
        value: Any = json.loads(text, parse_int=float, parse_constant=_reject_constant)
    except RecursionError:
        raise ExprError(_TOO_DEEP) from None
    except ValueError as exc:
        raise ExprError(f"error parsing fromJSON: {exc}") from exc
    # fewer brackets than the limit cannot nest past it: no walk over a big flat array
    if text.count("[") + text.count("{") > MAX_JSON_DEPTH and _too_deep(value):
        raise ExprError(_TOO_DEEP)
    return value


def _too_deep(value: Any) -> bool:
    """Whether more than MAX_JSON_DEPTH arrays and objects nest in a parsed JSON value."""
    stack = [(value, 1)] if type(value) is list or type(value) is dict else []
    while stack:
        item, level = stack.pop()
        if level > MAX_JSON_DEPTH:
            return True
        for child in item.values() if type(item) is dict else item:
            if type(child) is list or type(child) is dict:
                stack.append((child, level + 1))
    return False


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
