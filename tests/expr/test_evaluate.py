"""Evaluation: operators, coercion tables from GitHub's docs, contexts and filters."""

from __future__ import annotations

import math
from typing import Any

import pytest

from conveyor.expr import EvalContext, ExprError, evaluate, to_string, truthy
from conveyor.expr.coerce import format_number, loose_equals, parse_number, to_number

EVENT = {
    "commits": [
        {"message": "first", "author": {"name": "Mona"}},
        {"message": "second", "author": {"name": "Lisa"}},
    ],
    "pull_request": {"number": 42, "labels": [{"name": "bug"}, {"name": "docs"}]},
}
CONTEXTS: dict[str, Any] = {
    "github": {"ref": "refs/heads/main", "event_name": "push", "event": EVENT, "run_number": 7},
    "env": {"Greeting": "Hello", "EMPTY": "", "ZERO": "0"},
    "needs": {
        "build": {"result": "success", "outputs": {"v": "1"}},
        "test": {"result": "failure", "outputs": {"v": "2"}},
    },
    "matrix": {"os": "ubuntu-latest", "nums": [1, 2, 3], "nested": [[1, 2], [3, 4]]},
    "custom": {"x": 1},
}
CTX = EvalContext(contexts=CONTEXTS)


def ev(source: str) -> Any:
    return evaluate(source, CTX)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("null", None),
        ("true", True),
        ("false", False),
        ("711", 711.0),
        ("-9.2", -9.2),
        ("0xff", 255.0),
        ("-2.99e-2", -0.0299),
        ("'It''s open source!'", "It's open source!"),
        ("Infinity", math.inf),
    ],
)
def test_literals(source: str, expected: Any) -> None:
    assert ev(source) == expected


# Equality coercion table (docs: "GitHub performs loose equality comparisons").
@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("null == 0", True),
        ("null == false", True),
        ("null == ''", True),
        ("null == null", True),
        ("null == 'null'", False),
        ("true == 1", True),
        ("false == 0", True),
        ("true == 2", False),
        ("true == 'true'", False),  # 'true' -> NaN
        ("true == '1'", True),
        ("false == ''", True),
        ("'' == 0", True),
        ("'  ' == 0", True),  # whitespace-only parses as 0
        ("'1' == 1", True),
        ("' 1 ' == 1", True),
        ("'0x10' == 16", True),
        ("'1e2' == 100", True),
        ("'abc' == 0", False),
        ("'abc' == 'ABC'", True),
        ("'straße' == 'STRASSE'", False),  # simple case mapping only
        ("'Ünï' == 'üNÏ'", True),
        ("'a' != 'A'", False),
        ("1 == 1.0", True),
        ("-0 == 0", True),
        ("NaN == NaN", False),
        ("NaN != NaN", True),
        ("'NaN' == NaN", False),
        ("0.1 == 0.10", True),
        ("github.event == github.event", True),  # same instance
        ("github.event.commits == github.event.commits", True),
        ("github.event.commits.* == github.event.commits.*", False),  # new filtered arrays
        ("github.event == 'Object'", False),
        ("matrix.nums == 0", False),  # array -> NaN
        ("fromJSON('{}') == fromJSON('{}')", False),  # different instances
        ("fromJSON('[]') == null", False),
        ("github.event != github.event", False),
    ],
)
def test_equality(source: str, expected: bool) -> None:
    assert ev(source) is expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("1 < 2", True),
        ("2 < 1", False),
        ("1 <= 1", True),
        ("2 >= 3", False),
        ("3 > 2", True),
        ("'a' < 'B'", True),  # case-insensitive ordering
        ("'B' > 'a'", True),
        ("'abc' < 'abd'", True),
        ("'a' <= 'A'", True),
        ("'10' > 9", True),
        ("'10' > '9'", False),  # both strings: ordinal string compare
        ("true > false", True),
        ("false < true", True),
        ("true > 0", True),
        ("null < 1", True),
        ("null >= 0", True),
        ("NaN < 1", False),
        ("NaN > 1", False),
        ("NaN >= NaN", False),
        ("'abc' > 0", False),  # NaN
        ("github.event > 0", False),
        ("github.event >= github.event", True),  # equal by reference
        ("matrix.nums < matrix.nums", False),
        ("Infinity > 1e308", True),
        ("-Infinity < -1e308", True),
    ],
)
def test_comparison(source: str, expected: bool) -> None:
    assert ev(source) is expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # && / || return the deciding operand, not a boolean
        ("'a' && 'b'", "b"),
        ("'' && 'b'", ""),
        ("0 && 'b'", 0.0),
        ("null && 'b'", None),
        ("'a' || 'b'", "a"),
        ("'' || 'b'", "b"),
        ("false || 0", 0.0),
        ("null || false || 'x'", "x"),
        ("1 && 2 && 3", 3.0),
        ("github.event_name == 'push' && 'yes' || 'no'", "yes"),
        ("github.event_name == 'pr' && 'yes' || 'no'", "no"),
        ("!0", True),
        ("!''", True),
        ("!'false'", False),  # non-empty string is truthy
        ("!null", True),
        ("!NaN", True),
        ("!github.event", False),
        ("!fromJSON('[]')", False),
        ("!!'x'", True),
    ],
)
def test_logical(source: str, expected: Any) -> None:
    result = ev(source)
    assert result == expected
    assert type(result) is type(expected)


