"""Syntax checks for ``${{ }}`` expressions and ``if:`` conditions.

The expression parser lives in ``conveyor.expr``; when it is not available the
brace-balance checks still run and parsing is skipped.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from typing import Any

from conveyor.workflow.errors import Pos
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


def _parse(ctx: Ctx, pos: Pos, source: str, shown: str, parser: Parser | None) -> None:
    if not source.strip():
        ctx.error(pos, f'empty expression "{shown}"', K_EXPR)
        return
    if parser is None:
        return
    parse, error = parser
    try:
        parse(source.strip())
    except error as exc:
        ctx.error(pos, f'invalid expression "{shown}": {exc}', K_EXPR)


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


def check_string_expressions(ctx: Ctx, path: Path, text: str, parser: Parser | None) -> None:
    found, unclosed = find_expressions(text)
    locator = _Locator(ctx, path, text)
    for offset, inner in found:
        _parse(ctx, locator.find(text, offset), inner, "${{" + inner + "}}", parser)
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
                check_string_expressions(ctx, here, item, parser)
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
        _parse(ctx, ctx.at_value(path), value, value, expr_parser())
