"""``on: schedule`` cron expressions, read the way GitHub Actions reads them: five POSIX
fields (minute hour day-of-month month day-of-week), in UTC.

Operators: ``*``, lists ``1,5``, ranges ``1-5``, steps ``*/15``, ``1-30/5`` and ``3/5``
(from 3 to the field's end), month names JAN-DEC and day names SUN-SAT in any case.
Day-of-week is 0-6 with 0 Sunday; GitHub rejects 7, so do we. When both day fields are
restricted a day matching either one fires (classic cron); a field starting with ``*``
(``*/2`` too) counts as unrestricted, as in Vixie cron.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

from conveyor.records import record

_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
_NONE: tuple[str, ...] = ()
# name, lowest, highest, names (numbered from lowest)
_FIELDS = (
    ("minute", 0, 59, _NONE),
    ("hour", 0, 23, _NONE),
    ("day of month", 1, 31, _NONE),
    ("month", 1, 12, _MONTHS),
    ("day of week", 0, 6, _DAYS),
)
_LONGEST = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
# Feb 29 recurs within 8 years (2096 → 2104); past that a search has found nothing
_HORIZON = timedelta(days=366 * 9)
SHORTEST_MINUTES = 5


@record(frozen=True, slots=True)
class CronSpec:
    expr: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    days_star: bool
    weekdays_star: bool


def _value(text: str, field: str, low: int, high: int, names: tuple[str, ...]) -> int:
    if text.upper() in names:
        return low + names.index(text.upper())
    if not text.isdigit():
        hint = f" (or {names[0]}-{names[-1]})" if names else ""
        raise ValueError(f"{field}: {text!r} is not a number{hint}")
    value = int(text)
    if not low <= value <= high:
        extra = "; use 0 or SUN for Sunday" if field == "day of week" and value == 7 else ""
        raise ValueError(f"{field}: {value} is outside {low}-{high}{extra}")
    return value


def _field(text: str, field: str, low: int, high: int, names: tuple[str, ...]) -> set[int]:
    values: set[int] = set()
    for item in text.split(","):
        if not item:
            raise ValueError(f"{field}: empty list item in {text!r}")
        body, slash, step_text = item.partition("/")
        step = 1
        if slash:
            if not step_text.isdigit() or int(step_text) == 0:
                raise ValueError(f"{field}: step {step_text!r} must be a positive number")
            step = int(step_text)
        if body == "*":
            first, last = low, high
        elif "-" in body:
            a, _, b = body.partition("-")
            first, last = _value(a, field, low, high, names), _value(b, field, low, high, names)
            if first > last:
                raise ValueError(f"{field}: range {body!r} runs backwards")
        else:
            first = _value(body, field, low, high, names)
            last = high if slash else first  # "3/5": from 3 to the end in steps of 5
        values.update(range(first, last + 1, step))
    return values


def parse(expr: str) -> CronSpec:
    """A schedule's five fields; ValueError says which field is wrong and why."""
    parts = expr.split()
    if len(parts) != 5:
        raise ValueError(
            f"cron {expr!r}: expected 5 fields (minute hour day-of-month month day-of-week), "
            f"got {len(parts)}"
        )
    try:
        sets = [_field(p, *spec) for p, spec in zip(parts, _FIELDS, strict=True)]
    except ValueError as e:
        raise ValueError(f"cron {expr!r}: {e}") from None
    minutes, hours, days, months, weekdays = sets
    spec = CronSpec(
        expr=expr,
        minutes=frozenset(minutes),
        hours=frozenset(hours),
        days=frozenset(days),
        months=frozenset(months),
        weekdays=frozenset(weekdays),
        days_star=parts[2].startswith("*"),
        weekdays_star=parts[4].startswith("*"),
    )
    # with day-of-week restricted a day always comes; without, the month days must exist
    if spec.weekdays_star and not any(d <= _LONGEST[m - 1] for m in months for d in days):
        raise ValueError(f"cron {expr!r}: no month in it has such a day; it would never run")
    return spec


def _day_matches(spec: CronSpec, t: datetime) -> bool:
    in_month = t.day in spec.days
    in_week = (t.isoweekday() % 7) in spec.weekdays
    if spec.days_star or spec.weekdays_star:
        return in_month and in_week
    return in_month or in_week


def matches(spec: CronSpec, t: datetime) -> bool:
    """Whether the schedule fires at minute ``t`` (taken as UTC)."""
    return (
        t.minute in spec.minutes
        and t.hour in spec.hours
        and t.month in spec.months
        and _day_matches(spec, t)
    )


def next_after(spec: CronSpec, t: datetime) -> datetime:
    """The first minute strictly after ``t`` at which the schedule fires. An aware ``t`` is
    converted to UTC and the answer is aware (UTC); a naive one is read as UTC and the
    answer is naive."""
    aware = t.tzinfo is not None
    start = t.astimezone(UTC).replace(tzinfo=None) if aware else t
    c = start.replace(second=0, microsecond=0) + timedelta(minutes=1)
    limit = c + _HORIZON
    # jump over whole months, days and hours that cannot match, then step minutes
    while c < limit:
        if c.month not in spec.months:
            c = (c.replace(day=1) + timedelta(days=32)).replace(day=1, hour=0, minute=0)
        elif not _day_matches(spec, c):
            c = (c + timedelta(days=1)).replace(hour=0, minute=0)
        elif c.hour not in spec.hours:
            c = (c + timedelta(hours=1)).replace(minute=0)
        elif c.minute not in spec.minutes:
            later = [m for m in spec.minutes if m > c.minute]
            if later:
                c = c.replace(minute=min(later))
            else:
                c = (c + timedelta(hours=1)).replace(minute=0)
        else:
            return c.replace(tzinfo=UTC) if aware else c
    raise ValueError(f"cron {spec.expr!r}: does not fire within {_HORIZON.days} days of {t}")


def due(spec: CronSpec, last: datetime, now: datetime) -> bool:
    """Whether the schedule fired after ``last`` and at or before ``now``."""
    return next_after(spec, last) <= now


def _shortest_gap(spec: CronSpec) -> int:
    """The fewest minutes between two firings, in the worst case."""
    minutes = sorted(spec.minutes)
    gaps = [b - a for a, b in pairwise(minutes)]
    inner = min(gaps, default=60)
    wrap = 60 - minutes[-1] + minutes[0]  # :58 then the next hour's :00
    if wrap >= inner:
        return inner
    # the wrap only counts when two hours in a row fire: in a day, or 23:xx to 00:xx
    hours = spec.hours
    if any(h + 1 in hours for h in hours):
        return wrap
    if 23 in hours and 0 in hours:
        day = datetime(2000, 1, 1)  # a 400-year cycle's first day, any would do
        for _ in range(366 * 8):
            if _matches_day(spec, day) and _matches_day(spec, day + timedelta(days=1)):
                return wrap
            day += timedelta(days=1)
    return inner


def _matches_day(spec: CronSpec, t: datetime) -> bool:
    return t.month in spec.months and _day_matches(spec, t)


def interval_warning(expr: str) -> str | None:
    """A message when the schedule would fire more often than every 5 minutes, which GitHub
    never does (it runs a schedule at most once every 5 minutes); None otherwise."""
    gap = _shortest_gap(parse(expr))
    if gap >= SHORTEST_MINUTES:
        return None
    every = "every minute" if gap == 1 else f"{gap} minutes apart"
    return (
        f"cron {expr!r} fires {every} at times; GitHub runs a schedule at most once every "
        f"{SHORTEST_MINUTES} minutes, so it will run less often there"
    )
