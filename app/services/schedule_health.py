"""Self-check of the schedules: an enabled schedule whose fire time passed more than its
grace time (and a little slack) ago without being fired means nobody fires schedules: no
process leads the scheduler, or its leader is stuck. The health endpoint reports it, and
the schedules and monitoring pages raise an alert from `schedule_health`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Table, select
from sqlmodel import Session

from app.models.schedule import Schedule
from app.models.types import utc_now
from app.services.unit_of_work import session_scope

SCHEDULES: Table = Schedule.__table__  # type: ignore[attr-defined]
# Firing takes a moment (a write, the group commit): not an alert.
SLACK = timedelta(seconds=5)
OVERDUE_LISTED_MAX = 100


@dataclass(frozen=True)
class OverdueSchedule:
    """A schedule that should have fired and did not.

    Attributes:
        id: the schedule.
        workflow_id: its workflow.
        name: its name.
        next_fire_at: the fire time it still owes (UTC).
        overdue_s: how long past that time plus its grace it is, in seconds.
    """

    id: int
    workflow_id: int
    name: str
    next_fire_at: datetime
    overdue_s: float


@dataclass(frozen=True)
class ScheduleHealth:
    """The schedules' self-check: `ok`, or `overdue` with the schedules concerned."""

    status: str
    overdue: list[OverdueSchedule]


def overdue_schedules(connection: Connection | Session, now: datetime) -> list[OverdueSchedule]:
    """Enabled schedules whose `next_fire_at` is older than `now` minus their grace time
    and `SLACK` (at most `OVERDUE_LISTED_MAX`, the longest overdue first).

    The query narrows by the (enabled, next_fire_at) index to those `SLACK` late; the
    grace time, which differs per schedule, is applied to those few here.
    """
    rows = connection.execute(
        select(
            SCHEDULES.c.id,
            SCHEDULES.c.workflow_id,
            SCHEDULES.c.name,
            SCHEDULES.c.next_fire_at,
            SCHEDULES.c.grace_seconds,
        )
        .where(SCHEDULES.c.enabled.is_(True), SCHEDULES.c.next_fire_at < now - SLACK)
        .order_by(SCHEDULES.c.next_fire_at)
    )
    overdue = []
    for row in rows:
        late = now - row.next_fire_at - timedelta(seconds=row.grace_seconds) - SLACK
        if late > timedelta(0):
            overdue.append(
                OverdueSchedule(
                    id=row.id,
                    workflow_id=row.workflow_id,
                    name=row.name,
                    next_fire_at=row.next_fire_at,
                    overdue_s=late.total_seconds(),
                )
            )
            if len(overdue) >= OVERDUE_LISTED_MAX:
                break
    return overdue


def schedule_health(now: datetime | None = None) -> ScheduleHealth:
    """The self-check in a read-only transaction of its own (for `run_db`, the health
    endpoint and the schedules and monitoring pages; not per user: it names schedules by
    id and name only to say that firing is stuck)."""
    with session_scope(read_only=True) as session:
        overdue = overdue_schedules(session, now or utc_now())
    return ScheduleHealth(status="overdue" if overdue else "ok", overdue=overdue)
