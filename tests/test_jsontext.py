"""``jsontext.dumps`` writes what ``json.dumps`` writes, and hands it what it does not know."""

from __future__ import annotations

import json
from collections import OrderedDict
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conveyor.jsontext import dumps


def _nested(depth: int) -> list[object]:
    value: list[object] = [1]
    for _ in range(depth):
        value = [value]
    return value


scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
plain = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(plain, st.sampled_from([None, 0, 2, 4]))
def test_plain_data_is_written_as_json_writes_it(value: object, indent: int | None) -> None:
    assert dumps(value, indent=indent) == json.dumps(value, indent=indent)


@pytest.mark.parametrize(
    "value",
    [
        "plain ascii",
        'a "quote" and a \\ backslash',
        "tab\tnew\nline\x7f\x00",
        "ünïcödé ☃ 😀",
        float("nan"),
        float("inf"),
        -float("inf"),
        -0.0,
        1e300,
        {"a": [], "b": {}, "c": [{}], "d": ()},
        {1: "int key", 2.5: "float key", False: "bool key", None: "none key"},
        OrderedDict(a=1),
        _nested(70),
    ],
)
@pytest.mark.parametrize("indent", [None, 2])
def test_edges_and_what_json_itself_writes(value: object, indent: int | None) -> None:
    assert dumps(value, indent=indent) == json.dumps(value, indent=indent)


def test_what_json_refuses_it_refuses_alike() -> None:
    circular: list[object] = []
    circular.append(circular)
    with pytest.raises(ValueError, match="Circular reference"):
        dumps(circular)
    with pytest.raises(TypeError, match="Path is not JSON serializable"):
        dumps({"p": Path("/x")})
