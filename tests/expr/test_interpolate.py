"""Interpolation, YAML value evaluation and if: condition rules."""

from __future__ import annotations

from typing import Any

import pytest

from conveyor.expr import (
    EvalContext,
    ExprError,
    contains_expression,
    evaluate_condition,
    evaluate_value,
    interpolate,
)
from conveyor.expr.template import condition_expression, split_template

CONTEXTS: dict[str, Any] = {
    "github": {"ref": "refs/heads/main", "event_name": "push", "actor": "mona"},
    "matrix": {"os": "linux", "versions": [3.11, 3.12]},
    "env": {"NAME": "world", "QUOTE": "it's", "FLAG": "false"},
    "inputs": {"count": 3, "enabled": True},
}


def make_ctx(status: str = "success", allow_status: bool = True) -> EvalContext:
    return EvalContext(contexts=CONTEXTS, status=lambda: status, allow_status=allow_status)


CTX = make_ctx()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain text", "plain text"),
        ("", ""),
        ("Hello ${{ env.NAME }}!", "Hello world!"),
        ("${{ env.NAME }}", "world"),
        ("${{env.NAME}}", "world"),
        ("${{ env.NAME }}-${{ matrix.os }}", "world-linux"),
        ("${{ inputs.count }}", "3"),
        ("${{ inputs.enabled }}", "true"),
        ("${{ null }}", ""),
        ("v${{ 1.50 }}", "v1.5"),
        ("${{ matrix.versions }}", "Array"),
        ("${{ github }}", "Object"),
        ("${{ '}}' }}", "}}"),  # '}}' inside a string literal does not close
        ("${{ 'a}}b' }} c", "a}}b c"),
        ("${{ '${{ nested }}' }}", "${{ nested }}"),
        ("${{ 'it''s' }}", "it's"),
        ("x ${{ format('{{{0}}}', 'y') }}", "x {y}"),
        ("${{ env.QUOTE }}", "it's"),
        ("$ {{ not an expression }}", "$ {{ not an expression }}"),
        ("${ env.NAME }", "${ env.NAME }"),
        ("{{ env.NAME }}", "{{ env.NAME }}"),
        ("a\n${{ github.actor }}\nb", "a\nmona\nb"),
    ],
)
def test_interpolate(text: str, expected: str) -> None:
    assert interpolate(text, CTX) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("${{ env.NAME", "the expression is not closed"),
        ("${{ 'unterminated }}", "the expression is not closed"),
        ("a ${{ }} b", "an expression was expected"),
        ("${{ env.NAME == }}", "unexpected end of expression"),
        ("${{ nosuch.x }}", "unrecognized named-value 'nosuch'"),
    ],
)
def test_interpolate_errors(text: str, message: str) -> None:
    with pytest.raises(ExprError, match=message):
        interpolate(text, CTX)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("${{ matrix.versions }}", [3.11, 3.12]),
        ("  ${{ matrix.versions }}  ", [3.11, 3.12]),  # surrounding whitespace allowed
        ("${{ fromJSON('[1, 2]') }}", [1.0, 2.0]),
        ("${{ fromJSON('{\"a\": true}') }}", {"a": True}),
        ("${{ inputs.count }}", 3),
        ("${{ inputs.enabled }}", True),
        ("${{ null }}", None),
        ("${{ 5 }}", 5.0),
        ("x ${{ inputs.count }}", "x 3"),
        ("${{ 1 }}${{ 2 }}", "12"),  # two expressions interpolate to a string
        ("no expression", "no expression"),
        (42, 42),
        (None, None),
        (True, True),
        (["${{ matrix.os }}", "b", 1], ["linux", "b", 1]),
        ({"os": "${{ matrix.os }}", "n": 1}, {"os": "linux", "n": 1}),
        ({"${{ matrix.os }}-key": "${{ inputs.count }}"}, {"linux-key": 3}),
        ({"outer": [{"x": "${{ github.actor }}"}]}, {"outer": [{"x": "mona"}]}),
    ],
)
def test_evaluate_value(value: Any, expected: Any) -> None:
    result = evaluate_value(value, CTX)
    assert result == expected
    assert type(result) is type(expected)


