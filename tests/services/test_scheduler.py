"""The schedule runtime in this process, on SQLite and PostgreSQL: one of two runtimes leads,
each fire time runs once, the other takes over when the leader stops, an edited cron takes
effect at the next fire (the old one never fires again), downtime is caught up or skipped
per policy, and failed runs are retried by the leader."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta

import pytest

from app.engine.cron_times import next_fire_times
from app.models.execution import ExecutionStatus
from app.models.schedule import MisfirePolicy
from app.models.types import utc_now
from app.services.schedule_misfires import DOWNTIME_REASON
from app.services.scheduler import ScheduleRuntime
from tests.documents import greeting
from tests.records import make_workflow
from tests.services.schedule_builders import (
    add_schedule,
    assert_once_per_fire_time,
    edit_schedule,
    every,
    failing,
    fires_of,
    read_schedule,
    scheduled_executions,
)

# Asserts wall-clock bounds: run alone (`make test` runs these after the others).
pytestmark = pytest.mark.timing

POLL_S = 0.2


async def until(check: Callable[[], bool], what: str, timeout_s: float = 10) -> None:
    """Wait until `check()` holds."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


@pytest.fixture
async def runtimes(db_url: str) -> AsyncIterator[list[ScheduleRuntime]]:
    """Runtimes a test starts (stopped afterwards)."""
    started: list[ScheduleRuntime] = []
    yield started
    for runtime in started:
        await runtime.stop()


def runtime(runtimes: list[ScheduleRuntime]) -> ScheduleRuntime:
    """A started runtime polling every `POLL_S`."""
    started = ScheduleRuntime(poll_interval_s=POLL_S)
    started.start()
    runtimes.append(started)
    return started


def started_times(schedule_id: int) -> list[datetime]:
    return [row.fire_time for row in fires_of(schedule_id) if row.status == "started"]


async def test_one_of_two_runtimes_leads_and_the_other_takes_over(
    runtimes: list[ScheduleRuntime],
) -> None:
    workflow_id = make_workflow(greeting())
    schedule_id = add_schedule(workflow_id, allow_overlap=True)
    first = runtime(runtimes)
    await until(lambda: first.is_leader, "the first runtime to lead")
    second = runtime(runtimes)
    await until(lambda: len(started_times(schedule_id)) >= 2, "two fires")
    assert not second.is_leader

    await first.stop()
    stopped_at = utc_now()
    await until(lambda: second.is_leader, "the second runtime to lead", timeout_s=5)
    await until(
        lambda: any(time > stopped_at for time in started_times(schedule_id)),
        "a fire after the leader stopped",
        timeout_s=5,
    )
    await second.stop()

    assert_once_per_fire_time(schedule_id, workflow_id)


async def test_an_edited_cron_takes_effect_at_the_next_fire(
    runtimes: list[ScheduleRuntime],
) -> None:
    workflow_id = make_workflow(greeting())
    schedule_id = add_schedule(workflow_id, allow_overlap=True)
    runtime(runtimes)
    await until(lambda: len(started_times(schedule_id)) >= 1, "a fire every second")

    edited = edit_schedule(schedule_id, cron=every(2))
    edited_at = edited.updated_at
    assert edited.next_fire_at is not None
    await until(
        lambda: len([t for t in started_times(schedule_id) if t > edited_at]) >= 2,
        "two fires of the edited cron",
    )

    after_edit = [time for time in started_times(schedule_id) if time > edited_at]
    assert after_edit[0] == edited.next_fire_at
    assert all(time.second % 2 == 0 for time in after_edit)
    assert read_schedule(schedule_id).revision == 2


@pytest.mark.parametrize("policy", [MisfirePolicy.CATCH_UP, MisfirePolicy.SKIP])
async def test_after_three_intervals_down_one_catch_up_or_three_missed(
    runtimes: list[ScheduleRuntime], policy: MisfirePolicy
) -> None:
    """The schedule was owed three fire times while no process ran (grace 0: each is past
    its grace); the next is in the future, so a runtime starting now sees only those."""
    workflow_id = make_workflow(greeting())
    # 1.5 s after a fire time of every 4 s: the last one is past its grace, the next 2.5 s on.
    await asyncio.sleep((1.5 - utc_now().timestamp()) % 4)
    latest = next_fire_times(every(4), "UTC", after=utc_now() - timedelta(seconds=4), count=1)[0]
    first = latest - timedelta(seconds=8)
    schedule_id = add_schedule(
        workflow_id, every(4), next_fire_at=first, grace_seconds=0, misfire_policy=policy.value
    )

    runtime(runtimes)
    await until(lambda: len(fires_of(schedule_id)) == 3, "the three fire times recorded")
    await runtimes[0].stop()

    fired = fires_of(schedule_id)
    assert [row.fire_time for row in fired] == [first + timedelta(seconds=4 * i) for i in range(3)]
    if policy == MisfirePolicy.CATCH_UP:
        assert [row.status for row in fired] == ["missed", "missed", "started"]
        assert len(scheduled_executions(workflow_id)) == 1
    else:
        assert [row.status for row in fired] == ["missed"] * 3
        assert scheduled_executions(workflow_id) == []
    assert {row.reason for row in fired if row.status == "missed"} == {DOWNTIME_REASON}


async def test_the_leader_retries_a_failed_run_after_its_backoff(
    runtimes: list[ScheduleRuntime],
) -> None:
    workflow_id = make_workflow(failing())
    # Fires now, then not before next year.
    schedule_id = add_schedule(
        workflow_id,
        "0 0 1 1 *",
        next_fire_at=utc_now(),
        retry_attempts=1,
        retry_backoff_seconds=1,
    )
    runtime(runtimes)
    await until(
        lambda: (
            len(scheduled_executions(workflow_id)) == 2
            and all(
                e.status == ExecutionStatus.FAILED.value for e in scheduled_executions(workflow_id)
            )
        ),
        "two failed attempts",
    )
    (fired,) = fires_of(schedule_id)
    first, second = scheduled_executions(workflow_id)
    assert (fired.status, fired.attempt, fired.execution_id) == ("started", 2, second.id)
    assert first.finished_at is not None and fired.started_at is not None
    assert fired.started_at >= first.finished_at + timedelta(seconds=1)
