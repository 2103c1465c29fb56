import math
import re

import pytest

from conveyor.workflow.errors import Pos, WorkflowError
from conveyor.workflow.yamlload import load_yaml, resolve_plain
from tests.fuzz.support import watchdog


def load(text: str):
    return load_yaml(text, "w.yml")


@pytest.mark.parametrize("word", ["on", "off", "yes", "no", "y", "n", "Y", "On", "NO"])
def test_yaml_11_booleans_are_strings(word):
    assert load(f"k: {word}\n").value == {"k": word}


def test_on_key_stays_a_string_key():
    doc = load("on: push\njobs: {}\n")
    assert list(doc.value) == ["on", "jobs"]
    assert doc.value["on"] == "push"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("true", True),
        ("True", True),
        ("TRUE", True),
        ("false", False),
        ("FALSE", False),
        ("null", None),
        ("Null", None),
        ("~", None),
        ("", None),
        ("42", 42),
        ("-7", -7),
        ("+3", 3),
        ("012", 12),  # YAML 1.2: decimal, not octal
        ("0o17", 15),
        ("0x1F", 31),
        ("3.10", 3.1),
        ("1e3", 1000.0),
        (".5", 0.5),
        ("1_000", "1_000"),  # no underscores in YAML 1.2
        ("0b101", "0b101"),
        ("1:30", "1:30"),  # no sexagesimal in YAML 1.2
        ("v1.2", "v1.2"),
    ],
)
def test_plain_scalar_resolution(text, expected):
    value = load(f"k: {text}\n").value["k"]
    assert value == expected
    assert type(value) is type(expected)


def test_special_floats():
    value = load("a: [.inf, -.Inf, .NAN]\n").value["a"]
    assert value[0] == math.inf
    assert value[1] == -math.inf
    assert math.isnan(value[2])
    assert resolve_plain("+.inf") == math.inf


def test_quoted_and_block_scalars_are_strings():
    doc = load("a: 'true'\nb: \"12\"\nc: |\n  null\nd: >-\n  42\n")
    assert doc.value == {"a": "true", "b": "12", "c": "null\n", "d": "42"}


def test_explicit_tags():
    doc = load("a: !!str 12\nb: !!int '7'\nc: !!float 1\nd: !!bool 'true'\n")
    assert doc.value == {"a": "12", "b": 7, "c": 1.0, "d": True}
    assert isinstance(doc.value["c"], float)


def test_bad_explicit_tag_value_has_position():
    with pytest.raises(WorkflowError) as info:
        load("a: 1\nb: !!int abc\n")
    assert info.value.pos == Pos("w.yml", 2, 4)
    assert "not a valid !!int" in info.value.message


def test_unknown_tag_is_an_error():
    with pytest.raises(WorkflowError, match="unsupported YAML tag"):
        load("a: !Ref x\n")


def test_positions_of_values_and_keys():
    text = "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n"
    doc = load(text)
    assert doc.positions[()] == Pos("w.yml", 1, 1)
    assert doc.positions[("on",)] == Pos("w.yml", 1, 5)
    assert doc.key_positions[("jobs", "build")] == Pos("w.yml", 3, 3)
    assert doc.positions[("jobs", "build", "runs-on")] == Pos("w.yml", 4, 14)
    assert doc.key_positions[("jobs", "build", "runs-on")] == Pos("w.yml", 4, 5)
    assert doc.positions[("jobs", "build", "steps", 0)] == Pos("w.yml", 6, 9)
    assert doc.positions[("jobs", "build", "steps", 0, "run")] == Pos("w.yml", 6, 14)


def test_pos_falls_back_to_nearest_ancestor():
    doc = load("a:\n  b: 1\n")
    assert doc.pos(("a", "b", "missing")) == Pos("w.yml", 2, 6)
    assert doc.key_pos(("a", "b")) == Pos("w.yml", 2, 3)


def test_keys_keep_yaml_order_and_text():
    doc = load("z: 1\na: 2\n3.10: x\ntrue: y\n")
    assert list(doc.value) == ["z", "a", "3.10", "true"]


def test_anchor_and_alias():
    doc = load("base: &b [1, 2]\nuse: *b\n")
    assert doc.value["use"] == [1, 2]
    # The alias reports the position of the anchored node.
    assert doc.positions[("use", 0)] == Pos("w.yml", 1, 11)


def test_merge_keys_explicit_wins():
    text = "d: &d {a: 1, b: 2}\ne: &e {b: 9, c: 3}\nm:\n  <<: [*d, *e]\n  a: 0\n"
    doc = load(text)
    assert doc.value["m"] == {"a": 0, "b": 2, "c": 3}
    assert doc.key_positions[("m", "a")] == Pos("w.yml", 5, 3)
    assert doc.key_positions[("m", "b")] == Pos("w.yml", 1, 14)


def test_merge_keeps_position_order():
    doc = load("d: &d {x: 1}\nm:\n  first: 0\n  <<: *d\n  last: 2\n")
    assert list(doc.value["m"]) == ["first", "x", "last"]


def test_merge_of_non_mapping_is_an_error():
    with pytest.raises(WorkflowError, match="merge key"):
        load("s: &s [1]\nm:\n  <<: *s\n")


