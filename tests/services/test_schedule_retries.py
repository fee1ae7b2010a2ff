"""Retries of failed scheduled runs, on SQLite and PostgreSQL: a failed run with attempts
left turns its fire `retrying` with exponential backoff, the next attempt starts once due
(a new execution, attempt + 1), and stops when the attempts are used up."""

from __future__ import annotations

from sqlalchemy import Engine

from app.engine.cron_times import next_fire_times
from app.models.execution import ExecutionStatus
from app.models.schedule import FireStatus
from app.models.types import utc_now
from app.services.schedule_firing import fire_schedule
from app.services.schedule_retries import (
    due_retries,
    finished_fires,
    start_retry,
    watched_fires,
)
from tests.documents import greeting
from tests.records import make_workflow
from tests.services.schedule_builders import (
    add_schedule,
    edit_schedule,
    end_execution,
    every,
    fires_of,
    scheduled_executions,
    seconds,
)


def started_fire(engine: Engine, **fields: object) -> tuple[int, int]:
    """A schedule with retries that fired once: (schedule id, workflow id)."""
    workflow_id = make_workflow(greeting())
    due = next_fire_times(every(5), "UTC", after=utc_now(), count=1)[0]
    schedule_id = add_schedule(workflow_id, every(5), next_fire_at=due, **fields)
    with engine.begin() as connection:
        fire_schedule(connection, schedule_id, due, 1, now=due)
    return schedule_id, workflow_id


def test_a_failed_run_is_retried_with_backoff_until_the_attempts_are_used(
    engine: Engine,
) -> None:
    schedule_id, workflow_id = started_fire(engine, retry_attempts=2, retry_backoff_seconds=10)
    with engine.connect() as connection:
        watched = watched_fires(connection, utc_now())
    (fire,) = fires_of(schedule_id)
    assert watched == {fire.id: fire.execution_id}

    finished = utc_now()
    end_execution(fire.execution_id or 0, ExecutionStatus.FAILED.value, finished)
    with engine.begin() as connection:
        assert finished_fires(connection, watched) == [fire.id]
    (fire,) = fires_of(schedule_id)
    assert (fire.status, fire.next_retry_at) == (FireStatus.RETRYING.value, finished + seconds(10))
    with engine.connect() as connection:
        assert due_retries(connection, finished + seconds(9)) == []
        assert due_retries(connection, finished + seconds(10)) == [(fire.id, 1)]

    with engine.begin() as connection:
        queued = start_retry(connection, fire.id or 0, 1, now=finished + seconds(11))
        assert queued is not None
        # A second scheduler racing for the same attempt starts nothing.
        assert start_retry(connection, fire.id or 0, 1) is None
    (fire,) = fires_of(schedule_id)
    assert (fire.status, fire.attempt, fire.execution_id, fire.lag_ms) == (
        FireStatus.STARTED.value,
        2,
        queued.execution.id,
        1_000,
    )

    # The second attempt fails too: the next backoff doubles.
    end_execution(queued.execution.id, ExecutionStatus.FAILED.value, finished)
    with engine.begin() as connection:
        finished_fires(connection, {fire.id or 0: queued.execution.id})
    (fire,) = fires_of(schedule_id)
    assert fire.next_retry_at == finished + seconds(20)
    with engine.begin() as connection:
        third = start_retry(connection, fire.id or 0, 2)
    assert third is not None

    # No attempt left: a third failure stays a started fire with its failed run.
    end_execution(third.execution.id, ExecutionStatus.FAILED.value)
    with engine.begin() as connection:
        finished_fires(connection, {fire.id or 0: third.execution.id})
    (fire,) = fires_of(schedule_id)
    assert (fire.status, fire.attempt) == (FireStatus.STARTED.value, 3)
    assert len(scheduled_executions(workflow_id)) == 3


def test_a_succeeded_run_or_a_schedule_without_retries_is_not_retried(engine: Engine) -> None:
    schedule_id, _ = started_fire(engine, retry_attempts=1, retry_backoff_seconds=1)
    (fire,) = fires_of(schedule_id)
    end_execution(fire.execution_id or 0, ExecutionStatus.SUCCEEDED.value)
    with engine.begin() as connection:
        assert finished_fires(connection, {fire.id or 0: fire.execution_id or 0}) == [fire.id]
    assert fires_of(schedule_id)[0].status == FireStatus.STARTED.value

    plain_id, _ = started_fire(engine)
    (plain,) = fires_of(plain_id)
    end_execution(plain.execution_id or 0, ExecutionStatus.FAILED.value)
    with engine.begin() as connection:
        finished_fires(connection, {plain.id or 0: plain.execution_id or 0})
        assert plain.id not in watched_fires(connection, utc_now())
    assert fires_of(plain_id)[0].status == FireStatus.STARTED.value


def test_a_retry_of_a_paused_schedule_is_recorded_missed(engine: Engine) -> None:
    schedule_id, _ = started_fire(engine, retry_attempts=1, retry_backoff_seconds=1)
    (fire,) = fires_of(schedule_id)
    end_execution(fire.execution_id or 0, ExecutionStatus.FAILED.value)
    with engine.begin() as connection:
        finished_fires(connection, {fire.id or 0: fire.execution_id or 0})
    edit_schedule(schedule_id, enabled=False)

    with engine.begin() as connection:
        assert start_retry(connection, fire.id or 0, 1) is None

    (fire,) = fires_of(schedule_id)
    assert fire.status == FireStatus.MISSED.value
    assert fire.reason == "attempt 2 not started: the schedule was paused"
