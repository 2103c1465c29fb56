"""Syntax tree nodes. Columns are 1-based positions in the expression text."""

from __future__ import annotations

from typing import Any

from conveyor.records import record


@record(frozen=True, slots=True)
class Literal:
    value: Any  # None, bool, float or str
    column: int


@record(frozen=True, slots=True)
class NamedValue:
    """A context reference such as ``github`` (matched case-insensitively)."""

    name: str
    column: int


@record(frozen=True, slots=True)
class Wildcard:
    """The ``*`` in ``a.*`` or ``a[*]``."""

    column: int


@record(frozen=True, slots=True)
class Index:
    """``target[index]`` and ``target.name`` (the name becomes a string Literal)."""

    target: Node
    index: Node
    column: int


@record(frozen=True, slots=True)
class Not:
    operand: Node
    column: int


@record(frozen=True, slots=True)
class Binary:
    """Comparison: one of == != < <= > >=."""

    op: str
    left: Node
    right: Node
    column: int


@record(frozen=True, slots=True)
class Logical:
    """``&&`` / ``||`` over two or more operands (nested chains are flattened)."""

    op: str
    args: tuple[Node, ...]
    column: int


@record(frozen=True, slots=True)
class Call:
    name: str  # lower-cased, for dispatch
    raw_name: str  # as written, for messages
    args: tuple[Node, ...]
    column: int


Node = Literal | NamedValue | Wildcard | Index | Not | Binary | Logical | Call


def children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Index):
        return (node.target, node.index)
    if isinstance(node, Not):
        return (node.operand,)
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, (Logical, Call)):
        return node.args
    return ()


def depth(node: Node) -> int:
    # Iterative: the parser builds chains such as a[0][0]... or 1 == 1 == ... in loops,
    # so a tree may be far deeper than Python's recursion limit before this rejects it.
    deepest = 0
    stack = [(node, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((kid, level + 1) for kid in children(item))
    return deepest
