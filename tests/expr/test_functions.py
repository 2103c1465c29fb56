"""Built-in functions, per GitHub's docs and the runner's implementations."""

from __future__ import annotations

import math
from typing import Any

import pytest

from conveyor.expr import EvalContext, ExprError, evaluate

CTX = EvalContext(
    contexts={
        "github": {"ref": "refs/heads/main", "event": {"a": 1, "b": [True, None, "x"]}},
        "matrix": {"list": ["Hello", "World"], "nums": [1, 2], "empty": []},
        "env": {"JSON": '{"include": [{"os": "linux"}]}', "NUM": "3"},
    },
    status=lambda: "success",
)


def ev(source: str, ctx: EvalContext = CTX) -> Any:
    return evaluate(source, ctx)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("contains('Hello world', 'llo')", True),
        ("contains('Hello world', 'LLO')", True),  # case-insensitive
        ("contains('Hello world', 'xyz')", False),
        ("contains('abc', '')", True),
        ("contains('true', true)", True),  # primitives converted to strings
        ("contains(123, 2)", True),
        ("contains(null, '')", True),
        ("contains(matrix.list, 'hello')", True),  # array element, loose equality
        ("contains(matrix.list, 'Hell')", False),  # not a substring search
        ("contains(matrix.nums, '2')", True),
        ("contains(matrix.nums, 3)", False),
        ("contains(matrix.empty, null)", False),
        ("contains(github.event.b, null)", True),
        ("contains(github.event, 'a')", False),  # objects never contain
        ("contains('abc', matrix.list)", False),
        ("contains(fromJSON('[\"push\", \"pull_request\"]'), 'PUSH')", True),
        ("startsWith('Hello world', 'he')", True),
        ("startsWith('Hello world', 'world')", False),
        ("startsWith(12.5, 12)", True),
        ("startsWith(matrix.list, 'H')", False),
        ("startsWith('x', matrix.list)", False),
        ("endsWith('Hello world', 'LD')", True),
        ("endsWith('Hello world', 'hello')", False),
        ("endsWith(true, 'ue')", True),
        ("endsWith(github.event, '')", False),
    ],
)
def test_string_predicates(source: str, expected: bool) -> None:
    assert ev(source) is expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("format('Hello {0} {1} {2}', 'Mona', 'the', 'Octocat')", "Hello Mona the Octocat"),
        ("format('{{Hello {0} {1} {2}!}}', 'Mona', 'the', 'Octocat')", "{Hello Mona the Octocat!}"),
        ("format('{0}{0}', 'x')", "xx"),
        ("format('{1}-{0}', 'a', 'b')", "b-a"),
        ("format('no args')", "no args"),
        ("format('{0}', null)", ""),
        ("format('{0} {1}', true, 1.50)", "true 1.5"),
        ("format('{0}', matrix.list)", "Array"),
        ("format('{0}', github.event)", "Object"),
        ("format('{{}}')", "{}"),
        ("format('}}{{')", "}{"),
        ("format('{00}', 'z')", "z"),
        ("format('{0:}', 'z')", "z"),  # empty specifier is ignored
        ("FORMAT('{0}', 1)", "1"),
        ("format(1e3)", "1000"),
        ("format('{0}', 'unused', nosuch.ctx)", "unused"),  # args evaluated lazily
    ],
)
def test_format(source: str, expected: str) -> None:
    assert ev(source) == expected


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("format('{0}')", "references more arguments than were supplied: {0}"),
        ("format('{1}', 'a')", "references more arguments than were supplied"),
        ("format('{', 'a')", "format string is invalid: {"),
        ("format('}', 'a')", "format string is invalid: }"),
        ("format('{}', 'a')", "format string is invalid"),
        ("format('{a}', 'a')", "format string is invalid"),
        ("format('{0', 'a')", "format string is invalid"),
        ("format('{256}', 'a')", "format string is invalid"),
        ("format('{0:x', 'a')", "format string is invalid"),
        ("format('{0:x}', 'a')", "format specifiers 'x' are not valid"),
    ],
)
def test_format_errors(source: str, message: str) -> None:
    with pytest.raises(ExprError) as info:
        ev(source)
    assert message in str(info.value)
    assert "format:" in str(info.value)  # names the function
    assert info.value.column == 1


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("join(matrix.list)", "Hello,World"),
        ("join(matrix.list, ', ')", "Hello, World"),
        ("join(matrix.list, '')", "HelloWorld"),
        ("join(matrix.nums, 1)", "112"),
        ("join(matrix.nums, matrix.list)", "1,2"),  # non-primitive separator -> default
        ("join(matrix.empty, '-')", ""),
        ("join(fromJSON('[1, true, null, \"s\"]'), '|')", "1|true||s"),
        ("join(fromJSON('[[1], {}]'))", "Array,Object"),
        ("join('abc', '-')", "abc"),  # a string is returned as is
        ("join(1.5)", "1.5"),
        ("join(null)", ""),
        ("join(github.event)", ""),
        ("join(github.event.b.*, '/')", "true//x"),
    ],
)
def test_join(source: str, expected: str) -> None:
    assert ev(source) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("toJSON(null)", "null"),
        ("toJSON(true)", "true"),
        ("toJSON(1)", "1"),
        ("toJSON(2.5e-7)", "2.5E-07"),
        ("toJSON('a\"b')", '"a\\"b"'),
        ("toJSON('line\nnext')", '"line\\nnext"'),
        ("toJSON(matrix.empty)", "[]"),
        ("toJSON(fromJSON('{}'))", "{}"),
        ("toJSON(matrix.list)", '[\n  "Hello",\n  "World"\n]'),
        (
            "toJSON(github.event)",
            '{\n  "a": 1,\n  "b": [\n    true,\n    null,\n    "x"\n  ]\n}',
        ),
        (
            'toJSON(fromJSON(\'{"k": {"e": [], "o": {}}}\'))',
            '{\n  "k": {\n    "e": [],\n    "o": {}\n  }\n}',
        ),
        ("toJSON(fromJSON('[[1]]'))", "[\n  [\n    1\n  ]\n]"),
        ("toJSON('\u00e9\u2028')", '"\u00e9\\u2028"'),
        ("toJSON('\x01\t')", '"\\u0001\\t"'),
    ],
)
def test_to_json(source: str, expected: str) -> None:
    assert ev(source) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("fromJSON('true')", True),
        ("fromJSON('null')", None),
        ("fromJSON('42')", 42.0),
        ("fromJSON('\"s\"')", "s"),
        ("fromJSON('[1, \"a\"]')", [1.0, "a"]),
        ("fromJSON(env.JSON).include[0].os", "linux"),
        ("fromJSON(env.NUM) == 3", True),
        ("fromJSON(toJSON(github.event)).b[2]", "x"),
        ('fromJSON(\' {"a": {"b": 2}} \').a.b', 2.0),
    ],
)
def test_from_json(source: str, expected: Any) -> None:
    assert ev(source) == expected


