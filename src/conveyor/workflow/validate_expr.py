"""Syntax checks for ``${{ }}`` expressions and ``if:`` conditions, and which contexts
and special functions each one may read where it stands (``validate_contexts``).

The expression parser lives in ``conveyor.expr``; when it is not available the
brace-balance checks still run and parsing (with the context checks) is skipped.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from typing import Any

from conveyor.workflow.errors import Pos
from conveyor.workflow.validate_contexts import SPECIAL_FUNCTIONS, Availability, availability
from conveyor.workflow.validate_util import K_EXPR, Ctx, bad_type, is_scalar
from conveyor.workflow.yamlload import Path

Parser = tuple[Callable[[str], object], type[BaseException]]


@functools.cache
def expr_parser() -> Parser | None:
    """``conveyor.expr.parse`` and its error type, or None if not importable."""
    try:
        module = importlib.import_module("conveyor.expr")
    except ImportError:
        return None
    parse = getattr(module, "parse", None)
    error = getattr(module, "ExprError", None)
    if parse is None or not isinstance(error, type) or not issubclass(error, BaseException):
        return None
    return parse, error


def find_expressions(text: str) -> tuple[list[tuple[int, str]], int | None]:
    """Each ``${{ ... }}`` as (offset, inner text), and the offset of an unclosed one.

    ``}}`` inside a quoted string literal does not close the expression.
    """
    found: list[tuple[int, str]] = []
    start = text.find("${{")
    while start >= 0:
        i, quoted, end = start + 3, False, -1
        while i < len(text):
            ch = text[i]
            if ch == "'":
                quoted = not quoted  # '' inside a literal toggles twice, which is right
            elif not quoted and ch == "}" and text.startswith("}}", i):
                end = i
                break
            i += 1
        if end < 0:
            return found, start
        found.append((start, text[start + 3 : end]))
        start = text.find("${{", end + 2)
    return found, None


# A name an expression reads: (1-based column, is a function, name as written).
Reference = tuple[int, bool, str]


_REFERENCES: dict[str, tuple[Reference, ...]] = {}
_REFERENCES_MAX = 16384


def _references(source: str, tree: object) -> tuple[Reference, ...]:
    """Every named value and special-function call of ``tree`` (the parse of the trimmed
    ``source``), in the order GitHub's parser meets them. Cached per expression text,
    so a workflow repeating one expression walks its tree once."""
    hit = _REFERENCES.get(source)
    if hit is None:
        if len(_REFERENCES) >= _REFERENCES_MAX:
            _REFERENCES.clear()
        hit = _REFERENCES[source] = _walk(tree)
    return hit


def _walk(tree: object) -> tuple[Reference, ...]:
    from conveyor.expr.ast import Call, NamedValue, children

    found: list[Reference] = []
    stack: list[Any] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, NamedValue):
            found.append((node.column, False, node.name))
        elif isinstance(node, Call) and node.name in SPECIAL_FUNCTIONS:
            found.append((node.column, True, node.raw_name))
        stack.extend(children(node))
    found.sort()
    return tuple(found)


def _is_text(tree: object) -> bool:
    """True for an expression that is nothing but a quoted string such as ``'text'``."""
    from conveyor.expr.ast import Literal

    return isinstance(tree, Literal) and isinstance(tree.value, str)


def _check_availability(
    ctx: Ctx, pos: Pos, source: str, tree: object, allowed: Availability
) -> bool:
    """Report the first name GitHub would not recognize here, as GitHub words it.
    Returns False when an error was reported."""
    for column, is_function, name in _references(source, tree):
        lower = name.lower()
        if is_function:
            if lower in allowed.functions:
                continue
            what = "function"
        elif lower in allowed.contexts:
            continue
        else:
            what = "named-value"
        if allowed.takes_expressions:
            hint = f"available in {allowed.key}: {', '.join(_ordered(allowed))}"
        else:
            hint = f"{allowed.key} does not accept expressions"
        ctx.error(
            pos,
            f"Unrecognized {what}: '{name}'. Located at position {column} within "
            f"expression: {source} ({hint})",
            K_EXPR,
        )
        return False
    return True


_CONTEXT_ORDER = (
    "github",
    "inputs",
    "vars",
    "needs",
    "strategy",
    "matrix",
    "jobs",
    "secrets",
    "steps",
    "job",
    "runner",
    "env",
)
_FUNCTION_NAMES = {
    "always": "always()",
    "cancelled": "cancelled()",
    "failure": "failure()",
    "success": "success()",
    "hashfiles": "hashFiles()",
}


def _ordered(allowed: Availability) -> list[str]:
    names = [c for c in _CONTEXT_ORDER if c in allowed.contexts]
    return names + [_FUNCTION_NAMES[f] for f in _FUNCTION_NAMES if f in allowed.functions]


def _parse(
    ctx: Ctx,
    pos: Pos,
    source: str,
    shown: str,
    parser: Parser | None,
    allowed: Availability | None = None,
) -> object | None:
    """Check one expression; returns its tree when it is valid, else None."""
    if not source.strip():
        ctx.error(pos, f'empty expression "{shown}"', K_EXPR)
        return None
    if parser is None:
        return None
    parse, error = parser
    try:
        tree = parse(source.strip())
    except error as exc:
        ctx.error(pos, f'invalid expression "{shown}": {exc}', K_EXPR)
        return None
    if allowed is not None and not _check_availability(ctx, pos, source.strip(), tree, allowed):
        return None
    return tree


class _Locator:
    """Finds where each ``${{`` of a value sits in the source, so errors inside a long
    ``run: |`` block point at the right line. Falls back to the value's start when the
    text was transformed by YAML (escapes, folding)."""

    def __init__(self, ctx: Ctx, path: Path, text: str) -> None:
        self.base = ctx.at_value(path)
        self.lines = ctx.doc.lines
        self.last = min(self.base.line + text.count("\n") + 1, len(self.lines))
        self.line, self.col = self.base.line, self.base.col - 1

    def find(self, text: str, offset: int) -> Pos:
        needle = text[offset:].split("\n", 1)[0]
        line, col = self.line, self.col
        while 1 <= line <= self.last:
            index = self.lines[line - 1].find(needle, col)
            if index >= 0:
                self.line, self.col = line, index + 3
                return Pos(self.base.file, line, index + 1)
            line, col = line + 1, 0
        return self.base


def check_string_expressions(
    ctx: Ctx,
    path: Path,
    text: str,
    parser: Parser | None,
    allowed: Availability | None = None,
) -> None:
    """Syntax of every ``${{ }}`` in ``text`` and, given ``allowed``, the contexts and
    functions each one reads."""
    found, unclosed = find_expressions(text)
    locator = _Locator(ctx, path, text)
    first: Pos | None = None
    trees: list[object] = []
    for offset, inner in found:
        pos = locator.find(text, offset)
        first = first or pos
        tree = _parse(ctx, pos, inner, "${{" + inner + "}}", parser, allowed)
        if tree is not None:
            trees.append(tree)
    if (
        first is not None
        and allowed is not None
        and not allowed.takes_expressions
        and unclosed is None
        and len(trees) == len(found)  # GitHub reports this only when each one parsed
        # and keeps a value that is only a quoted string, ${{ 'text' }}, as text.
        and not (len(trees) == 1 and len(found[0][1]) + 5 == len(text) and _is_text(trees[0]))
    ):
        ctx.error(
            first,
            "A template expression is not allowed in this context "
            f"({allowed.key} does not accept expressions)",
            K_EXPR,
        )
    if unclosed is not None:
        snippet = text[unclosed : unclosed + 30].split("\n", 1)[0]
        ctx.error(
            locator.find(text, unclosed),
            f'unclosed expression "{snippet}": "${{{{" has no matching "}}}}"',
            K_EXPR,
        )


def check_all_expressions(ctx: Ctx, value: Any, path: Path = ()) -> None:
    """Check every string value in the document that contains ``${{``."""
    parser = expr_parser()
    stack: list[tuple[Path, Any]] = [(path, value)]
    while stack:
        here, item = stack.pop()
        if isinstance(item, str):
            if "${{" in item:
                check_string_expressions(ctx, here, item, parser, availability(here))
        elif isinstance(item, dict):
            stack.extend(((*here, k), v) for k, v in item.items())
        elif isinstance(item, list):
            stack.extend(((*here, i), v) for i, v in enumerate(item))


def check_if(ctx: Ctx, path: Path, value: Any) -> None:
    """``if:`` takes a bare expression; ``${{ }}`` forms are checked by the document walk."""
    if not is_scalar(value) or value == "":
        bad_type(ctx, path, value, "a condition such as github.ref == 'refs/heads/main'")
        return
    if isinstance(value, str) and "${{" not in value:
        _parse(ctx, ctx.at_value(path), value, value, expr_parser(), availability(path))
