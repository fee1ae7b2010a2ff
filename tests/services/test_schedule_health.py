"""The schedules' self-check, on SQLite and PostgreSQL: a schedule past its fire time plus
its grace (and slack) is overdue; paused, future and in-grace ones are not; it goes overdue
once the scheduler task is stopped, and the health endpoint's data says so."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import Engine

from app.models.types import utc_now
from app.services.schedule_health import SLACK, overdue_schedules, schedule_health
from app.services.scheduler import ScheduleRuntime
from tests.documents import greeting
from tests.records import make_workflow
from tests.services.schedule_builders import add_schedule, edit_schedule, fires_of, read_schedule


def test_overdue_means_past_fire_time_plus_grace_plus_slack(engine: Engine) -> None:
    workflow_id = make_workflow(greeting())
    now = utc_now()
    late = add_schedule(workflow_id, next_fire_at=now - timedelta(seconds=70), grace_seconds=60)
    add_schedule(workflow_id, next_fire_at=now - timedelta(seconds=62), grace_seconds=60)
    add_schedule(workflow_id, next_fire_at=now + timedelta(seconds=1))
    paused = add_schedule(workflow_id, next_fire_at=now - timedelta(hours=1))
    edit_schedule(paused, enabled=False)

    with engine.connect() as connection:
        overdue = overdue_schedules(connection, now)

    assert [schedule.id for schedule in overdue] == [late]
    assert overdue[0].overdue_s == (timedelta(seconds=10) - SLACK).total_seconds()
    health = schedule_health(now)
    assert (health.status, [schedule.id for schedule in health.overdue]) == ("overdue", [late])


async def test_stopping_the_scheduler_task_makes_a_schedule_overdue(db_url: str) -> None:
    workflow_id = make_workflow(greeting())
    schedule_id = add_schedule(workflow_id, grace_seconds=1, allow_overlap=True)
    runtime = ScheduleRuntime(poll_interval_s=0.2)
    runtime.start()
    try:
        while len(fires_of(schedule_id)) < 2:
            await asyncio.sleep(0.05)
        assert schedule_health().status == "ok"
    finally:
        await runtime.stop()
    owed = read_schedule(schedule_id).next_fire_at
    assert owed is not None

    # One interval plus grace and slack later, nobody having fired it:
    later = owed + timedelta(seconds=1 + 1) + SLACK
    health = schedule_health(later)

    assert health.status == "overdue"
    assert [schedule.id for schedule in health.overdue] == [schedule_id]