def test_quoted_merge_key_is_an_ordinary_key():
    assert load("m:\n  '<<': 1\n").value == {"m": {"<<": 1}}


def test_duplicate_key_error():
    with pytest.raises(WorkflowError) as info:
        load("jobs:\n  a: 1\n  b: 2\n  a: 3\n")
    err = info.value
    assert err.pos == Pos("w.yml", 4, 3)
    assert 'duplicate key "a"' in err.message
    assert "line 2" in err.message
    assert err.kind == "yaml"


def test_recursive_alias_is_an_error():
    with pytest.raises(WorkflowError, match="own anchor"):
        load("a: &x [*x]\n")


@pytest.mark.parametrize(
    ("text", "line", "col", "fragment"),
    [
        ("a: [1, 2\nb: 3\n", 2, 2, "expected ','"),
        ("a: b: c\n", 1, 5, "mapping values are not allowed"),
        ("a: 1\n b: 2\n", 2, 3, "mapping values are not allowed"),
        ("a: 'x\n", 2, 1, "unexpected end of stream"),
        ("a: 1\n---\nb: 2\n", 2, 1, "single document"),
    ],
)
def test_syntax_errors_have_positions(text, line, col, fragment):
    with pytest.raises(WorkflowError) as info:
        load(text)
    assert info.value.pos == Pos("w.yml", line, col)
    assert fragment in info.value.message
    assert str(info.value).startswith(f"w.yml:{line}:{col}: invalid YAML")


def test_empty_document():
    doc = load("# nothing\n")
    assert doc.value is None
    assert doc.positions[()] == Pos("w.yml", 1, 1)


def test_an_alias_bomb_is_cut_off_by_the_value_budget() -> None:
    # ten levels of ten aliases each: 10**10 values if expanded
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]")
    with pytest.raises(WorkflowError, match="more than 100,000 values") as caught:
        load_yaml("\n".join(lines) + "\non: push\n", "bomb.yml")
    assert caught.value.kind == "yaml" and caught.value.pos is not None


def test_an_integer_beyond_the_digit_limit_is_a_double() -> None:
    assert resolve_plain("9" * 5000) == math.inf  # not a ValueError traceback
    assert resolve_plain("-" + "9" * 5000) == -math.inf


@pytest.mark.parametrize(
    ("text", "line", "col"),
    [
        ("[" * 51 + "]" * 51, 1, 51),  # flow: the 51st sequence
        ("a: " + "{b: " * 50 + "1" + "}" * 50, 1, 200),
        ("k:\n" + "".join(" " * (2 + i) + "- \n" for i in range(50)), 51, 52),
    ],
)
def test_nesting_beyond_githubs_limit_is_located(text: str, line: int, col: int) -> None:
    with pytest.raises(WorkflowError, match="maximum object depth exceeded") as caught:
        load_yaml(text, "w.yml", max_depth=50)
    assert caught.value.pos == Pos("w.yml", line, col)


def test_nesting_at_the_limit_loads() -> None:
    assert load_yaml("[" * 50 + "]" * 50, "w.yml", max_depth=50).value is not None


def test_a_thousand_levels_are_an_error_not_a_recursion_error() -> None:
    with pytest.raises(WorkflowError, match="maximum object depth exceeded"):
        load_yaml("[" * 1000 + "]" * 1000, "w.yml")


def test_a_chain_of_merge_keys_is_cut_off_quickly() -> None:
    # each mapping merges the one before: expanding them again and again was cubic
    lines = ["m0: &m0 {x0: 1, x1: 2}"]
    lines += [f"m{i}: &m{i}\n  <<: [*m{i - 1}]\n  k{i}: 1" for i in range(1, 2000)]
    with watchdog(2), pytest.raises(WorkflowError, match="more than 100,000 values"):
        load_yaml("\n".join(lines) + "\n", "w.yml")


def test_a_merge_cycle_through_recursive_anchors_is_an_error() -> None:
    text = "a: &C {<<: &D {<<: *C}}\nb: {<<: *D}\n"
    with pytest.raises(WorkflowError, match="merge key refers to its own mapping"):
        load_yaml(text, "w.yml")


@pytest.mark.parametrize(
    ("text", "line", "col", "char"),
    [
        ("on: push\x00\n", 1, 9, "U+0000"),
        ("a: ééééé\x07", 1, 9, "U+0007"),  # libyaml's own offset drifts after é
        ("a: 🙂\nb: é\x07", 2, 5, "U+0007"),
        ("on: push\ud800\n", 1, 9, "U+D800"),  # a str from memory, not from a file
    ],
)
def test_characters_yaml_refuses_are_located(text: str, line: int, col: int, char: str) -> None:
    message = re.escape(f"character {char} is not allowed")
    with pytest.raises(WorkflowError, match=message) as caught:
        load(text)
    assert caught.value.pos == Pos("w.yml", line, col)


@pytest.mark.parametrize("text", ["0x" + "f" * 5000, "0o" + "7" * 5000, "1" + "0" * 400])
def test_integers_beyond_a_double_are_infinite(text: str) -> None:
    assert resolve_plain(text) == math.inf
    assert resolve_plain("0x10") == 16
