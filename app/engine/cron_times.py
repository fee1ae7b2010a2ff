"""When a cron schedule fires: validation and the next fire times, in UTC, across DST.

Expressions have 5 fields (minute hour day-of-month month weekday) or 6 with a seconds
field first (`*/5 * * * * *`, as node-cron and n8n write it). Times are worked out in the
schedule's local wall-clock time and then placed on the UTC line:

- a wall-clock time that does not exist (the spring-forward gap) fires once, at the first
  instant after it that exists (Europe/Berlin 2025-03-30 02:30 -> 03:00 local);
- a wall-clock time that happens twice (fall-back) fires once, at its first occurrence.

So the fire times of a schedule are strictly increasing and never repeat.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import cache
from itertools import islice
from zoneinfo import ZoneInfo, available_timezones

from croniter import CroniterError, croniter

__all__ = [
    "CRON_FIELDS",
    "check_cron",
    "check_timezone",
    "fire_times_between",
    "has_seconds",
    "next_fire_times",
    "timezone_names",
]

CRON_FIELDS = ("minute", "hour", "day of month", "month", "weekday")
_SECOND = timedelta(seconds=1)
# Jenkins-style hashed (`H`) and random (`R`) values: not the same times in every process.
_HASHED_OR_RANDOM = re.compile(r"(?i)(^|[,/-])[HR](?![a-z])")
_ALLOWED = re.compile(r"^[0-9A-Za-z*?/,#-]+$")
# Far enough ahead to find a yearly or leap-day expression, and to give up on one that
# never matches (30 February) quickly.
_YEARS_AHEAD = 8


def _fields(cron: str) -> list[str]:
    return cron.split()


def has_seconds(cron: str) -> bool:
    """Whether the expression has a seconds field (6 fields, seconds first)."""
    return len(_fields(cron)) == 6


def _iterator(cron: str, start: datetime) -> croniter:
    return croniter(
        cron,
        start,
        second_at_beginning=has_seconds(cron),
        max_years_between_matches=_YEARS_AHEAD,
    )


def check_cron(cron: str) -> str:
    """The expression with its fields separated by single spaces.

    Raises:
        ValueError: not 5 or 6 fields, a field out of range or malformed, or an expression
            that never fires (30 February); the message says which.
    """
    fields = _fields(cron)
    if len(fields) not in (5, 6):
        raise ValueError(
            "A cron expression has 5 fields (minute hour day-of-month month weekday), or 6"
            f" with a seconds field first; this one has {len(fields)}"
        )
    for field in fields:
        if not _ALLOWED.fullmatch(field):
            raise ValueError(f"The cron field {field[:40]!r} holds characters cron does not use")
        if _HASHED_OR_RANDOM.search(field):
            raise ValueError(f"Hashed or random cron values ({field[:40]!r}) are not supported")
    normal = " ".join(fields)
    try:
        _iterator(normal, datetime(2000, 1, 1)).get_next(datetime)
    except CroniterError as exc:
        if "find next date" in str(exc):
            raise ValueError(f"The cron expression {normal!r} never fires") from exc
        raise ValueError(f"Invalid cron expression {normal!r}: {exc}") from exc
    return normal


@cache
def timezone_names() -> tuple[str, ...]:
    """Every IANA timezone name this machine knows, sorted (not `localtime`: a copy of the
    server's own zone, which would change with the machine)."""
    return tuple(sorted(available_timezones() - {"localtime"}))


@cache
def _timezones() -> frozenset[str]:
    return frozenset(timezone_names())


def check_timezone(name: str) -> str:
    """The name, when it is an IANA timezone (`Europe/Berlin`, `UTC`).

    Raises:
        ValueError: no such timezone.
    """
    if name not in _timezones():
        raise ValueError(f"Unknown timezone {name[:80]!r}: use an IANA name like Europe/Berlin")
    return name


def _wall(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None)


def _first_instant(lo: datetime, hi: datetime, reached: Callable[[datetime], bool]) -> datetime:
    """The first whole second in (lo, hi] where `reached` holds (it holds at hi and, once
    true, stays true)."""
    low, high = int(lo.timestamp()), int(hi.timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        if reached(datetime.fromtimestamp(middle, UTC)):
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


def _gap_end(wall: datetime, zone: ZoneInfo) -> datetime:
    """The first instant after a wall-clock time that does not exist (the DST gap's end)."""
    before = wall.replace(tzinfo=zone, fold=0).utcoffset()
    after = wall.replace(tzinfo=zone, fold=1).utcoffset()
    assert before is not None and after is not None
    lo = (wall - after).replace(tzinfo=UTC)
    hi = (wall - before).replace(tzinfo=UTC)
    return _first_instant(lo, hi, lambda x: _wall(x, zone) >= wall)


def _repeat_end(instant: datetime, zone: ZoneInfo) -> datetime:
    """The end of the repeated hour `instant` lies in the second pass of (fall-back)."""
    local = instant.astimezone(zone)
    first = local.replace(fold=0).utcoffset()
    second = local.utcoffset()
    assert first is not None and second is not None
    return _first_instant(
        instant, instant + (first - second), lambda x: x.astimezone(zone).fold == 0
    )


def _fire_times(cron: str, zone: ZoneInfo, after: datetime) -> Iterator[datetime]:
    """Every fire time strictly after `after` (aware), in order, as aware UTC datetimes."""
    start = after.astimezone(UTC)
    if start.astimezone(zone).fold == 1:
        # The wall-clock times of this repeated hour fired in its first pass already.
        start = max(start, _repeat_end(start, zone) - _SECOND)
    walls = _iterator(cron, _wall(start, zone).replace(microsecond=0))
    last = after
    while True:
        try:
            wall = walls.get_next(datetime)
        except CroniterError:  # no further match within the years croniter searches
            return
        instant = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
        if _wall(instant, zone) != wall:
            instant = _gap_end(wall, zone)
            # The rest of the gap maps to the same instant: continue from its end.
            walls = _iterator(cron, _wall(instant, zone) - _SECOND)
        if instant > last:
            last = instant
            yield instant


def next_fire_times(cron: str, timezone: str, *, after: datetime, count: int) -> list[datetime]:
    """The next `count` fire times strictly after `after`.

    Args:
        cron: a valid expression (see `check_cron`).
        timezone: the IANA timezone its wall-clock times are in.
        after: an aware datetime.
        count: how many to return (fewer only when the expression stops matching).

    Returns:
        Aware UTC datetimes, strictly increasing.
    """
    return list(islice(_fire_times(cron, ZoneInfo(timezone), after), max(count, 0)))


def fire_times_between(
    cron: str, timezone: str, start: datetime, end: datetime, limit: int
) -> list[datetime]:
    """The fire times in (start, end], oldest first, at most `limit` of them.

    Args:
        cron: a valid expression (see `check_cron`).
        timezone: the IANA timezone its wall-clock times are in.
        start: aware; excluded (e.g. the last time fired).
        end: aware; included (e.g. now).
        limit: the most to return (the oldest ones).

    Returns:
        Aware UTC datetimes, strictly increasing.
    """
    times: list[datetime] = []
    for instant in _fire_times(cron, ZoneInfo(timezone), start):
        if instant > end or len(times) >= limit:
            break
        times.append(instant)
    return times
