"""Parser: precedence, tree shapes, errors and limits."""

from __future__ import annotations

import pytest

from conveyor.expr import ExprError, parse, uses_status_function
from conveyor.expr.ast import Binary, Call, Index, Literal, Logical, NamedValue, Node, Not, Wildcard


def show(node: Node) -> str:
    """Compact, fully parenthesised rendering used to check tree shapes."""
    if isinstance(node, Literal):
        return repr(node.value)
    if isinstance(node, NamedValue):
        return node.name
    if isinstance(node, Wildcard):
        return "*"
    if isinstance(node, Index):
        return f"{show(node.target)}[{show(node.index)}]"
    if isinstance(node, Not):
        return f"!{show(node.operand)}"
    if isinstance(node, Binary):
        return f"({show(node.left)} {node.op} {show(node.right)})"
    if isinstance(node, Logical):
        return "(" + f" {node.op} ".join(show(a) for a in node.args) + ")"
    assert isinstance(node, Call)
    return f"{node.name}(" + ", ".join(show(a) for a in node.args) + ")"


@pytest.mark.parametrize(
    ("source", "shape"),
    [
        ("a || b && c", "(a || (b && c))"),
        ("a && b || c", "((a && b) || c)"),
        ("a && b && c", "(a && b && c)"),
        ("a == b && c != d", "((a == b) && (c != d))"),
        ("a < b == c > d", "((a < b) == (c > d))"),
        ("a == b == c", "((a == b) == c)"),
        ("a < b < c", "((a < b) < c)"),
        ("!a == b", "(!a == b)"),
        ("!a.b", "!a['b']"),
        ("!!a", "!!a"),
        ("a == !b", "(a == !b)"),
        ("(a || b) && c", "((a || b) && c)"),
        ("a.b.c", "a['b']['c']"),
        ("a['b'].c[0]", "a['b']['c'][0.0]"),
        ("a.*.b", "a[*]['b']"),
        ("a[*].b", "a[*]['b']"),
        ("a.b[c.d]", "a['b'][c['d']]"),
        ("fromJSON('[1]')[0]", "fromjson('[1]')[0.0]"),
        ("(a)[0]", "a[0.0]"),
        ("(a).b", "a['b']"),
        ("contains(a, b) && !c", "(contains(a, b) && !c)"),
        ("format('{0}', a || b)", "format('{0}', (a || b))"),
        ("success ()", "success()"),
        ("STARTSWITH(a, b)", "startswith(a, b)"),
        ("a.true.null", "a['true']['null']"),
        (
            "github.event.pull_request.head.repo.fork",
            "github['event']['pull_request']['head']['repo']['fork']",
        ),
        ("-1 < .5", "(-1.0 < 0.5)"),
    ],
)
def test_tree_shapes(source: str, shape: str) -> None:
    assert show(parse(source)) == shape


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("foo == )", "unexpected token ')' at column 8 in expression: foo == )"),
        ("a ==", "unexpected end of expression at column 3 in expression: a =="),
        ("(a", "unexpected end of expression at column 2"),
        ("a)", "unexpected token ')' at column 2"),
        ("a]", "unexpected token ']' at column 2"),
        ("a b", "unexpected token 'b' at column 3"),
        ("'abc'[0]", "unexpected token '[' at column 6"),
        ("'abc'.length", "unexpected token '.' at column 6"),
        ("1.x", "unexpected token '1.x' at column 1"),
        ("a.", "unexpected end of expression at column 2"),
        ("a.1", "unexpected token '1' at column 3"),
        ("a[]", "unexpected token ']' at column 3"),
        ("a.b(", "unexpected token '(' at column 4"),
        ("f(a,)", "unexpected token ')' at column 5"),
        ("contains(,a)", "unexpected token ',' at column 10"),
        ("a = b", "unexpected token '=' at column 3"),
        ('"double"', "unexpected token '\"double\"' at column 1"),
        ("'unterminated", "unexpected token ''unterminated' at column 1"),
        ("*", "unexpected token '*' at column 1"),
        ("a.**", "unexpected token '*' at column 4"),
        ("a,b", "unexpected token ',' at column 2"),
        ("!", "unexpected end of expression at column 1"),
        ("", "an expression was expected"),
        ("   ", "an expression was expected"),
    ],
)
def test_syntax_errors(source: str, message: str) -> None:
    with pytest.raises(ExprError) as info:
        parse(source)
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("foo(1)", "unrecognized function 'foo' at column 1"),
        ("a && bar()", "unrecognized function 'bar' at column 6"),
        ("contains(a)", "too few parameters supplied to 'contains'"),
        ("contains(a, b, c)", "too many parameters supplied to 'contains'"),
        ("startsWith('a')", "too few parameters supplied to 'startsWith'"),
        ("endsWith('a', 'b', 'c')", "too many parameters supplied to 'endsWith'"),
        ("format()", "too few parameters supplied to 'format'"),
        ("join()", "too few parameters supplied to 'join'"),
        ("join(a, b, c)", "too many parameters supplied to 'join'"),
        ("toJSON()", "too few parameters supplied to 'toJSON'"),
        ("fromJSON(a, b)", "too many parameters supplied to 'fromJSON'"),
        ("hashFiles()", "too few parameters supplied to 'hashFiles'"),
        ("success(1)", "too many parameters supplied to 'success'"),
        ("always(true)", "too many parameters supplied to 'always'"),
        ("failure(1)", "too many parameters supplied to 'failure'"),
        ("cancelled(1)", "too many parameters supplied to 'cancelled'"),
        ("case(true, 1)", "too few parameters supplied to 'case'"),
        ("case(true, 1, false, 2)", "'case' requires an odd number of parameters"),
    ],
)
def test_function_validation(source: str, message: str) -> None:
    with pytest.raises(ExprError) as info:
        parse(source)
    assert message in str(info.value)


