"""Tokenizer behaviour, checked against actions/runner's LexicalAnalyzer rules."""

from __future__ import annotations

import math

import pytest

from conveyor.expr import lexer as lx


def kinds(source: str) -> list[str]:
    return [t.kind for t in lx.tokenize(source)]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("a.b", [lx.IDENT, lx.DOT, lx.PROPERTY, lx.EOF]),
        ("a[0]", [lx.IDENT, lx.LBRACKET, lx.NUMBER, lx.RBRACKET, lx.EOF]),
        ("f(1, 'x')", [lx.IDENT, lx.LPAREN, lx.NUMBER, lx.COMMA, lx.STRING, lx.RPAREN, lx.EOF]),
        ("a.*", [lx.IDENT, lx.DOT, lx.STAR, lx.EOF]),
        ("!a", [lx.NOT, lx.IDENT, lx.EOF]),
        ("a != b", [lx.IDENT, lx.OP, lx.IDENT, lx.EOF]),
        ("null", [lx.NULL, lx.EOF]),
        ("true false", [lx.BOOLEAN, lx.BOOLEAN, lx.EOF]),
        ("NaN Infinity", [lx.NUMBER, lx.NUMBER, lx.EOF]),
        # literal keywords are case-sensitive; other spellings are named values
        ("True NULL nan", [lx.IDENT, lx.IDENT, lx.IDENT, lx.EOF]),
        # after a dot every keyword is a property name
        ("a.true", [lx.IDENT, lx.DOT, lx.PROPERTY, lx.EOF]),
        ("a.null", [lx.IDENT, lx.DOT, lx.PROPERTY, lx.EOF]),
        # '.' starts a number where an operand is expected
        (".5", [lx.NUMBER, lx.EOF]),
        ("(.5)", [lx.LPAREN, lx.NUMBER, lx.RPAREN, lx.EOF]),
        ("a == .5", [lx.IDENT, lx.OP, lx.NUMBER, lx.EOF]),
        ("steps.my-step.outputs", [lx.IDENT, lx.DOT, lx.PROPERTY, lx.DOT, lx.PROPERTY, lx.EOF]),
        ("", [lx.EOF]),
        ("  \t\n ", [lx.EOF]),
    ],
)
def test_token_kinds(source: str, expected: list[str]) -> None:
    assert kinds(source) == expected


@pytest.mark.parametrize("op", ["==", "!=", "<", "<=", ">", ">=", "&&", "||"])
def test_operators(op: str) -> None:
    tokens = lx.tokenize(f"a {op} b")
    assert (tokens[1].kind, tokens[1].text) == (lx.OP, op)


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("711", 711.0),
        ("-9.2", -9.2),
        ("+3", 3.0),
        ("0xff", 255.0),
        ("0xFF", 255.0),
        ("0x7fffffff", 2147483647.0),
        ("0xffffffff", -1.0),  # Int32 hex parsing wraps
        ("0o17", 15.0),
        ("-2.99e-2", -0.0299),
        ("1e3", 1000.0),
        ("1E+3", 1000.0),
        ("1.", 1.0),
        (".5", 0.5),
        ("1e400", math.inf),
    ],
)
def test_number_literals(source: str, value: float) -> None:
    token = lx.tokenize(source)[0]
    assert token.kind == lx.NUMBER
    assert token.value == value


def test_nan_literal() -> None:
    token = lx.tokenize("NaN")[0]
    assert token.kind == lx.NUMBER
    assert isinstance(token.value, float)
    assert math.isnan(token.value)


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("'abc'", "abc"),
        ("''", ""),
        ("'It''s open source!'", "It's open source!"),
        ("''''", "'"),
        ("'a''''b'", "a''b"),
        ("'}}'", "}}"),
        ("'x == y'", "x == y"),
        ("'ünï'", "ünï"),
    ],
)
def test_string_literals(source: str, value: str) -> None:
    token = lx.tokenize(source)[0]
    assert (token.kind, token.value) == (lx.STRING, value)


@pytest.mark.parametrize(
    ("source", "bad_text", "column"),
    [
        ("'abc", "'abc", 1),
        ("a = b", "=", 3),
        ("a & b", "&", 3),
        ("a | b", "|", 3),
        ('"abc"', '"abc"', 1),
        ("1.2.3", "1.2.3", 1),
        ("0x", "0x", 1),
        ("0xfffffffff", "0xfffffffff", 1),  # exceeds 32 bits
        ("1_000", "1_000", 1),
        ("-foo", "-foo", 1),
        ("a $b", "$b", 3),
        ("9abc", "9abc", 1),
    ],
)
def test_bad_tokens(source: str, bad_text: str, column: int) -> None:
    bad = [t for t in lx.tokenize(source) if t.kind == lx.BAD]
    assert bad
    assert (bad[0].text, bad[0].column) == (bad_text, column)


def test_columns_are_one_based() -> None:
    tokens = lx.tokenize("ab ==  'c'")
    assert [t.column for t in tokens] == [1, 4, 8, 11]


@pytest.mark.parametrize(
    ("text", "legal"),
    [("a", True), ("_x", True), ("a-b_9", True), ("9a", False), ("-a", False), ("a.b", False)],
)
def test_is_legal_keyword(text: str, legal: bool) -> None:
    assert lx.is_legal_keyword(text) is legal
