"""``${{ }}`` handling inside YAML strings: interpolation, raw values and ``if:`` rules.

Splitting follows GitHub's template reader: the expression ends at the first ``}}``
outside a single-quoted string literal.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, Final

from conveyor.expr.ast import Call, Logical, Node
from conveyor.expr.coerce import to_string, truthy
from conveyor.expr.context import EvalContext
from conveyor.expr.errors import ExprError
from conveyor.expr.evaluator import evaluate, evaluate_node
from conveyor.expr.functions import MemoryCounter
from conveyor.expr.parser import parse, uses_status_function

OPEN: Final = "${{"

# (is_expression, text) pairs; expression text is already trimmed.
Segments = tuple[tuple[bool, str], ...]


def contains_expression(text: str) -> bool:
    """True if ``text`` contains a ``${{`` expression opener."""
    return OPEN in text


@functools.lru_cache(maxsize=16384)
def split_template(text: str) -> Segments:
    """Split a YAML string into literal and expression segments."""
    segments: list[tuple[bool, str]] = []
    i = 0
    n = len(text)
    while i < n:
        start = text.find(OPEN, i)
        if start < 0:
            segments.append((False, text[i:]))
            break
        if start > i:
            segments.append((False, text[i:start]))
        end = -1
        in_string = False
        j = start + len(OPEN)
        while j < n:
            ch = text[j]
            if ch == "'":
                in_string = not in_string  # '' escapes toggle twice, which is harmless
            elif not in_string and ch == "}" and text[j - 1] == "}":
                end = j
                break
            j += 1
        if end < 0:
            raise ExprError(
                "the expression is not closed: an unescaped ${{ sequence was found, "
                "but the closing }} sequence was not found",
                text,
            )
        inner = text[start + len(OPEN) : end - 1].strip()
        if not inner:
            raise ExprError("an expression was expected", text)
        segments.append((True, inner))
        i = end + 1
    return tuple(segments)


def _single_expression(segments: Segments) -> str | None:
    """The expression text when the value is exactly one ``${{ }}`` (whitespace aside)."""
    exprs = [text for is_expr, text in segments if is_expr]
    if len(exprs) != 1:
        return None
    if any(not is_expr and text.strip() for is_expr, text in segments):
        return None
    return exprs[0]


def interpolate(text: str, ctx: EvalContext) -> str:
    """Replace every ``${{ expr }}`` in ``text`` with the value converted by to_string."""
    if OPEN not in text:
        return text
    # GitHub turns such a string into a format() call, which its memory budget covers
    counter = MemoryCounter()
    parts: list[str] = []
    for is_expr, part in split_template(text):
        piece = to_string(evaluate(part, ctx)) if is_expr else part
        if piece:
            try:
                counter.add(piece)
            except ExprError as exc:
                raise exc.with_expression(text) from None
            parts.append(piece)
    return "".join(parts)


def evaluate_value(value: Any, ctx: EvalContext) -> Any:
    """Evaluate a YAML value: a lone ``${{ }}`` keeps its type; other strings interpolate."""
    if isinstance(value, str):
        if OPEN not in value:
            return value
        single = _single_expression(split_template(value))
        if single is not None:
            return evaluate(single, ctx)
        return interpolate(value, ctx)
    if isinstance(value, Mapping):
        return {
            interpolate(k, ctx) if isinstance(k, str) else k: evaluate_value(v, ctx)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [evaluate_value(item, ctx) for item in value]
    return value


def _escape_literal(text: str) -> str:
    return text.replace("'", "''").replace("{", "{{").replace("}", "}}")


@functools.lru_cache(maxsize=16384)
def condition_expression(source: str) -> str:
    """The expression an ``if:`` value stands for ('' means the default)."""
    text = source.strip()
    if OPEN not in text:
        return text
    segments = split_template(text)
    single = _single_expression(segments)
    if single is not None:
        return single
    # Mixed text and expressions become a format() call, as GitHub's template reader
    # does; e.g. "${{ a }} == 'b'" is a non-empty string and therefore always true.
    fmt: list[str] = []
    args: list[str] = []
    for is_expr, part in segments:
        if is_expr:
            fmt.append("{" + str(len(args)) + "}")
            args.append(part)
        else:
            fmt.append(_escape_literal(part))
    return "format('" + "".join(fmt) + "'" + "".join(", " + a for a in args) + ")"


_SUCCESS: Final = Call("success", "success", (), 1)


@functools.lru_cache(maxsize=16384)
def _condition_tree(expression: str) -> Node:
    node = parse(expression)
    if uses_status_function(expression):
        return node
    # Without a status function GitHub evaluates success() && (expression).
    return Logical("&&", (_SUCCESS, node), 1)


def evaluate_condition(source: Any, ctx: EvalContext) -> bool:
    """Evaluate an ``if:`` value with GitHub's rules; returns whether to run."""
    if source is None:
        text = ""
    elif isinstance(source, str):
        text = source
    else:
        text = to_string(source)  # YAML booleans/numbers
    expression = condition_expression(text) or "success()"
    if not ctx.allow_status:
        return truthy(evaluate(expression, ctx))
    return truthy(evaluate_node(_condition_tree(expression), ctx, expression))
