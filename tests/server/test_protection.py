"""Environment protection rules: GitHub's deployment branch patterns and Conveyor's
deploy windows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from conveyor.server.protection import Rules, check_windows, ref_allowed, window_open


@pytest.mark.parametrize(
    ("patterns", "ref", "allowed"),
    [
        (["main"], "refs/heads/main", True),
        (["main"], "refs/heads/mainline", False),
        (["release/*"], "refs/heads/release/1.2", True),
        (["release/*"], "refs/heads/release/1.2/hotfix", False),  # * stops at /
        (["release/**"], "refs/heads/release/1.2/hotfix", True),  # ** crosses it
        (["v?"], "refs/heads/v1", True),
        (["[ab]*"], "refs/heads/beta", True),
        (["[!ab]*"], "refs/heads/beta", False),
    ],
)
def test_branch_patterns(patterns: list[str], ref: str, allowed: bool) -> None:
    rules = Rules(name="production", branches=patterns)
    assert (ref_allowed(rules, ref) is None) is allowed


def test_messages_name_the_ref_as_github_does() -> None:
    rules = Rules(name="production", branches=["main"], tags=["v*"])
    assert ref_allowed(rules, "refs/heads/dev") == (
        'Branch "dev" is not allowed to deploy to production due to environment protection rules.'
    )
    assert ref_allowed(rules, "refs/tags/v2") is None
    assert ref_allowed(
        rules,
        "refs/tags/nightly",
    ) == (
        'Tag "nightly" is not allowed to deploy to production due to environment protection rules.'
    )
    assert ref_allowed(Rules(name="dev"), "refs/heads/anything") is None  # no rules: any ref


def test_deploy_windows_by_day_hour_and_time_zone() -> None:
    weekdays = {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00",
                "timezone": "Europe/Berlin"}  # fmt: skip
    rules = Rules(name="production", windows=[weekdays])
    tuesday_10_berlin = datetime(2026, 12, 1, 9, 0, tzinfo=UTC).timestamp()  # CET = UTC+1
    tuesday_18_berlin = datetime(2026, 12, 1, 17, 0, tzinfo=UTC).timestamp()
    saturday_noon = datetime(2026, 12, 5, 11, 0, tzinfo=UTC).timestamp()
    assert window_open(rules, tuesday_10_berlin) is None
    closed = window_open(rules, tuesday_18_berlin)
    assert closed is not None and "09:00-17:00 Europe/Berlin" in closed
    assert window_open(rules, saturday_noon) is not None
    assert window_open(Rules(name="dev"), saturday_noon) is None


@pytest.mark.parametrize(
    ("windows", "message"),
    [
        ([{"start": "9:00"}], "start '9:00' is not HH:MM"),
        ([{"end": "25:00"}], "end '25:00' is not HH:MM"),
        ([{"days": ["funday"]}], "unknown day 'funday'"),
        ([{"timezone": "Mars/Olympus"}], "unknown timezone 'Mars/Olympus'"),
        ({"start": "09:00"}, "a list of"),
    ],
)
def test_bad_windows_are_refused_with_the_reason(windows: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_windows(windows)
