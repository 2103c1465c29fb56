"""Fuzz the expression language: parse, evaluate, and ``${{ }}`` templates. Every input
either gives a value or raises ExprError with a message, within the budget."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import given

from conveyor.expr import (
    EvalContext,
    ExprError,
    evaluate,
    evaluate_condition,
    evaluate_value,
    interpolate,
    parse,
    to_json,
    to_string,
)
from conveyor.expr.template import condition_expression
from tests.fuzz import strategies as fs
from tests.fuzz.support import fuzz_settings, watchdog


def _deep(n: int) -> Any:
    value: Any = "leaf"
    for i in range(n):
        value = [value] if i % 2 else {"k": value}
    return value


CONTEXTS: dict[str, Any] = {
    "github": {
        "ref": "refs/heads/main",
        "event": {"commits": [{"id": 1}, {"id": "2"}], "n": 1e308, "big": 10**300},
        "deep": _deep(300),
    },
    "env": {"A": "x" * 1000, "EMPTY": "", "NUM": "0x10", "NAN": "NaN"},
    "matrix": {"os": "linux", "nums": [1, 2.5, math.nan, math.inf, -0.0, None, True]},
    "steps": {"s": {"outputs": {"o": "{0}" * 100}, "outcome": "success"}},
    "needs": {"b": {"result": "failure", "outputs": {}}},
    "inputs": {"i": None, "list": list(range(1000))},
    "vars": {},
    "secrets": {"TOKEN": "t"},
}
CTX = EvalContext(contexts=CONTEXTS)
NO_STATUS = EvalContext(contexts=CONTEXTS, allow_status=False)


def clean(exc: ExprError) -> None:
    assert exc.reason.strip(), f"empty message: {exc!r}"
    assert str(exc).strip()


def use(value: Any) -> None:
    """What callers do with a result: print it, turn it into JSON."""
    to_string(value)
    try:
        to_json(value)
    except ExprError as exc:
        clean(exc)


@fuzz_settings(300)
@given(fs.expressions)
def test_expression(source: str) -> None:
    with watchdog():
        for ctx in (CTX, NO_STATUS):
            try:
                use(evaluate(source, ctx))
            except ExprError as exc:
                clean(exc)


@fuzz_settings(200)
@given(fs.expressions)
def test_parse(source: str) -> None:
    with watchdog():
        try:
            parse(source)
        except ExprError as exc:
            clean(exc)


@fuzz_settings(150)
@given(fs.templates)
def test_template(text: str) -> None:
    with watchdog():
        for run in (
            lambda: use(interpolate(text, CTX)),
            lambda: use(evaluate_value({"k": [text], text: text}, CTX)),
            lambda: evaluate_condition(text, CTX),
            lambda: evaluate(condition_expression(text) or "true", NO_STATUS),
        ):
            try:
                run()
            except ExprError as exc:
                clean(exc)