def test_from_json_numbers_are_doubles() -> None:
    value = ev("fromJSON('[1, 2.5]')")
    assert all(isinstance(v, float) for v in value)


@pytest.mark.parametrize("text", ["", "{", "nope", "[1 2]", "[1, 2"])
def test_from_json_errors(text: str) -> None:
    with pytest.raises(ExprError, match="fromJSON: error parsing fromJSON"):
        ev(f"fromJSON('{text}')")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("case(true, 'a', 'b')", "a"),
        ("case(false, 'a', 'b')", "b"),
        ("case(false, 'a', true, 'b', 'c')", "b"),
        ("case(false, 'a', false, 'b', 'c')", "c"),
        ("case(github.ref == 'refs/heads/main', 'prod', 'dev')", "prod"),
        ("case(1 == 2, 1, matrix.list)", ["Hello", "World"]),
        ("case(true, 'x', nosuch.ctx)", "x"),  # only the chosen value is evaluated
        ("case(true, 'x', false, nosuch.ctx, 'y')", "x"),
    ],
)
def test_case(source: str, expected: Any) -> None:
    assert ev(source) == expected


@pytest.mark.parametrize("predicate", ["1", "'true'", "null", "github.event"])
def test_case_predicate_must_be_boolean(predicate: str) -> None:
    with pytest.raises(ExprError, match="case predicate must evaluate to a boolean value"):
        ev(f"case({predicate}, 'a', 'b')")