def test_logical_short_circuits() -> None:
    # The right side would raise (unknown context) if evaluated.
    assert ev("false && nosuchcontext.x") is False
    assert ev("true || nosuchcontext.x") is True
    with pytest.raises(ExprError, match="unrecognized named-value 'nosuchcontext'"):
        ev("true && nosuchcontext.x")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("github.ref", "refs/heads/main"),
        ("GITHUB.REF", "refs/heads/main"),  # contexts and keys are case-insensitive
        ("github['ref']", "refs/heads/main"),
        ("github['REF']", "refs/heads/main"),
        ("env.greeting", "Hello"),
        ("github.missing", None),
        ("github.missing.deeper", None),
        ("github.ref.length", None),  # strings have no properties
        ("matrix.nums[0]", 1),
        ("matrix.nums[2]", 3),
        ("matrix.nums[3]", None),
        ("matrix.nums[-1]", None),
        ("matrix.nums[2147483648]", None),  # beyond Int32
        ("matrix.nums[1e400]", None),  # Infinity
        ("matrix.nums[-1e400]", None),
        ("matrix.nums['1']", 2),  # index converted to a number
        ("matrix.nums[1.7]", 2),  # floored
        ("matrix.nums[true]", 2),
        ("matrix.nums[null]", 1),  # null -> 0
        ("matrix.nums['x']", None),
        ("matrix.nums.length", None),
        ("matrix.nested[1][0]", 3),
        ("github.event.pull_request.number", 42),
        ("github.event.pull_request['labels'][1].name", "docs"),
        ("custom.x", 1),
        ("needs.build.outputs.v", "1"),
        ('fromJSON(\'{"1": "one"}\')[1]', "one"),  # object index uses the string form
        ("fromJSON('{\"true\": 5}')[true]", 5.0),
        ("fromJSON('{\"\": 3}')[null]", 3.0),
        ("github[github]", None),  # non-primitive index on an object
    ],
)
def test_property_access(source: str, expected: Any) -> None:
    assert ev(source) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("github.event.commits.*.message", ["first", "second"]),
        ("github.event.commits[*].message", ["first", "second"]),
        ("github.event.commits.*.author.name", ["Mona", "Lisa"]),
        ("github.event.pull_request.labels.*.name", ["bug", "docs"]),
        ("needs.*.result", ["success", "failure"]),
        ("needs.*.outputs.v", ["1", "2"]),
        ("matrix.nested.*[1]", [2, 4]),
        ("matrix.nested.*.*", [1, 2, 3, 4]),
        ("github.event.commits.*.missing", []),
        ("github.ref.*", []),
        ("github.nothing.*", []),
        ("github.event.commits.*.message[0]", []),  # strings cannot be indexed
        ("matrix.nums.*", [1, 2, 3]),
    ],
)
def test_object_filters(source: str, expected: list[Any]) -> None:
    assert ev(source) == expected


