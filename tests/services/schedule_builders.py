"""Schedules for the firing tests, written straight to the database (as the schedules
service would: every change bumps the revision and recomputes next_fire_at), and what
their firing left behind."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from app.engine.cron_times import next_fire_times
from app.models.execution import Execution
from app.models.schedule import FireStatus, Schedule, ScheduleFire
from app.models.types import utc_now
from app.services.unit_of_work import session_scope
from tests.documents import chain, node

EVERY_SECOND = "* * * * * *"


def every(seconds: int) -> str:
    """A cron expression firing every `seconds` seconds (seconds field first)."""
    return f"*/{seconds} * * * * *"


def failing() -> dict[str, Any]:
    """trigger -> a request to an address runs may not reach (fails at once) -> output."""
    return chain(
        node("start", "manual_trigger"),
        node("call", "http_request", url="http://127.0.0.1:9/"),
        node("result", "output"),
    )


def add_schedule(
    workflow_id: int,
    cron: str = EVERY_SECOND,
    *,
    next_fire_at: datetime | None = None,
    **fields: Any,
) -> int:
    """An enabled schedule (next fire time: the first after now unless given); its id."""
    now = utc_now()
    timezone = fields.pop("timezone", "UTC")
    first = next_fire_at or next_fire_times(cron, timezone, after=now, count=1)[0]
    with session_scope() as session:
        schedule = Schedule(
            workflow_id=workflow_id,
            cron=cron,
            timezone=timezone,
            next_fire_at=first,
            created_at=now,
            updated_at=now,
            **fields,
        )
        session.add(schedule)
        session.flush()
        assert schedule.id is not None
        return schedule.id


def edit_schedule(schedule_id: int, **fields: Any) -> Schedule:
    """Change a schedule as the service does: revision + 1, updated_at, next_fire_at
    recomputed from now (None while paused)."""
    with session_scope() as session:
        schedule = session.get(Schedule, schedule_id)
        assert schedule is not None
        for name, value in fields.items():
            setattr(schedule, name, value)
        now = utc_now()
        schedule.revision += 1
        schedule.updated_at = now
        schedule.next_fire_at = (
            next_fire_times(schedule.cron, schedule.timezone, after=now, count=1)[0]
            if schedule.enabled
            else None
        )
        session.add(schedule)
        return schedule


def read_schedule(schedule_id: int) -> Schedule:
    """A schedule as stored."""
    with session_scope(read_only=True) as session:
        schedule = session.get(Schedule, schedule_id)
        assert schedule is not None
        return schedule


def fires_of(schedule_id: int) -> list[ScheduleFire]:
    """A schedule's fire rows, oldest fire time first."""
    with session_scope(read_only=True) as session:
        return list(
            session.exec(
                select(ScheduleFire)  # type: ignore[call-overload]
                .where(ScheduleFire.schedule_id == schedule_id)
                .order_by(ScheduleFire.fire_time)
            ).scalars()
        )


def scheduled_executions(workflow_id: int) -> list[Execution]:
    """The executions of a workflow started by schedules, oldest first."""
    with session_scope(read_only=True) as session:
        return list(
            session.exec(
                select(Execution)  # type: ignore[call-overload]
                .where(Execution.workflow_id == workflow_id, Execution.trigger == "schedule")
                .order_by(Execution.id)
            ).scalars()
        )


def assert_once_per_fire_time(schedule_id: int, workflow_id: int) -> None:
    """Every second from the schedule's first fire to its last ran once: one `started` fire
    row per second, each with its own execution, and no other scheduled execution."""
    fired = fires_of(schedule_id)
    times = [row.fire_time for row in fired]
    assert [row.status for row in fired] == [FireStatus.STARTED.value] * len(fired)
    assert times == [times[0] + timedelta(seconds=i) for i in range(len(times))]
    execution_ids = [execution.id for execution in scheduled_executions(workflow_id)]
    assert sorted(row.execution_id for row in fired) == execution_ids


def end_execution(execution_id: int, status: str, finished_at: datetime | None = None) -> None:
    """Mark an execution finished (as its run would)."""
    with session_scope() as session:
        session.execute(
            update(Execution)
            .where(Execution.id == execution_id)  # type: ignore[arg-type]
            .values(status=status, finished_at=finished_at or utc_now())
        )


def seconds(value: float) -> timedelta:
    """A timedelta of `value` seconds."""
    return timedelta(seconds=value)