@pytest.mark.parametrize(
    ("status", "source", "expected"),
    [
        ("success", "success()", True),
        ("success", "failure()", False),
        ("success", "cancelled()", False),
        ("failure", "success()", False),
        ("failure", "failure()", True),
        ("cancelled", "cancelled()", True),
        ("cancelled", "success()", False),
        ("cancelled", "failure()", False),
        ("failure", "always()", True),
        ("cancelled", "always()", True),
        ("failure", "Failure()", True),
    ],
)
def test_status_functions(status: str, source: str, expected: bool) -> None:
    ctx = EvalContext(contexts={}, status=lambda: status)
    assert ev(source, ctx) is expected


def test_status_defaults_to_success() -> None:
    assert ev("success()", EvalContext(contexts={})) is True


def test_hash_files_needs_workspace() -> None:
    with pytest.raises(ExprError, match="hashFiles"):
        ev("hashFiles('**')", EvalContext(contexts={}))


def test_function_names_case_insensitive() -> None:
    assert ev("CONTAINS('abc', 'B') && StartsWith('abc', 'A') && endswith('abc', 'C')") is True
    assert ev("toJson(1) == tojson(1)") is True
    assert math.isinf(ev("fromjson('1e999')"))


# --- limits: what the runner refuses, Conveyor refuses with its message, never a traceback

_F100 = "'" + "{0}" * 100 + "'"


@pytest.mark.parametrize(
    "source",
    [
        # 100 ** 3 * 10 characters: format built from a short expression
        f"format({_F100}, format({_F100}, format({_F100}, 'xxxxxxxxxx')))",
        f"join(fromJSON('[1,2,3]'), format({_F100}, format({_F100}, format({_F100}, 'xxxxx'))))",
        "toJSON(" * 30 + "'\"'" + ")" * 30,  # every level doubles the backslashes
    ],
)
def test_results_are_capped_at_ten_megabytes(source: str) -> None:
    with pytest.raises(ExprError, match="maximum allowed memory size was exceeded"):
        evaluate(source, EvalContext())


def test_results_under_the_cap_are_built() -> None:
    text = evaluate(f"format({_F100}, format({_F100}, 'x' ))", EvalContext())
    assert text == "x" * 10_000


def test_from_json_refuses_more_than_64_levels() -> None:
    evaluate("fromJSON('" + "[" * 64 + "]" * 64 + "')", EvalContext())
    for depth in (65, 5000):
        with pytest.raises(ExprError, match="MaxDepth of 64 has been exceeded"):
            evaluate("fromJSON('" + "[" * depth + "]" * depth + "')", EvalContext())


def test_to_json_of_deep_context_data_is_iterative() -> None:
    deep: Any = "leaf"
    for _ in range(1200):  # deeper than Python's recursion limit
        deep = [deep]
    text = evaluate("toJSON(github)", EvalContext(contexts={"github": {"d": deep[0][0]}}))
    assert text.count("[") == 1198 and text.endswith("}")


def test_integers_beyond_a_double_are_infinite() -> None:
    ctx = EvalContext(contexts={"github": {"big": 10**400, "small": -(10**400)}})
    assert evaluate("github.big", ctx) == 10**400
    assert evaluate("github.big > 1 && github.small < 1", ctx) is True
    assert evaluate("format('{0} {1}', github.big, github.small)", ctx) == "Infinity -Infinity"
    assert evaluate("toJSON(github.big)", ctx) == "Infinity"


def test_from_json_brackets_inside_strings_do_not_count() -> None:
    text = "[" * 100
    assert evaluate(f"fromJSON('\"{text}\"')", EvalContext()) == text
    assert evaluate(f'fromJSON(\'{{"a": ["{text}"]}}\')', EvalContext()) == {"a": [text]}


@pytest.mark.parametrize(
    ("item", "expected"),
    [("'A'", True), ("'2'", True), ("'0x2'", True), ("'nan'", False), ("2", True), ("true", True)],
)
def test_contains_in_an_array_compares_like_equals(item: str, expected: bool) -> None:
    assert evaluate(f"contains(fromJSON('[\"a\", 2, 1, null]'), {item})", EvalContext()) is expected