@pytest.mark.parametrize(
    "name",
    [
        "github",
        "env",
        "vars",
        "secrets",
        "inputs",
        "matrix",
        "strategy",
        "needs",
        "jobs",
        "steps",
        "job",
        "runner",
    ],
)
def test_standard_context_missing_is_null(name: str) -> None:
    assert evaluate(f"{name}", EvalContext(contexts={})) is None
    assert evaluate(f"{name}.anything", EvalContext(contexts={})) is None


def test_unknown_context_errors_with_name_and_column() -> None:
    with pytest.raises(ExprError) as info:
        ev("github.ref == bogus.ref")
    assert str(info.value) == (
        "unrecognized named-value 'bogus' at column 15 in expression: github.ref == bogus.ref"
    )


def test_contexts_lookup_case_insensitive_mapping_keys() -> None:
    ctx = EvalContext(contexts={"GitHub": {"Actor": "mona"}})
    assert evaluate("github.actor", ctx) == "mona"


# Conversion to string, as used for interpolation.
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        (True, "true"),
        (False, "false"),
        ("text", "text"),
        (1.0, "1"),
        (100, "100"),
        (1.5, "1.5"),
        (3.14, "3.14"),
        (-9.2, "-9.2"),
        (0.0, "0"),
        (-0.0, "0"),  # the runner prints negative zero as 0
        (0.0001, "0.0001"),
        (0.00001, "1E-05"),
        (1e15, "1E+15"),
        (123456789012345.0, "123456789012345"),
        (1234567890123456.0, "1.23456789012346E+15"),
        (2**53, "9.00719925474099E+15"),
        (1e21, "1E+21"),
        (1.5e-7, "1.5E-07"),
        (1e100, "1E+100"),
        (0.1 + 0.2, "0.3"),  # 15 significant digits hide the binary error
        (1 / 3, "0.333333333333333"),
        (math.nan, "NaN"),
        (math.inf, "Infinity"),
        (-math.inf, "-Infinity"),
        ([1, 2], "Array"),
        ({"a": 1}, "Object"),
    ],
)
def test_to_string(value: Any, expected: str) -> None:
    assert to_string(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, False),
        (False, False),
        (True, True),
        (0, False),
        (0.0, False),
        (-0.0, False),
        (math.nan, False),
        (1, True),
        (-1.5, True),
        ("", False),
        ("0", True),
        ("false", True),
        (" ", True),
        ([], True),
        ({}, True),
    ],
)
def test_truthy(value: Any, expected: bool) -> None:
    assert truthy(value) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 0.0),
        ("   ", 0.0),
        ("12", 12.0),
        (" 12 ", 12.0),
        ("-1.5e3", -1500.0),
        ("+4", 4.0),
        ("0x1A", 26.0),
        ("0o10", 8.0),
        ("Infinity", math.inf),
        ("-Infinity", -math.inf),
        ("1.", 1.0),
        (".5", 0.5),
    ],
)
def test_parse_number(text: str, expected: float) -> None:
    assert parse_number(text) == expected


@pytest.mark.parametrize(
    "text", ["abc", "1_000", "0x", "1e", "--1", "inf", "1,000", "0X10", "12px"]
)
def test_parse_number_nan(text: str) -> None:
    assert math.isnan(parse_number(text))


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, 0.0), (True, 1.0), (False, 0.0), ("", 0.0), (5, 5.0)],
)
def test_to_number(value: Any, expected: float) -> None:
    assert to_number(value) == expected


@pytest.mark.parametrize("value", [[], {}, "x"])
def test_to_number_nan(value: Any) -> None:
    assert math.isnan(to_number(value))


def test_format_number_matches_dotnet_g15_rounding() -> None:
    assert format_number(0.1 + 0.7) == "0.8"
    assert format_number(123456.7890123456) == "123456.789012346"


def test_loose_equals_identity_for_python_containers() -> None:
    items = [1]
    assert loose_equals(items, items) is True
    assert loose_equals(items, [1]) is False


def test_evaluate_allow_status_false() -> None:
    ctx = EvalContext(contexts={}, allow_status=False)
    with pytest.raises(ExprError, match="'success\\(\\)' is not allowed here"):
        evaluate("success()", ctx)
    assert evaluate("1 == 1", ctx) is True