def test_error_carries_fields() -> None:
    with pytest.raises(ExprError) as info:
        parse("a == == b")
    err = info.value
    assert (err.column, err.expression) == (6, "a == == b")
    assert err.reason == "unexpected token '=='"


def test_format_accepts_255_arguments_but_not_256() -> None:
    args = ", ".join(["1"] * 255)
    assert isinstance(parse(f"format('x', {args[:-3]})"), Call)
    with pytest.raises(ExprError, match="too many parameters supplied to 'format'"):
        parse(f"format('x', {args})")


def test_max_depth() -> None:
    ok = "a" + ".b" * 48  # 49 nested index nodes plus the leaf
    assert isinstance(parse(ok), Index)
    with pytest.raises(ExprError, match="exceeded max expression depth 50"):
        parse("a" + ".b" * 50)


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    with pytest.raises(ExprError, match="max expression depth"):
        parse("!" * 500 + "a")
    with pytest.raises(ExprError, match="max expression depth"):
        parse("(" * 500 + "a" + ")" * 500)


def test_max_length() -> None:
    with pytest.raises(ExprError, match="exceeded max expression length 21000"):
        parse("'" + "x" * 21000 + "'")


def test_parse_is_cached() -> None:
    assert parse("github.sha == 'x'") is parse("github.sha == 'x'")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("success()", True),
        ("always() && x", True),
        ("FAILURE()", True),
        ("!cancelled()", True),
        ("github.ref == 'success()'", False),  # inside a string literal
        ("a.success", False),
        ("contains(a, b)", False),
    ],
)
def test_uses_status_function(source: str, expected: bool) -> None:
    assert uses_status_function(source) is expected


@pytest.mark.parametrize(
    "source",
    [
        "github" + "[0]" * 1000,  # postfix chains are built in a loop, not by recursion
        "github" + ".a" * 1000,
        " == ".join(["1"] * 1000),
        " < ".join(["1"] * 1000),
    ],
)
def test_long_chains_are_too_deep_not_a_recursion_error(source: str) -> None:
    with pytest.raises(ExprError, match="exceeded max expression depth 50"):
        parse(source)


def test_depth_fifty_is_allowed() -> None:
    parse("github" + "[0]" * 49)
