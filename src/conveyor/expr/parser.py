"""Recursive-descent parser producing the tree in ``ast.py``.

Precedence (high to low), as in actions/runner's Token.Precedence:
index/property/call, ``!``, ``< <= > >=``, ``== !=``, ``&&``, ``||``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Final

from conveyor.expr import lexer as lx
from conveyor.expr.ast import (
    Binary,
    Call,
    Index,
    Literal,
    Logical,
    NamedValue,
    Node,
    Not,
    Wildcard,
    depth,
)
from conveyor.expr.errors import ExprError

MAX_LENGTH: Final = 21000  # runner ExpressionConstants.MaxLength
MAX_DEPTH: Final = 50  # runner ExpressionConstants.MaxDepth
_MAX_NESTING: Final = 100  # guards Python recursion before the depth check runs

# name -> (canonical name, min args, max args); names are case-insensitive.
FUNCTIONS: Final[dict[str, tuple[str, int, int]]] = {
    "contains": ("contains", 2, 2),
    "startswith": ("startsWith", 2, 2),
    "endswith": ("endsWith", 2, 2),
    "format": ("format", 1, 255),
    "join": ("join", 1, 2),
    "tojson": ("toJSON", 1, 1),
    "fromjson": ("fromJSON", 1, 1),
    "hashfiles": ("hashFiles", 1, 255),
    "case": ("case", 3, 255),
    "success": ("success", 0, 0),
    "failure": ("failure", 0, 0),
    "cancelled": ("cancelled", 0, 0),
    "always": ("always", 0, 0),
}
STATUS_FUNCTIONS: Final = frozenset({"success", "failure", "cancelled", "always"})
_COMPARISON: Final = frozenset({"<", "<=", ">", ">="})
_EQUALITY: Final = frozenset({"==", "!="})


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = lx.tokenize(source)
        self.pos = 0
        self.nesting = 0
        self.functions: set[str] = set()

    # -- helpers -------------------------------------------------------------
    def peek(self) -> lx.Token:
        return self.tokens[self.pos]

    def advance(self) -> lx.Token:
        tok = self.tokens[self.pos]
        if tok.kind != lx.EOF:
            self.pos += 1
        return tok

    def error(self, tok: lx.Token) -> ExprError:
        if tok.kind == lx.EOF:
            prev = self.tokens[self.pos - 1] if self.pos else tok
            return ExprError("unexpected end of expression", self.source, prev.column)
        return ExprError(f"unexpected token '{tok.text}'", self.source, tok.column)

    def expect(self, kind: str) -> lx.Token:
        tok = self.peek()
        if tok.kind != kind:
            raise self.error(tok)
        return self.advance()

    def is_op(self, ops: frozenset[str]) -> bool:
        tok = self.peek()
        return tok.kind == lx.OP and tok.text in ops

    # -- grammar -------------------------------------------------------------
    def parse(self) -> Node:
        if self.peek().kind == lx.EOF:
            raise ExprError("an expression was expected", self.source)
        node = self.expression()
        tok = self.peek()
        if tok.kind != lx.EOF:
            raise self.error(tok)
        # Every node owns at least one token, so short expressions cannot be too deep.
        if len(self.tokens) > MAX_DEPTH and depth(node) > MAX_DEPTH:
            raise ExprError(f"exceeded max expression depth {MAX_DEPTH}", self.source)
        return node

    def expression(self) -> Node:
        self.nesting += 1
        if self.nesting > _MAX_NESTING:
            raise ExprError(f"exceeded max expression depth {MAX_DEPTH}", self.source)
        try:
            return self.logical("||", self.logical_and)
        finally:
            self.nesting -= 1

    def logical_and(self) -> Node:
        return self.logical("&&", self.equality)

    def logical(self, op: str, operand: Callable[[], Node]) -> Node:
        first = operand()
        if not (self.peek().kind == lx.OP and self.peek().text == op):
            return first
        column = self.peek().column
        args: list[Node] = [first]
        while self.peek().kind == lx.OP and self.peek().text == op:
            self.advance()
            args.append(operand())
        return Logical(op, tuple(args), column)

    def too_deep(self, chain: int) -> None:
        # a chain (a[0][0]..., 1 == 1 == ...) nests one node per link: stop at the first
        # link past the limit instead of building thousands for parse() to refuse
        if chain > MAX_DEPTH:
            raise ExprError(f"exceeded max expression depth {MAX_DEPTH}", self.source)

    def equality(self) -> Node:
        node = self.comparison()
        chain = 0
        while self.is_op(_EQUALITY):
            tok = self.advance()
            node = Binary(tok.text, node, self.comparison(), tok.column)
            chain += 1
            self.too_deep(chain)
        return node

    def comparison(self) -> Node:
        node = self.unary()
        chain = 0
        while self.is_op(_COMPARISON):
            tok = self.advance()
            node = Binary(tok.text, node, self.unary(), tok.column)
            chain += 1
            self.too_deep(chain)
        return node

    def unary(self) -> Node:
        tok = self.peek()
        if tok.kind == lx.NOT:
            self.advance()
            self.nesting += 1
            if self.nesting > _MAX_NESTING:
                raise ExprError(f"exceeded max expression depth {MAX_DEPTH}", self.source)
            try:
                return Not(self.unary(), tok.column)
            finally:
                self.nesting -= 1
        return self.postfix()

    def postfix(self) -> Node:
        tok = self.peek()
        kind = tok.kind
        if kind in (lx.NULL, lx.BOOLEAN, lx.NUMBER, lx.STRING):
            self.advance()
            # Literals cannot be indexed or dereferenced (runner token rules).
            return Literal(tok.value, tok.column)
        if kind == lx.IDENT:
            self.advance()
            node: Node = (
                self.call(tok)
                if self.peek().kind == lx.LPAREN
                else NamedValue(tok.text, tok.column)
            )
        elif kind == lx.LPAREN:
            self.advance()
            node = self.expression()
            self.expect(lx.RPAREN)
        else:
            raise self.error(tok)
        chain = 0
        while True:
            chain += 1
            self.too_deep(chain)
            tok = self.peek()
            if tok.kind == lx.LBRACKET:
                self.advance()
                if self.peek().kind == lx.STAR:
                    index: Node = Wildcard(self.advance().column)
                else:
                    index = self.expression()
                self.expect(lx.RBRACKET)
                node = Index(node, index, tok.column)
            elif tok.kind == lx.DOT:
                self.advance()
                prop = self.peek()
                if prop.kind == lx.PROPERTY:
                    self.advance()
                    node = Index(node, Literal(prop.text, prop.column), tok.column)
                elif prop.kind == lx.STAR:
                    self.advance()
                    node = Index(node, Wildcard(prop.column), tok.column)
                else:
                    raise self.error(prop)
            else:
                return node

    def call(self, name_tok: lx.Token) -> Node:
        self.advance()  # "("
        args: list[Node] = []
        if self.peek().kind == lx.RPAREN:
            self.advance()
        else:
            while True:
                args.append(self.expression())
                tok = self.advance()
                if tok.kind == lx.RPAREN:
                    break
                if tok.kind != lx.COMMA:
                    raise self.error(tok)
        lower = name_tok.text.lower()
        spec = FUNCTIONS.get(lower)
        col = name_tok.column
        if spec is None:
            raise ExprError(f"unrecognized function '{name_tok.text}'", self.source, col)
        canonical, lo, hi = spec
        if len(args) < lo:
            raise ExprError(f"too few parameters supplied to '{canonical}'", self.source, col)
        if len(args) > hi:
            raise ExprError(f"too many parameters supplied to '{canonical}'", self.source, col)
        if lower == "case" and len(args) % 2 == 0:
            raise ExprError(
                "'case' requires an odd number of parameters (pairs plus a default)",
                self.source,
                col,
            )
        self.functions.add(lower)
        return Call(lower, name_tok.text, tuple(args), col)


@functools.lru_cache(maxsize=16384)
def _parse_cached(source: str) -> tuple[Node, frozenset[str]]:
    if len(source) > MAX_LENGTH:
        raise ExprError(f"exceeded max expression length {MAX_LENGTH}", source[:80] + "...")
    parser = _Parser(source)
    try:
        node = parser.parse()
    except RecursionError:
        # _MAX_NESTING keeps the parser well inside the limit; this covers a caller that
        # is itself already deep in the stack
        raise ExprError(f"exceeded max expression depth {MAX_DEPTH}", source) from None
    return node, frozenset(parser.functions)


def parse(source: str) -> Node:
    """Parse an expression (text without the ``${{ }}`` wrapper). Cached."""
    return _parse_cached(source)[0]


def function_names(source: str) -> frozenset[str]:
    """Lower-cased names of every function called in ``source``."""
    return _parse_cached(source)[1]


def uses_status_function(source: str) -> bool:
    """True if the expression calls success(), failure(), cancelled() or always()."""
    return not function_names(source).isdisjoint(STATUS_FUNCTIONS)
