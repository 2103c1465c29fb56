from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from conveyor.records import record
from conveyor.server import cron


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("*/15", {0, 15, 30, 45}),
        ("1-30/5", {1, 6, 11, 16, 21, 26}),
        ("3/20", {3, 23, 43}),
        ("5,7,9-11", {5, 7, 9, 10, 11}),
        ("59", {59}),
    ],
)
def test_minute_field_forms(field: str, expected: set[int]) -> None:
    assert cron.parse(f"{field} * * * *").minutes == expected


def test_names_in_any_case_and_ranges() -> None:
    spec = cron.parse("0 9 * jan-Mar,DEC mon-fri")
    assert spec.months == {1, 2, 3, 12}
    assert spec.weekdays == {1, 2, 3, 4, 5}
    assert cron.parse("0 0 * * SUN,sat").weekdays == {0, 6}
    assert cron.parse("0 0 * * */2").weekdays == {0, 2, 4, 6}


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("* * * *", "expected 5 fields"),
        ("* * * * * *", "expected 5 fields"),
        ("60 * * * *", "minute: 60 is outside 0-59"),
        ("* 24 * * *", "hour: 24 is outside 0-23"),
        ("* * 0 * *", "day of month: 0 is outside 1-31"),
        ("* * * 13 *", "month: 13 is outside 1-12"),
        ("0 0 * * 7", "use 0 or SUN for Sunday"),
        ("*/0 * * * *", "step '0' must be a positive number"),
        ("30-10 * * * *", "runs backwards"),
        ("1,,2 * * * *", "empty list item"),
        ("@daily * * * *", "not a number"),
        ("0 0 L * *", "not a number"),
        ("0 0 ? * MON", "not a number"),
        ("0 0 * FOO *", "(or JAN-DEC)"),
        ("0 0 30 2 *", "would never run"),
        ("0 0 31 4,6,9,11 *", "would never run"),
    ],
)
def test_invalid_expressions(expr: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(f"cron '{expr}'")) as caught:
        cron.parse(expr)
    assert message in str(caught.value)


def test_a_missing_day_is_fine_when_day_of_week_may_fire_instead() -> None:
    spec = cron.parse("0 0 31 2 MON")
    assert cron.next_after(spec, datetime(2024, 1, 30)) == datetime(2024, 2, 5)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, sec: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, sec, tzinfo=UTC)


@pytest.mark.parametrize(
    ("expr", "after", "expected"),
    [
        ("*/15 * * * *", at(2024, 5, 1, 12, 0), at(2024, 5, 1, 12, 15)),
        ("*/15 * * * *", at(2024, 5, 1, 12, 59, 59), at(2024, 5, 1, 13, 0)),
        ("* * * * *", at(2024, 5, 1, 12, 0, 30), at(2024, 5, 1, 12, 1)),
        ("30 5,17 * * *", at(2024, 5, 1, 17, 30), at(2024, 5, 2, 5, 30)),
        ("0 0 1 1 *", at(2024, 6, 1), at(2025, 1, 1)),
        ("59 23 31 12 *", at(2024, 12, 31, 23, 59), at(2025, 12, 31, 23, 59)),
        ("0 0 29 2 *", at(2097, 3, 1), at(2104, 2, 29)),  # 2100 is not a leap year
        ("0 12 * * MON-FRI", at(2024, 5, 3, 12, 0), at(2024, 5, 6, 12, 0)),  # Fri → Mon
        # both day fields restricted: the 13th OR any Friday
        ("0 0 13 * FRI", at(2024, 5, 4), at(2024, 5, 10)),
        ("0 0 13 * FRI", at(2024, 5, 10), at(2024, 5, 13)),
        # "*/…" in day-of-month counts as unrestricted: odd days AND Mondays
        ("0 0 */2 * MON", at(2024, 5, 1), at(2024, 5, 13)),
    ],
)
def test_next_after(expr: str, after: datetime, expected: datetime) -> None:
    assert cron.next_after(cron.parse(expr), after) == expected


def test_next_after_keeps_naive_or_aware_and_converts_to_utc() -> None:
    spec = cron.parse("0 * * * *")
    naive = cron.next_after(spec, datetime(2024, 5, 1, 10, 30))
    assert naive == datetime(2024, 5, 1, 11, 0) and naive.tzinfo is None
    berlin_summer = timezone(timedelta(hours=2))
    aware = cron.next_after(spec, datetime(2024, 5, 1, 10, 30, tzinfo=berlin_summer))
    assert aware == at(2024, 5, 1, 9, 0) and aware.tzinfo == UTC


