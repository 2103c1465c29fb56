"""Tree-walking evaluator."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from conveyor.expr.ast import Binary, Call, Index, Literal, Logical, NamedValue, Node, Not, Wildcard
from conveyor.expr.coerce import (
    _MISSING,
    ARRAY,
    FilteredList,
    get_key,
    greater_than,
    is_primitive,
    kind,
    less_than,
    loose_equals,
    to_number,
    to_string,
    truthy,
)
from conveyor.expr.context import STANDARD_CONTEXTS, EvalContext
from conveyor.expr.errors import ExprError
from conveyor.expr.functions import IMPLEMENTATIONS
from conveyor.expr.parser import STATUS_FUNCTIONS, function_names, parse


def evaluate(source: str, ctx: EvalContext) -> Any:
    """Evaluate expression text (without ``${{ }}``) and return the Python value."""
    node = parse(source)
    if not ctx.allow_status:
        used = function_names(source) & STATUS_FUNCTIONS
        if used:
            raise ExprError(f"status function '{min(used)}()' is not allowed here", source)
    return evaluate_node(node, ctx, source)


def evaluate_node(node: Node, ctx: EvalContext, source: str = "") -> Any:
    try:
        return _Evaluator(ctx).eval(node)
    except ExprError as exc:
        raise exc if exc.expression else exc.with_expression(source) from exc.__cause__


class _Evaluator:
    __slots__ = ("ctx",)

    def __init__(self, ctx: EvalContext) -> None:
        self.ctx = ctx

    def eval(self, node: Node) -> Any:
        # Ordered by how often each node type appears in real workflows.
        if isinstance(node, Index):
            return self.index(node)
        if isinstance(node, NamedValue):
            return self.named_value(node)
        if isinstance(node, Literal):
            return node.value
        if isinstance(node, Binary):
            return self.binary(node)
        if isinstance(node, Logical):
            return self.logical(node)
        if isinstance(node, Call):
            return self.call(node)
        if isinstance(node, Not):
            return not truthy(self.eval(node.operand))
        raise ExprError("a wildcard is only valid as an index", "", node.column)

    def named_value(self, node: NamedValue) -> Any:
        value = get_key(self.ctx.contexts, node.name)
        if value is not _MISSING:
            return value
        if node.name.lower() in STANDARD_CONTEXTS:
            return None
        raise ExprError(f"unrecognized named-value '{node.name}'", "", node.column)

    def binary(self, node: Binary) -> bool:
        left = self.eval(node.left)
        right = self.eval(node.right)
        op = node.op
        if op == "==":
            return loose_equals(left, right)
        if op == "!=":
            return not loose_equals(left, right)
        if op == "<":
            return less_than(left, right)
        if op == ">":
            return greater_than(left, right)
        if op == "<=":
            return loose_equals(left, right) or less_than(left, right)
        return loose_equals(left, right) or greater_than(left, right)

    def logical(self, node: Logical) -> Any:
        # && and || return the deciding operand itself, not a boolean.
        want = node.op == "||"
        result: Any = None
        for arg in node.args:
            result = self.eval(arg)
            if truthy(result) == want:
                return result
        return result

    def call(self, node: Call) -> Any:
        try:
            return IMPLEMENTATIONS[node.name](node.args, self.eval, self.ctx)
        except ExprError as exc:
            if exc.column is not None:
                raise
            raise ExprError(f"{node.raw_name}: {exc.reason}", "", node.column) from exc

    def index(self, node: Index) -> Any:
        target = self.eval(node.target)
        wildcard = isinstance(node.index, Wildcard)
        key = None if wildcard else self.eval(node.index)
        if isinstance(target, FilteredList):
            return _filtered_index(target, wildcard, key)
        if isinstance(target, Mapping):
            if wildcard:
                return FilteredList(target.values())
            return _object_index(target, key)
        if kind(target) == ARRAY:
            if wildcard:
                return FilteredList(target)
            i = _int_index(key)
            return target[i] if i is not None and i < len(target) else None
        return FilteredList() if wildcard else None


def _int_index(key: Any) -> int | None:
    number = to_number(key)
    # the runner's index is an Int32: NaN, negatives, Infinity and beyond give null
    if math.isnan(number) or number < 0 or number > 2147483647:
        return None
    number = math.floor(number)
    return int(number) if number <= 2147483647 else None


def _object_index(obj: Mapping[str, Any], key: Any) -> Any:
    if not is_primitive(key):
        return None
    value = get_key(obj, to_string(key))
    return None if value is _MISSING else value


_SCALARS = frozenset({str, float, int, bool, type(None)})


def _filtered_index(items: FilteredList, wildcard: bool, key: Any) -> FilteredList:
    """Apply an index to every element of a filtered array, flattening one level."""
    out = FilteredList()
    str_key = to_string(key) if not wildcard and is_primitive(key) else None
    int_key = None if wildcard else _int_index(key)
    for item in items:
        if type(item) in _SCALARS:  # most of a big array: skip the slower checks below
            continue
        if isinstance(item, Mapping):
            if wildcard:
                out.extend(item.values())
            elif str_key is not None:
                value = get_key(item, str_key)
                if value is not _MISSING:
                    out.append(value)
        elif kind(item) == ARRAY:
            if wildcard:
                out.extend(item)
            elif int_key is not None and int_key < len(item):
                out.append(item[int_key])
    return out
