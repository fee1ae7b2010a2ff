"""Which of a schedule's due fire times run now, and which are recorded as missed.

A fire time runs when it is started within its schedule's grace time. Later than that (the
scheduler was not running: no leader, downtime) it is a misfire: `catch_up` runs the newest
misfired time once when nothing else runs now and records the others `missed`; `skip`
records them all `missed`. At most `MAX_MISSED_RECORDS` misfires are recorded per
catch-up (the newest), and the oldest recorded one says how many older ones were not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from app.engine.cron_times import fire_times_between, next_fire_times
from app.models.schedule import MisfirePolicy

MAX_MISSED_RECORDS = 1_000
# A backlog longer than this many chunks of MAX_MISSED_RECORDS is not walked to its end.
MAX_CHUNKS = 100
DOWNTIME_REASON = "the scheduler was not running"
OVERLAP_REASON = "the previous run was still running"


@dataclass(frozen=True)
class FirePlan:
    """What to do with a schedule's due fire times.

    Attributes:
        run: fire times to start now, oldest first.
        missed: fire times not run, with their reasons, oldest first.
        next_fire_at: the schedule's next fire time after now.
    """

    run: list[datetime]
    missed: list[tuple[datetime, str]]
    next_fire_at: datetime | None


@lru_cache(maxsize=4_096)
def _following(cron: str, timezone: str, after: datetime) -> datetime | None:
    """The first fire time after `after`. Cached: schedules sharing an expression (every
    hour, every minute) fire at the same instants and ask the same question."""
    times = next_fire_times(cron, timezone, after=after, count=1)
    return times[0] if times else None


def _due_times(
    cron: str, timezone: str, first: datetime, now: datetime
) -> tuple[list[datetime], int]:
    """Fire times from `first` (a fire time) through `now`: the newest
    `MAX_MISSED_RECORDS + 1`, and how many older ones were left out."""
    kept = [first]
    dropped = 0
    cursor = first
    for _ in range(MAX_CHUNKS):
        found = fire_times_between(cron, timezone, cursor, now, MAX_MISSED_RECORDS)
        fresh = [time for time in found if cursor < time <= now]
        kept.extend(fresh)
        if len(kept) > MAX_MISSED_RECORDS + 1:
            dropped += len(kept) - MAX_MISSED_RECORDS - 1
            kept = kept[-MAX_MISSED_RECORDS - 1 :]
        if not fresh or len(found) < MAX_MISSED_RECORDS:
            break
        cursor = fresh[-1]
    return kept, dropped


def plan_fires(
    *,
    cron: str,
    timezone: str,
    next_fire_at: datetime,
    grace_seconds: int,
    misfire_policy: str,
    now: datetime,
) -> FirePlan:
    """Split the fire times due by `now` (from `next_fire_at` on) into runs and misses.

    Args:
        next_fire_at: the oldest fire time the schedule still owes.
        now: the time the runs would start.

    Returns:
        The plan; nothing to run nor miss (and `next_fire_at` unchanged) before it is due.
    """
    if next_fire_at > now:
        return FirePlan([], [], next_fire_at)
    following = _following(cron, timezone, next_fire_at)
    if following is None or following > now:
        # On time (the usual case): one fire time due, and the next one is after now.
        past_grace = now > next_fire_at + timedelta(seconds=grace_seconds)
        if past_grace and misfire_policy != MisfirePolicy.CATCH_UP.value:
            return FirePlan([], [(next_fire_at, DOWNTIME_REASON)], following)
        return FirePlan([next_fire_at], [], following)
    due, dropped = _due_times(cron, timezone, next_fire_at, now)
    grace = timedelta(seconds=grace_seconds)
    run = [time for time in due if now <= time + grace]
    late = [time for time in due if now > time + grace]
    if late and not run and misfire_policy == MisfirePolicy.CATCH_UP.value:
        run = [late.pop()]
    missed = [(time, DOWNTIME_REASON) for time in late]
    if missed and dropped:
        missed[0] = (
            missed[0][0],
            f"{DOWNTIME_REASON}; {dropped} earlier missed fire times were not recorded "
            f"(at most {MAX_MISSED_RECORDS:,} are recorded per catch-up)",
        )
    return FirePlan(run, missed, _following(cron, timezone, now))
