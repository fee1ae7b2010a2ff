"""How schedules are shown: table and panel rows, fire-history rows, and fire times written
in the schedule's timezone and in the viewer's."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.engine.cron_times import has_seconds
from app.models.schedule import ScheduleFirePublic, SchedulePublic
from app.ui.state.display import format_ms, iso

# Offered by the timezone input's list (any IANA name may be typed).
COMMON_TIMEZONES = (
    "UTC",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Amsterdam",
    "Europe/Zurich",
    "Europe/Stockholm",
    "Europe/Warsaw",
    "Europe/Athens",
    "Europe/Helsinki",
    "Europe/Istanbul",
    "Europe/Moscow",
    "Africa/Cairo",
    "Africa/Johannesburg",
    "Africa/Lagos",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Tokyo",
    "Asia/Seoul",
    "Australia/Sydney",
    "Australia/Perth",
    "Pacific/Auckland",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Anchorage",
    "America/Toronto",
    "America/Mexico_City",
    "America/Sao_Paulo",
    "America/Buenos_Aires",
    "Pacific/Honolulu",
)


def zone(name: str) -> ZoneInfo | None:
    """The timezone named `name`, or None when it is not an IANA name."""
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def wall_clock(instant: datetime | None, timezone: str, *, seconds: bool = False) -> str:
    """An instant as "Mon 2025-03-31 09:00 CEST" in `timezone` ("" without an instant or a
    valid timezone); with its seconds when it has some or `seconds` is set (the times of a
    seconds-level schedule)."""
    where = zone(timezone)
    if instant is None or where is None:
        return ""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    local = instant.astimezone(where)
    # Seconds only for the seconds-level schedules that have them.
    with_seconds = seconds or local.second
    return local.strftime("%a %Y-%m-%d %H:%M:%S %Z" if with_seconds else "%a %Y-%m-%d %H:%M %Z")


@dataclass
class ScheduleRow:
    """One schedule as the table and the panel show it (the form reads its settings)."""

    id: int
    name: str
    workflow_id: int
    workflow_name: str
    sentence: str
    cron: str
    timezone: str
    enabled: bool
    # The next fire time in the schedule's timezone and in the viewer's ("" while paused).
    next_local: str
    next_viewer: str
    next_at: str
    # The latest fire: its execution's status (or the fire's: missed, retrying), and link.
    last_status: str
    last_execution_id: int
    last_at: str
    owner: str
    input_text: str
    version_tag: str
    grace_seconds: int
    misfire_policy: str
    allow_overlap: bool
    retry_attempts: int
    retry_backoff_seconds: int
    # Whether the viewer may change (pause, edit, delete) it.
    can_change: bool


def schedule_row(item: SchedulePublic, viewer_timezone: str, can_change: bool) -> ScheduleRow:
    """The row of a schedule, its times written for a viewer in `viewer_timezone`."""
    seconds = has_seconds(item.cron)
    last = item.last_execution_status or (item.last_status.value if item.last_status else "")
    return ScheduleRow(
        id=item.id,
        name=item.name or f"Schedule #{item.id}",
        workflow_id=item.workflow_id,
        workflow_name=item.workflow_name,
        sentence=item.description,
        cron=item.cron,
        timezone=item.timezone,
        enabled=item.enabled,
        next_local=wall_clock(item.next_fire_at, item.timezone, seconds=seconds),
        next_viewer=wall_clock(item.next_fire_at, viewer_timezone, seconds=seconds),
        next_at=iso(item.next_fire_at),
        last_status=last,
        last_execution_id=item.last_execution_id or 0,
        last_at=iso(item.last_fire_at),
        owner=item.owner_name,
        input_text="" if item.input is None else json.dumps(item.input, indent=2),
        version_tag=item.version_tag or "",
        grace_seconds=item.grace_seconds,
        misfire_policy=item.misfire_policy.value,
        allow_overlap=item.allow_overlap,
        retry_attempts=item.retry_attempts,
        retry_backoff_seconds=item.retry_backoff_seconds,
        can_change=can_change,
    )


@dataclass
class FireRow:
    """One fire time in a schedule's history."""

    id: int
    fire_time: str
    started: str
    lag: str
    status: str
    reason: str
    execution_id: int
    attempt: int


def fire_row(item: ScheduleFirePublic, timezone: str, seconds: bool) -> FireRow:
    """A history row, its times in the schedule's timezone; the status is the execution's
    when it ran, else the fire's (missed, retrying)."""
    return FireRow(
        id=item.id,
        fire_time=wall_clock(item.fire_time, timezone, seconds=seconds),
        started=wall_clock(item.started_at, timezone, seconds=True),
        lag=format_ms(item.lag_ms) if item.lag_ms is not None else "—",
        status=item.execution_status or item.status.value,
        reason=item.reason or "",
        execution_id=item.execution_id or 0,
        attempt=item.attempt,
    )