def test_evaluate_value_does_not_mutate_input() -> None:
    data = {"a": ["${{ matrix.os }}"]}
    evaluate_value(data, CTX)
    assert data == {"a": ["${{ matrix.os }}"]}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${{ x }}", True),
        ("a ${{ x }} b", True),
        ("${{", True),
        ("plain", False),
        ("${ x }", False),
        ("{{ x }}", False),
    ],
)
def test_contains_expression(text: str, expected: bool) -> None:
    assert contains_expression(text) is expected


def test_split_template_segments() -> None:
    assert split_template("a ${{ b }} c${{'}}'}}") == (
        (False, "a "),
        (True, "b"),
        (False, " c"),
        (True, "'}}'"),
    )


# if: conditions. Without a status function GitHub evaluates success() && (expr).
@pytest.mark.parametrize(
    ("condition", "status", "expected"),
    [
        (None, "success", True),
        ("", "success", True),
        ("   ", "failure", False),
        (None, "failure", False),
        ("github.ref == 'refs/heads/main'", "success", True),
        ("github.ref == 'refs/heads/main'", "failure", False),  # implicit success()
        ("github.ref == 'refs/heads/main'", "cancelled", False),
        ("${{ github.ref == 'refs/heads/main' }}", "success", True),
        ("${{ github.ref == 'refs/heads/dev' }}", "success", False),
        ("  ${{ github.event_name == 'push' }}  ", "success", True),
        ("always()", "failure", True),
        ("always()", "cancelled", True),
        ("failure()", "failure", True),
        ("failure()", "success", False),
        ("${{ failure() }}", "failure", True),
        ("cancelled()", "cancelled", True),
        ("success() || failure()", "failure", True),
        ("failure() && github.event_name == 'push'", "failure", True),
        ("!cancelled()", "failure", True),
        ("github.event_name == 'push' || always()", "failure", True),
        # a status function inside a string literal does not count
        ("github.ref != 'always()'", "failure", False),
        ("env.FLAG", "success", True),  # the string 'false' is truthy
        ("fromJSON(env.FLAG)", "success", False),
        ("inputs.count", "success", True),
        ("0", "success", False),
        ("'yes'", "failure", False),
        (True, "success", True),
        (False, "success", False),
        (True, "failure", False),
        # mixed text becomes format(...): a non-empty string, so always truthy
        ("${{ github.ref }} == 'refs/heads/nope'", "success", True),
        ("${{ github.ref }} == 'refs/heads/nope'", "failure", False),
        # "always()" here is literal text of the format string, not a call
        ("${{ github.event_name }} && always()", "failure", False),
    ],
)
def test_evaluate_condition(condition: Any, status: str, expected: bool) -> None:
    assert evaluate_condition(condition, make_ctx(status)) is expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("", ""),
        ("  a == b  ", "a == b"),
        ("${{ a == b }}", "a == b"),
        ("${{ a }} == 'x'", "format('{0} == ''x''', a)"),
        ("x{y} ${{ a }}${{ b }}", "format('x{{y}} {0}{1}', a, b)"),
    ],
)
def test_condition_expression(source: str, expected: str) -> None:
    assert condition_expression(source) == expected


def test_condition_without_status_functions_allowed() -> None:
    ctx = make_ctx("failure", allow_status=False)
    assert evaluate_condition("github.event_name == 'push'", ctx) is True
    with pytest.raises(ExprError, match="not allowed here"):
        evaluate_condition("always()", ctx)


def test_condition_errors_name_expression() -> None:
    with pytest.raises(ExprError) as info:
        evaluate_condition("github.ref == ", CTX)
    assert "in expression: github.ref ==" in str(info.value)


def test_condition_short_circuits_when_not_success() -> None:
    # success() is false, so the erroring right-hand side is never evaluated.
    assert evaluate_condition("nosuch.context == 1", make_ctx("failure")) is False


def test_interpolation_is_capped_like_format() -> None:
    f100 = "'" + "{0}" * 100 + "'"
    part = "${{ format(" + f100 + ", format(" + f100 + ", 'xxxxxxxxxx')) }}"  # 100,000 chars
    assert len(interpolate(part * 3, EvalContext())) == 300_000
    with pytest.raises(ExprError, match="maximum allowed memory size was exceeded"):
        interpolate(part * 60, EvalContext())
