"""conveyor.records: the dataclass shape without dataclasses' start-up cost."""

from __future__ import annotations

import pickle

import pytest

from conveyor.records import FrozenInstanceError, field, record, replace


@record
class Plain:
    a: int
    b: str = "x"
    items: list[int] = field(default_factory=list)
    hidden: str = field(default="h", repr=False, compare=False)


@record(frozen=True, slots=True)
class Point:
    x: int
    y: int = 0


@record(slots=True)
class Box:
    value: int
    tags: list[str] = field(default_factory=list)


def test_init_positional_keyword_defaults_and_factories() -> None:
    p = Plain(1)
    assert (p.a, p.b, p.items, p.hidden) == (1, "x", [], "h")
    q = Plain(2, items=[3], b="y")
    assert (q.a, q.b, q.items) == (2, "y", [3])
    assert Plain(1).items is not Plain(1).items  # a fresh list each time


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Plain(), "missing required argument: 'a'"),  # type: ignore[call-arg]
        (lambda: Plain(1, nope=2), "unexpected keyword argument(s) nope"),  # type: ignore[call-arg]
        (lambda: Plain(1, a=2), "multiple values for 'a'"),  # type: ignore[misc]
        (lambda: Point(1, 2, 3), "takes 2 arguments but 3 were given"),  # type: ignore[call-arg]
    ],
)
def test_bad_arguments_raise_type_error(make: object, message: str) -> None:
    with pytest.raises(TypeError, match=message.replace("(", r"\(").replace(")", r"\)")):
        make()  # type: ignore[operator]


def test_repr_and_equality_follow_field_flags() -> None:
    assert repr(Plain(1)) == "Plain(a=1, b='x', items=[])"
    assert Plain(1, hidden="one") == Plain(1, hidden="two")  # compare=False
    assert Plain(1) != Plain(2)
    assert Plain(1) != Point(1)  # type: ignore[comparison-overlap]


def test_frozen_records_are_immutable_and_hashable() -> None:
    p = Point(1, 2)
    with pytest.raises(FrozenInstanceError):
        p.x = 5  # type: ignore[misc]
    assert hash(p) == hash(Point(1, 2)) and {p, Point(1, 2)} == {p}
    with pytest.raises(TypeError):
        hash(Plain(1))  # mutable records are unhashable, as dataclasses


def test_slots_and_pickling() -> None:
    assert not hasattr(Point(1), "__dict__") and not hasattr(Box(1), "__dict__")
    for obj in (Point(3, 4), Box(5, ["t"]), Plain(6, items=[7])):
        assert pickle.loads(pickle.dumps(obj)) == obj


def test_replace_copies_with_changes() -> None:
    p = Point(1, 2)
    assert replace(p, y=9) == Point(1, 9) and p == Point(1, 2)
    with pytest.raises(TypeError, match="no field"):
        replace(p, z=1)
