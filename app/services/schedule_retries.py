"""Retries of scheduled runs that failed: attempts and exponential backoff per schedule.

How the leader learns that a run finished: it keeps the fire rows whose runs it started (of
schedules with retries) in memory and asks for their executions' status by primary key
once a second (`finished_fires`); on becoming leader it seeds that set from the database
(`watched_fires`). This costs one indexed query per second whatever the history's size
and needs no hook in the runner's end write (which other callers share), and it also
sees runs that ended in another process (crashed and recovered there).

A failed (or crashed) run with attempts left turns its fire row `retrying`, due at
finish + backoff * 2 ** (attempt - 1); `start_retry` starts the next attempt when due, the
fire row's compare-and-set on (status, attempt) keeping it to one start per attempt.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, select, update

from app.models.execution import FINISHED_STATUSES, ExecutionStatus
from app.models.schedule import FireStatus
from app.models.types import utc_now
from app.services.errors import ServiceError
from app.services.executions import QueuedExecution
from app.services.schedule_firing import EXECUTIONS, FIRES, SCHEDULES
from app.services.schedule_runs import queue_scheduled_run

RETRIED_STATUSES = (ExecutionStatus.FAILED.value, ExecutionStatus.CRASHED.value)
DUE_BATCH = 100
# How far back a new leader looks for runs it may have to retry.
WATCH_SINCE = timedelta(days=1)

_FINISHED = [status.value for status in FINISHED_STATUSES]


def retry_due_at(finished_at: datetime, backoff_seconds: int, attempt: int) -> datetime:
    """When attempt `attempt + 1` is due after attempt `attempt` finished."""
    return finished_at + timedelta(seconds=backoff_seconds * 2 ** (attempt - 1))


def watched_fires(connection: Connection, now: datetime) -> dict[int, int]:
    """Fire rows (id -> execution id) started in the last day by schedules with retries:
    what a new leader watches. Joined from the (few) schedules with retries through the
    unique (schedule_id, fire_time) index."""
    rows = connection.execute(
        select(FIRES.c.id, FIRES.c.execution_id)
        .select_from(SCHEDULES.join(FIRES, FIRES.c.schedule_id == SCHEDULES.c.id))
        .where(
            SCHEDULES.c.retry_attempts > 0,
            FIRES.c.fire_time >= now - WATCH_SINCE,
            FIRES.c.status == FireStatus.STARTED.value,
            FIRES.c.execution_id.is_not(None),
        )
    )
    return {row.id: row.execution_id for row in rows}


def finished_fires(connection: Connection, watched: dict[int, int]) -> list[int]:
    """Of the watched fire rows, those whose run finished (no longer worth watching); a
    failed one with attempts left becomes `retrying`."""
    if not watched:
        return []
    rows = connection.execute(
        select(
            FIRES.c.id,
            FIRES.c.attempt,
            EXECUTIONS.c.id.label("execution_id"),
            EXECUTIONS.c.status,
            EXECUTIONS.c.finished_at,
            SCHEDULES.c.retry_attempts,
            SCHEDULES.c.retry_backoff_seconds,
        )
        .select_from(
            EXECUTIONS.join(FIRES, FIRES.c.execution_id == EXECUTIONS.c.id).join(
                SCHEDULES, SCHEDULES.c.id == FIRES.c.schedule_id
            )
        )
        .where(EXECUTIONS.c.id.in_(list(watched.values())), EXECUTIONS.c.status.in_(_FINISHED))
    ).all()
    for row in rows:
        if row.status in RETRIED_STATUSES and row.attempt <= row.retry_attempts:
            connection.execute(
                update(FIRES)
                .where(
                    FIRES.c.id == row.id,
                    FIRES.c.status == FireStatus.STARTED.value,
                    FIRES.c.execution_id == row.execution_id,
                )
                .values(
                    status=FireStatus.RETRYING.value,
                    next_retry_at=retry_due_at(
                        row.finished_at or utc_now(), row.retry_backoff_seconds, row.attempt
                    ),
                )
            )
    done = {row.execution_id for row in rows}
    return [fire_id for fire_id, execution_id in watched.items() if execution_id in done]


def due_retries(connection: Connection, now: datetime) -> list[tuple[int, int]]:
    """(fire id, attempt) of retries due by `now`, oldest first (by the next_retry_at
    index)."""
    rows = connection.execute(
        select(FIRES.c.id, FIRES.c.attempt)
        .where(FIRES.c.next_retry_at <= now, FIRES.c.status == FireStatus.RETRYING.value)
        .order_by(FIRES.c.next_retry_at)
        .limit(DUE_BATCH)
    )
    return [(row.id, row.attempt) for row in rows]


def start_retry(
    connection: Connection, fire_id: int, attempt: int, now: datetime | None = None
) -> QueuedExecution | None:
    """Queue attempt `attempt + 1` of a `retrying` fire row (in the caller's transaction).

    Returns:
        The run to start once committed; None when another process started it first, or
        when it cannot run (paused schedule, workflow gone): then the row is `missed` with
        the reason.
    """
    now = now or utc_now()
    row = connection.execute(
        select(FIRES.c.next_retry_at, SCHEDULES)
        .select_from(FIRES.join(SCHEDULES, SCHEDULES.c.id == FIRES.c.schedule_id))
        .where(
            FIRES.c.id == fire_id,
            FIRES.c.status == FireStatus.RETRYING.value,
            FIRES.c.attempt == attempt,
        )
    ).first()
    if row is None:
        return None
    due = row.next_retry_at or now
    # Claim the attempt first: of two processes, the second changes no row and stops.
    claimed = connection.execute(
        update(FIRES)
        .where(
            FIRES.c.id == fire_id,
            FIRES.c.status == FireStatus.RETRYING.value,
            FIRES.c.attempt == attempt,
        )
        .values(
            status=FireStatus.STARTED.value,
            attempt=attempt + 1,
            next_retry_at=None,
            started_at=now,
            lag_ms=max(0, round((now - due).total_seconds() * 1000)),
        )
    )
    if claimed.rowcount != 1:
        return None
    this_fire = update(FIRES).where(FIRES.c.id == fire_id)
    reason = None if row.enabled else "the schedule was paused"
    if reason is None:
        try:
            queued = queue_scheduled_run(connection, row)
        except ServiceError as exc:
            reason = str(exc)
        else:
            connection.execute(this_fire.values(execution_id=queued.execution.id))
            return queued
    connection.execute(
        this_fire.values(
            status=FireStatus.MISSED.value,
            started_at=None,
            lag_ms=None,
            reason=f"attempt {attempt + 1} not started: {reason}",
        )
    )
    return None
