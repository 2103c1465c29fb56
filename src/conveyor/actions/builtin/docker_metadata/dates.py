"""moment-timezone's ``format`` (English locale) for the ``date`` and ``commit_date``
expressions: ``{{date 'YYYYMMDD-HHmmss' tz='Asia/Tokyo'}}``."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from conveyor.actions.base import ActionFailed
from conveyor.actions.builtin.docker_metadata.js import js_str
from conveyor.actions.builtin.docker_metadata.template import Helper

_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August"]
_MONTHS += ["September", "October", "November", "December"]
_DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
_LONG_FORMATS = {
    "LTS": "h:mm:ss A",
    "LT": "h:mm A",
    "LLLL": "dddd, MMMM D, YYYY h:mm A",
    "LLL": "MMMM D, YYYY h:mm A",
    "LL": "MMMM D, YYYY",
    "L": "MM/DD/YYYY",
    "llll": "ddd, MMM D, YYYY h:mm A",
    "lll": "MMM D, YYYY h:mm A",
    "ll": "MMM D, YYYY",
    "l": "M/D/YYYY",
}
_LONG = re.compile(r"(\[[^\[]*\])|(\\)?(LTS|LT|LL?L?L?|l{1,4})")
_TOKENS = re.compile(
    r"(\[[^\[]*\])|(\\)?([Hh]mm(?:ss)?|Mo|MM?M?M?|Do|DDDo|DD?D?D?|ddd?d?|do?|w[o|w]?|W[o|W]?"
    r"|Qo?|N{1,5}|YYYYYY|YYYYY|YYYY|YY|y{2,4}|yo?|gg(?:ggg?)?|GG(?:GGG?)?|e|E|a|A|hh?|HH?"
    r"|kk?|mm?|ss?|S{1,9}|x|X|zz?|ZZ?|.)",
    re.DOTALL,
)
# letters moment reads as a token on their own (any other character is printed as is)
_TOKEN_LETTERS = set("MDdwWQNYygGeEaAhHkmsSxXzZ")


def _ordinal(n: int) -> str:
    if (n % 100) // 10 == 1:
        return f"{n}th"
    return f"{n}" + {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


def _week(d: datetime, dow: int, doy: int) -> tuple[int, int]:
    """(week, week-year) with weeks starting on ``dow`` and week 1 holding January ``7 + dow
    - doy`` (ISO: dow 1, doy 4; English locale: dow 0, doy 6)."""

    def first_offset(year: int) -> int:
        fwd = 7 + dow - doy
        weekday = (datetime(year, 1, fwd).isoweekday()) % 7  # 0 = Sunday
        return -((7 + weekday - dow) % 7) + fwd - 1

    def weeks_in(year: int) -> int:
        days = 366 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 365
        return (days - first_offset(year) + first_offset(year + 1)) // 7

    year = d.year
    week = (d.timetuple().tm_yday - first_offset(year) - 1) // 7 + 1
    if week < 1:
        return week + weeks_in(year - 1), year - 1
    if week > weeks_in(year):
        return week - weeks_in(year), year + 1
    return week, year


def _offset(d: datetime, sep: str) -> str:
    offset = d.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}{sep}{abs(minutes) % 60:02d}"


def _token(d: datetime, tok: str) -> str:
    h12 = d.hour % 12 or 12
    ms = d.microsecond // 1000
    simple: dict[str, Callable[[], str]] = {
        "M": lambda: str(d.month),
        "MM": lambda: f"{d.month:02d}",
        "MMM": lambda: _MONTHS[d.month - 1][:3],
        "MMMM": lambda: _MONTHS[d.month - 1],
        "Mo": lambda: _ordinal(d.month),
        "D": lambda: str(d.day),
        "DD": lambda: f"{d.day:02d}",
        "Do": lambda: _ordinal(d.day),
        "DDD": lambda: str(d.timetuple().tm_yday),
        "DDDD": lambda: f"{d.timetuple().tm_yday:03d}",
        "DDDo": lambda: _ordinal(d.timetuple().tm_yday),
        "d": lambda: str(d.isoweekday() % 7),
        "e": lambda: str(d.isoweekday() % 7),
        "do": lambda: _ordinal(d.isoweekday() % 7),
        "dd": lambda: _DAYS[d.isoweekday() % 7][:2],
        "ddd": lambda: _DAYS[d.isoweekday() % 7][:3],
        "dddd": lambda: _DAYS[d.isoweekday() % 7],
        "E": lambda: str(d.isoweekday()),
        "Q": lambda: str((d.month - 1) // 3 + 1),
        "Qo": lambda: _ordinal((d.month - 1) // 3 + 1),
        "Y": lambda: f"{d.year:04d}",
        "YY": lambda: f"{d.year % 100:02d}",
        "YYYY": lambda: f"{d.year:04d}",
        "YYYYY": lambda: f"{d.year:05d}",
        "YYYYYY": lambda: f"+{d.year:06d}",
        "W": lambda: str(_week(d, 1, 4)[0]),
        "WW": lambda: f"{_week(d, 1, 4)[0]:02d}",
        "Wo": lambda: _ordinal(_week(d, 1, 4)[0]),
        "GG": lambda: f"{_week(d, 1, 4)[1] % 100:02d}",
        "GGGG": lambda: f"{_week(d, 1, 4)[1]:04d}",
        "GGGGG": lambda: f"{_week(d, 1, 4)[1]:05d}",
        "w": lambda: str(_week(d, 0, 6)[0]),
        "ww": lambda: f"{_week(d, 0, 6)[0]:02d}",
        "wo": lambda: _ordinal(_week(d, 0, 6)[0]),
        "gg": lambda: f"{_week(d, 0, 6)[1] % 100:02d}",
        "gggg": lambda: f"{_week(d, 0, 6)[1]:04d}",
        "ggggg": lambda: f"{_week(d, 0, 6)[1]:05d}",
        "a": lambda: "am" if d.hour < 12 else "pm",
        "A": lambda: "AM" if d.hour < 12 else "PM",
        "H": lambda: str(d.hour),
        "HH": lambda: f"{d.hour:02d}",
        "h": lambda: str(h12),
        "hh": lambda: f"{h12:02d}",
        "k": lambda: str(d.hour or 24),
        "kk": lambda: f"{d.hour or 24:02d}",
        "m": lambda: str(d.minute),
        "mm": lambda: f"{d.minute:02d}",
        "s": lambda: str(d.second),
        "ss": lambda: f"{d.second:02d}",
        "hmm": lambda: f"{h12}{d.minute:02d}",
        "hmmss": lambda: f"{h12}{d.minute:02d}{d.second:02d}",
        "Hmm": lambda: f"{d.hour}{d.minute:02d}",
        "Hmmss": lambda: f"{d.hour}{d.minute:02d}{d.second:02d}",
        "x": lambda: str(int(d.timestamp() * 1000)),
        "X": lambda: str(int(d.timestamp())),
        "Z": lambda: _offset(d, ":"),
        "ZZ": lambda: _offset(d, ""),
        "z": lambda: d.tzname() or "",
        "zz": lambda: d.tzname() or "",
    }
    if tok in simple:
        return simple[tok]()
    if re.fullmatch(r"S{1,9}", tok):
        return f"{ms:03d}"[: len(tok)] if len(tok) <= 3 else f"{ms:03d}" + "0" * (len(tok) - 3)
    if re.fullmatch(r"N{1,5}", tok):
        return "AD" if len(tok) <= 3 else ("Anno Domini" if len(tok) == 4 else "AD")
    if len(tok) == 1 and tok not in _TOKEN_LETTERS:
        return tok
    raise ActionFailed(f"The date format token '{tok}' is not supported by conveyor")


def _zone(name: str) -> tzinfo:
    if name.upper() in ("UTC", "ETC/UTC", "Z"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ActionFailed(f"Unknown time zone '{name}' in a date expression") from None


def format_date(when: datetime, fmt: str | None, tz: str = "UTC") -> str:
    """``moment(when).tz(tz).format(fmt)``; without a format, ISO 8601 (``Z`` at offset 0)."""
    d = when.astimezone(_zone(tz))
    if not fmt:
        fmt = "YYYY-MM-DDTHH:mm:ssZ" if d.utcoffset() else "YYYY-MM-DDTHH:mm:ss[Z]"
    fmt = _LONG.sub(
        lambda m: m.group(0) if m.group(1) or m.group(2) else _LONG_FORMATS[m.group(3)], fmt
    )
    out: list[str] = []
    for m in _TOKENS.finditer(fmt):
        if m.group(1):
            out.append(m.group(1)[1:-1])
        elif m.group(2):
            out.append(m.group(3))
        else:
            out.append(_token(d, m.group(3)))
    return "".join(out)


def date_helper(when: datetime) -> Helper:
    """The action's ``date``/``commit_date`` expression: ``{{date 'FORMAT' tz='ZONE'}}``."""

    def helper(params: list[Any], hash_: dict[str, Any]) -> str:
        if len(params) != 1:
            raise ActionFailed("A date expression takes one format: {{date 'YYYYMMDD'}}")
        for key in hash_:
            if key != "tz":
                raise ActionFailed(f"Unknown {key} attribute")
        fmt = params[0]
        if fmt is not None and not isinstance(fmt, str):
            fmt = js_str(fmt)
        return format_date(when, fmt, js_str(hash_.get("tz", "UTC")))

    return helper
