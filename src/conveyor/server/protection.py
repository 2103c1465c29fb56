"""Environment protection rules, as GitHub defines them, plus deploy windows: whether a
job may deploy from its ref, and whether it must wait (reviewers, timer, window)."""

from __future__ import annotations

import json
import time
from typing import Any

from conveyor.records import field, record

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@record(frozen=True, slots=True)
class Rules:
    name: str
    reviewers: list[str] = field(default_factory=list)  # [] and not required: no review
    required: bool = False  # a review by anyone with the approve scope
    prevent_self_review: bool = False
    wait_timer: int = 0  # minutes after approval (or queueing) before the job starts
    branches: list[str] = field(default_factory=list)  # allowed branch patterns; []: any
    tags: list[str] = field(default_factory=list)
    # [{"days": ["mon".."fri"], "start": "09:00", "end": "17:00", "timezone": "UTC"}]
    windows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def needs_review(self) -> bool:
        return self.required or bool(self.reviewers)


def rules_from_row(row: Any, name: str) -> Rules:
    return Rules(
        name=name,
        reviewers=json.loads(row.reviewers or "[]"),
        required=bool(row.required) or bool(json.loads(row.reviewers or "[]")),
        prevent_self_review=row.prevent_self_review,
        wait_timer=row.wait_timer,
        branches=json.loads(row.branches or "[]"),
        tags=json.loads(row.tags or "[]"),
        windows=json.loads(row.windows or "[]"),
    )


def ref_allowed(rules: Rules, ref: str) -> str | None:
    """None when ``ref`` may deploy; else GitHub's message for the refusal."""
    if not rules.branches and not rules.tags:
        return None
    kind, _, name = ref.removeprefix("refs/").partition("/")
    patterns = rules.branches if kind == "heads" else rules.tags if kind == "tags" else []
    if any(_match(p, name) for p in patterns):
        return None
    what = "Branch" if kind == "heads" else "Tag" if kind == "tags" else "Ref"
    return (
        f'{what} "{name or ref}" is not allowed to deploy to {rules.name} due to environment '
        "protection rules."
    )


def _match(pattern: str, name: str) -> bool:
    """GitHub's deployment branch patterns (Ruby's File.fnmatch): ``*`` does not cross
    ``/``, ``**`` does, ``?`` is one character, ``[...]`` a class."""
    import re

    out, i = "", 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**", i):
            out += ".*"
            i += 2
            continue
        if c == "*":
            out += "[^/]*"
        elif c == "?":
            out += "[^/]"
        elif c == "[":
            end = pattern.find("]", i + 1)
            if end < 0:
                out += re.escape(c)
            else:
                body = pattern[i + 1 : end].replace("\\", "\\\\")
                out += "[" + ("^" + body[1:] if body.startswith("!") else body) + "]"
                i = end
        else:
            out += re.escape(c)
        i += 1
    return re.fullmatch(out, name) is not None


def window_open(rules: Rules, at: float | None = None) -> str | None:
    """None when a deploy may start now; else why not and when it may."""
    if not rules.windows:
        return None
    from datetime import datetime
    from zoneinfo import ZoneInfo

    t = time.time() if at is None else at
    shown = []
    for w in rules.windows:
        tz = ZoneInfo(str(w.get("timezone", "UTC")))
        local = datetime.fromtimestamp(t, tz)
        days = [str(d).lower()[:3] for d in w.get("days", DAYS)]
        start, end = str(w.get("start", "00:00")), str(w.get("end", "24:00"))
        hm = local.strftime("%H:%M")
        if DAYS[local.weekday()] in days and start <= hm < end:
            return None
        shown.append(f"{','.join(days)} {start}-{end} {tz.key}")
    return "outside the deploy windows of " + rules.name + ": " + "; ".join(shown)


def check_windows(windows: Any) -> list[dict[str, Any]]:
    """Deploy windows as given by a user, checked; ValueError says what is wrong."""
    import re
    from zoneinfo import ZoneInfo

    if not isinstance(windows, list):
        raise ValueError("windows: a list of {days, start, end, timezone}")
    for w in windows:
        if not isinstance(w, dict):
            raise ValueError("windows: each window is a mapping")
        for key in ("start", "end"):
            v = str(w.get(key, "00:00"))
            if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d|24:00", v):
                raise ValueError(f"windows: {key} '{v}' is not HH:MM")
        for d in w.get("days", []):
            if str(d).lower()[:3] not in DAYS:
                raise ValueError(f"windows: unknown day '{d}'")
        try:
            ZoneInfo(str(w.get("timezone", "UTC")))
        except Exception:
            raise ValueError(f"windows: unknown timezone '{w.get('timezone')}'") from None
    return windows
