"""Cron fire times: validation, seconds, and the DST policy (a missing wall-clock time fires
once at the first instant after it, a repeated one fires once, at its first occurrence)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.cron_times import _repeat_end as repeat_end
from app.engine.cron_times import (
    check_cron,
    check_timezone,
    fire_times_between,
    has_seconds,
    next_fire_times,
)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def on_day(cron: str, zone: str, day: datetime) -> list[datetime]:
    """The fire times during the UTC day before and after `day` (a 3-day window)."""
    return fire_times_between(cron, zone, day - timedelta(days=1), day + timedelta(days=2), 100)


@pytest.mark.parametrize(
    ("zone", "cron", "day", "expected"),
    [
        # Spring forward: 02:30 does not exist, runs at 03:00 local (the gap's end).
        ("Europe/Berlin", "30 2 * * *", utc(2025, 3, 30), utc(2025, 3, 30, 1, 0)),
        ("America/New_York", "30 2 * * *", utc(2025, 3, 9), utc(2025, 3, 9, 7, 0)),
        # Fall back: 02:30 (Berlin) and 01:30 (New York) happen twice, run at the first.
        ("Europe/Berlin", "30 2 * * *", utc(2025, 10, 26), utc(2025, 10, 26, 0, 30)),
        ("America/New_York", "30 1 * * *", utc(2025, 11, 2), utc(2025, 11, 2, 5, 30)),
    ],
)
def test_a_dst_day_runs_exactly_once_at_the_right_instant(
    zone: str, cron: str, day: datetime, expected: datetime
) -> None:
    times = on_day(cron, zone, day)
    on_that_day = [t for t in times if t.astimezone(ZoneInfo(zone)).date() == day.date()]
    assert on_that_day == [expected]
    assert len(times) == 3  # the day before and after still run once each


def test_every_time_in_a_gap_collapses_into_one_run_at_its_end() -> None:
    times = next_fire_times("*/20 * * * *", "Europe/Berlin", after=utc(2025, 3, 30, 0, 30), count=5)
    # 01:40 CET, then 02:00/02:20/02:40 (missing) -> 03:00 CEST once, then 03:20, 03:40...
    assert times == [
        utc(2025, 3, 30, 0, 40),
        utc(2025, 3, 30, 1, 0),
        utc(2025, 3, 30, 1, 20),
        utc(2025, 3, 30, 1, 40),
        utc(2025, 3, 30, 2, 0),
    ]


def test_the_second_pass_of_a_repeated_hour_does_not_run_again() -> None:
    # 06:30 UTC is 01:30 EST, the repeated hour's second pass: 01:40 already ran at 05:40.
    times = next_fire_times(
        "*/20 * * * *", "America/New_York", after=utc(2025, 11, 2, 6, 30), count=2
    )
    assert times == [utc(2025, 11, 2, 7, 0), utc(2025, 11, 2, 7, 20)]


def test_seconds_come_first_in_six_fields() -> None:
    assert has_seconds("*/5 * * * * *") and not has_seconds("*/5 * * * *")
    times = next_fire_times("*/5 * * * * *", "UTC", after=utc(2025, 1, 1, 0, 0, 2), count=3)
    assert times == [utc(2025, 1, 1, 0, 0, 5), utc(2025, 1, 1, 0, 0, 10), utc(2025, 1, 1, 0, 0, 15)]
    # `30 0 9 * * *`: 09:00:30, not second 9 of minute 0.
    assert next_fire_times("30 0 9 * * *", "UTC", after=utc(2025, 1, 1), count=1) == [
        utc(2025, 1, 1, 9, 0, 30)
    ]


def test_times_are_in_the_schedules_timezone_and_strictly_after() -> None:
    after = utc(2025, 1, 6, 8, 0)  # a Monday, 09:00 in Berlin
    times = next_fire_times("0 9 * * 1", "Europe/Berlin", after=after, count=2)
    assert times == [utc(2025, 1, 13, 8, 0), utc(2025, 1, 20, 8, 0)]
    assert all(t.tzinfo is UTC for t in times)


def test_fire_times_between_excludes_the_start_includes_the_end_and_stops_at_the_limit() -> None:
    start, end = utc(2025, 1, 1), utc(2025, 1, 1, 3)
    assert fire_times_between("0 * * * *", "UTC", start, end, 10) == [
        utc(2025, 1, 1, 1),
        utc(2025, 1, 1, 2),
        utc(2025, 1, 1, 3),
    ]
    assert fire_times_between("0 * * * *", "UTC", start, end, 2) == [
        utc(2025, 1, 1, 1),
        utc(2025, 1, 1, 2),
    ]


@pytest.mark.parametrize(
    ("cron", "message"),
    [
        ("* * *", "5 fields"),
        ("0 0 * * * * *", "this one has 7"),
        ("61 * * * *", "out of range"),
        ("0 0 30 2 *", "never fires"),
        ("H * * * *", "Hashed or random"),
        ("R * * * *", "Hashed or random"),
        ("0 0 * * $", "characters cron does not use"),
        ("", "this one has 0"),
    ],
)
def test_invalid_expressions_are_refused_with_a_clear_message(cron: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_cron(cron)


def test_valid_expressions_come_back_with_single_spaces() -> None:
    assert check_cron("  0   9 * *  mon-fri ") == "0 9 * * mon-fri"


@pytest.mark.parametrize("name", ["Mars/Olympus", "utc ", "../etc/passwd", "", "localtime"])
def test_unknown_timezones_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="Unknown timezone"):
        check_timezone(name)
    assert check_timezone("Europe/Berlin") == "Europe/Berlin"


CRONS = st.sampled_from(
    [
        "* * * * *",
        "*/20 * * * *",
        "30 2 * * *",
        "30 1 * * *",
        "0 */3 * * *",
        "15,45 0-3 * * *",
        "*/30 * * * * *",
        "0 0 1 * *",
        "0 9 * * 1-5",
    ]
)
ZONES = st.sampled_from(
    ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"]
)
STARTS = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=50, deadline=None)
@given(cron=CRONS, zone=ZONES, after=STARTS)
def test_next_times_strictly_increase_after_the_start(
    cron: str, zone: str, after: datetime
) -> None:
    times = next_fire_times(cron, zone, after=after, count=8)
    assert len(times) == 8
    assert times[0] > after
    assert all(a < b for a, b in pairwise(times))
    # Asking again from any of them continues the same sequence.
    assert next_fire_times(cron, zone, after=times[2], count=5) == times[3:8]


def test_the_second_pass_of_a_repeated_hour_is_skipped_not_walked() -> None:
    # A seconds schedule asked from inside the second pass starts at the hour's end instead
    # of stepping through 3,600 wall-clock times that all ran in the first pass.
    zone = ZoneInfo("America/New_York")
    assert repeat_end(utc(2025, 11, 2, 6, 30, 5), zone) == utc(2025, 11, 2, 7, 0)
    assert next_fire_times(
        "* * * * * *", "America/New_York", after=utc(2025, 11, 2, 6), count=1
    ) == [utc(2025, 11, 2, 7, 0, 0)]
