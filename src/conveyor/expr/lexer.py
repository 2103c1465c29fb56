"""Tokenizer for the expression language (mirrors actions/runner's LexicalAnalyzer)."""

from __future__ import annotations

import math
import re
from typing import Final

from conveyor.expr.coerce import parse_number
from conveyor.records import record

# Token kinds.
LPAREN: Final = "("
RPAREN: Final = ")"
LBRACKET: Final = "["
RBRACKET: Final = "]"
COMMA: Final = ","
DOT: Final = "."
STAR: Final = "*"
NOT: Final = "!"
OP: Final = "op"  # == != < <= > >= && ||
NUMBER: Final = "number"
STRING: Final = "string"
NULL: Final = "null"
BOOLEAN: Final = "boolean"
IDENT: Final = "ident"  # named value or function name
PROPERTY: Final = "property"  # keyword right after "."
BAD: Final = "bad"  # illegal text; the parser reports it when reached, keeping error order
EOF: Final = "eof"

_SINGLE: Final = {"(": LPAREN, ")": RPAREN, "[": LBRACKET, "]": RBRACKET, ",": COMMA, "*": STAR}
_BOUNDARY: Final = frozenset("()[],.!><=&|")
_TWO_CHAR_OPS: Final = frozenset({"!=", ">=", "<=", "==", "&&", "||"})
# After these a "." starts a number such as ".5" instead of a property dereference.
_NUMBER_AFTER: Final = frozenset({None, COMMA, LPAREN, LBRACKET, OP, NOT})
# Runs of non-boundary characters; numbers may also contain ".".
_KEYWORD_RUN: Final = re.compile(r"[^()\[\],.!><=&|\s]*")
_NUMBER_RUN: Final = re.compile(r"[^()\[\],!><=&|\s]*")
_SPACE_RUN: Final = re.compile(r"\s*")
_KEYWORD_START: Final = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_KEYWORD_REST: Final = _KEYWORD_START | frozenset("0123456789-")


@record(frozen=True, slots=True)
class Token:
    kind: str
    text: str  # raw text as written
    column: int  # 1-based
    value: object = None  # parsed literal value (number, string, bool)


def _is_boundary(ch: str) -> bool:
    return ch in _BOUNDARY or ch.isspace()


def is_legal_keyword(text: str) -> bool:
    return bool(text) and text[0] in _KEYWORD_START and all(c in _KEYWORD_REST for c in text[1:])


def tokenize(source: str) -> list[Token]:
    """Split ``source`` into tokens; always ends with an EOF token."""
    tokens: list[Token] = []
    n = len(source)
    i = 0
    last: str | None = None
    while True:
        i = _SPACE_RUN.match(source, i).end()  # type: ignore[union-attr]
        if i >= n:
            tokens.append(Token(EOF, "", n + 1))
            return tokens
        start = i
        ch = source[i]
        if ch in _SINGLE:
            tok = Token(_SINGLE[ch], ch, start + 1)
            i += 1
        elif ch == "'":
            tok, i = _read_string(source, i)
        elif ch in "!<>=&|":
            tok, i = _read_operator(source, i)
        elif ch == "." and last not in _NUMBER_AFTER:
            tok = Token(DOT, ".", start + 1)
            i += 1
        elif ch in "-+." or "0" <= ch <= "9":
            tok, i = _read_number(source, i)
        else:
            tok, i = _read_keyword(source, i, after_dot=last == DOT)
        tokens.append(tok)
        last = tok.kind


def _read_string(source: str, i: int) -> tuple[Token, int]:
    start = i
    n = len(source)
    i += 1
    parts: list[str] = []
    while i < n:
        j = source.find("'", i)
        if j < 0:
            break
        parts.append(source[i:j])
        if j + 1 < n and source[j + 1] == "'":  # '' escapes a quote
            parts.append("'")
            i = j + 2
            continue
        return Token(STRING, source[start : j + 1], start + 1, "".join(parts)), j + 1
    return Token(BAD, source[start:], start + 1), n


def _read_operator(source: str, i: int) -> tuple[Token, int]:
    two = source[i : i + 2]
    if two in _TWO_CHAR_OPS:
        return Token(OP, two, i + 1), i + 2
    ch = source[i]
    if ch == "!":
        return Token(NOT, ch, i + 1), i + 1
    if ch in "<>":
        return Token(OP, ch, i + 1), i + 1
    # A lone "=", "&" or "|": consume to the next boundary and report it.
    j = i + 1
    while j < len(source) and not _is_boundary(source[j]):
        j += 1
    return Token(BAD, source[i:j], i + 1), j


def _read_number(source: str, i: int) -> tuple[Token, int]:
    start = i
    i = _NUMBER_RUN.match(source, i + 1).end()  # type: ignore[union-attr]
    text = source[start:i]
    value = parse_number(text)
    if math.isnan(value):
        return Token(BAD, text, start + 1), i
    return Token(NUMBER, text, start + 1, value), i


def _read_keyword(source: str, i: int, *, after_dot: bool) -> tuple[Token, int]:
    start = i
    i = _KEYWORD_RUN.match(source, i + 1).end()  # type: ignore[union-attr]
    text = source[start:i]
    col = start + 1
    if not is_legal_keyword(text):
        return Token(BAD, text, col), i
    if after_dot:
        return Token(PROPERTY, text, col), i
    # Literal keywords are case-sensitive, as in the runner.
    if text == "null":
        return Token(NULL, text, col), i
    if text in ("true", "false"):
        return Token(BOOLEAN, text, col, text == "true"), i
    if text == "NaN":
        return Token(NUMBER, text, col, math.nan), i
    if text == "Infinity":
        return Token(NUMBER, text, col, math.inf), i
    return Token(IDENT, text, col), i