def test_due() -> None:
    spec = cron.parse("*/15 * * * *")
    last = at(2024, 5, 1, 12, 0)
    assert not cron.due(spec, last, at(2024, 5, 1, 12, 14, 59))
    assert cron.due(spec, last, at(2024, 5, 1, 12, 15))
    assert cron.due(spec, last, at(2024, 5, 2))
    assert not cron.due(spec, last, last)


@pytest.mark.parametrize(
    ("expr", "warns"),
    [
        ("* * * * *", True),
        ("*/2 * * * *", True),
        ("*/5 * * * *", False),
        ("0,2 9 * * *", True),
        ("58 * * * *", False),
        ("0,58 * * * *", True),  # 10:58 then 11:00
        ("0,58 0,12 * * *", False),  # 00:58 is followed by 12:00
        ("0,58 0,23 * * *", True),  # 23:58 then the next day's 00:00
        ("0,58 0,23 1 * *", False),  # ...but only the 1st fires, so never two days running
        ("0,58 0,23 * * SAT,SUN", True),  # Saturday 23:58, Sunday 00:00
        ("0,58 0,23 * * SUN,TUE", False),
    ],
)
def test_interval_warning(expr: str, warns: bool) -> None:
    message = cron.interval_warning(expr)
    assert (message is not None) == warns
    if message:
        assert expr in message and "5 minutes" in message


# Property tests: a spec drawn as value sets, written out as an expression, and checked
# against a brute-force minute-by-minute matcher built from those sets (not from parse).

LIMITS = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 6))


@record(frozen=True, slots=True)
class Drawn:
    expr: str
    sets: tuple[frozenset[int], ...]
    stars: tuple[bool, ...]


@st.composite
def field(draw: st.DrawFn, low: int, high: int) -> tuple[str, frozenset[int], bool]:
    kind = draw(st.sampled_from(["star", "star-step", "value", "range", "range-step", "list"]))
    if kind == "star":
        return "*", frozenset(range(low, high + 1)), True
    if kind == "star-step":
        step = draw(st.integers(1, high - low + 1))
        return f"*/{step}", frozenset(range(low, high + 1, step)), True
    a = draw(st.integers(low, high))
    if kind == "value":
        return str(a), frozenset({a}), False
    b = draw(st.integers(a, high))
    if kind == "range":
        return f"{a}-{b}", frozenset(range(a, b + 1)), False
    if kind == "range-step":
        step = draw(st.integers(1, high - low + 1))
        return f"{a}-{b}/{step}", frozenset(range(a, b + 1, step)), False
    values = draw(st.lists(st.integers(low, high), min_size=1, max_size=4))
    return ",".join(map(str, values)), frozenset(values), False


def reference_matches(d: Drawn, t: datetime) -> bool:
    minutes, hours, days, months, weekdays = d.sets
    in_month, in_week = t.day in days, (t.isoweekday() % 7) in weekdays
    day = in_month and in_week if d.stars[2] or d.stars[4] else in_month or in_week
    return t.minute in minutes and t.hour in hours and t.month in months and day


@st.composite
def specs(draw: st.DrawFn) -> Drawn:
    fields = [draw(field(low, high)) for low, high in LIMITS]
    drawn = Drawn(
        " ".join(f[0] for f in fields), tuple(f[1] for f in fields), tuple(f[2] for f in fields)
    )
    try:
        cron.parse(drawn.expr)
    except ValueError as e:
        # only "would never run" (e.g. Feb 30) may be refused among well-formed specs
        assert "would never run" in str(e)
        assume(False)
    return drawn


TIMES = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 1, 1))
WINDOW = 3 * 24 * 60  # minutes searched by brute force


@settings(max_examples=150, deadline=None)
@given(specs(), TIMES)
def test_next_after_agrees_with_brute_force(drawn: Drawn, t: datetime) -> None:
    try:
        found = cron.next_after(cron.parse(drawn.expr), t)
    except ValueError:
        # only an AND of day fields that never meet within the horizon may find nothing
        assert drawn.stars[2] or drawn.stars[4]
        return
    assert found > t and found.second == 0 and found.microsecond == 0
    assert reference_matches(drawn, found)
    minute = t.replace(second=0, microsecond=0) + timedelta(minutes=1)
    for _ in range(WINDOW):
        if minute >= found:
            break
        assert not reference_matches(drawn, minute), f"{drawn.expr} fires at {minute} < {found}"
        minute += timedelta(minutes=1)


@settings(max_examples=100, deadline=None)
@given(specs(), TIMES)
def test_due_is_next_after_within_reach(drawn: Drawn, t: datetime) -> None:
    spec = cron.parse(drawn.expr)
    try:
        fire = cron.next_after(spec, t)
    except ValueError:
        return
    assert cron.due(spec, t, fire)
    assert not cron.due(spec, t, fire - timedelta(seconds=1))
