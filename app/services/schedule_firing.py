"""Firing a schedule: one write transaction records its due fire times and queues its runs.

`fire_schedule` runs in the group-commit writer (`run_write`). Exactly once per (schedule,
fire time) holds twice over: the schedule's `next_fire_at` is advanced only from the value
the caller saw (compare-and-set), and a fire row is inserted with ON CONFLICT DO NOTHING on
the unique (schedule_id, fire_time) pair, so a second process that gets this far anyway
inserts nothing and starts nothing. The runs are queued in the same transaction; the
caller starts them once it is committed (`QueuedExecution.submit`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite

from app.models.account import User
from app.models.execution import Execution, ExecutionStatus
from app.models.schedule import FireStatus, Schedule, ScheduleFire
from app.models.types import utc_now
from app.models.version_run import VersionRef
from app.models.workflow import Workflow
from app.services.errors import NotFoundError, PermissionDeniedError, ServiceError
from app.services.executions import QueuedExecution, insert_queued
from app.services.principal import SYSTEM, Principal, principal_of
from app.services.runnable_workflows import runnable
from app.services.schedule_misfires import OVERLAP_REASON, plan_fires
from app.services.version_runs import _insert_version_runs

SCHEDULES: Table = Schedule.__table__  # type: ignore[attr-defined]
FIRES: Table = ScheduleFire.__table__  # type: ignore[attr-defined]
EXECUTIONS: Table = Execution.__table__  # type: ignore[attr-defined]
USERS: Table = User.__table__  # type: ignore[attr-defined]
WORKFLOWS: Table = Workflow.__table__  # type: ignore[attr-defined]

TRIGGER = "schedule"
# A previous run in one of these has not finished: a schedule without overlap waits for it.
UNFINISHED = (
    ExecutionStatus.QUEUED.value,
    ExecutionStatus.RUNNING.value,
    ExecutionStatus.PAUSED.value,
)

# Statements built once: a leader fires up to thousands of schedules a second.
_SCHEDULE = select(SCHEDULES).where(SCHEDULES.c.id == bindparam("schedule_id"))
# The newest started fire's run (found by the schedule's last_fire_at, two index lookups).
_LAST_RUN_STATUS = (
    select(EXECUTIONS.c.status)
    .select_from(FIRES.join(EXECUTIONS, EXECUTIONS.c.id == FIRES.c.execution_id))
    .where(
        FIRES.c.schedule_id == bindparam("schedule_id"),
        FIRES.c.fire_time == bindparam("fire_time", type_=FIRES.c.fire_time.type),
    )
)
_WORKFLOW_OWNER = select(WORKFLOWS.c.owner_id, WORKFLOWS.c.deleted_at).where(
    WORKFLOWS.c.id == bindparam("workflow_id")
)
_USER = select(USERS).where(USERS.c.id == bindparam("user_id"))
_CLAIM = (
    update(SCHEDULES)
    .where(
        SCHEDULES.c.id == bindparam("b_id"),
        SCHEDULES.c.revision == bindparam("b_revision"),
        SCHEDULES.c.next_fire_at == bindparam("b_due", type_=SCHEDULES.c.next_fire_at.type),
    )
    .values(next_fire_at=bindparam("b_next"), last_fire_at=bindparam("b_last"))
)
_INSERT_FIRE = {
    name: dialect.insert(FIRES).on_conflict_do_nothing(index_elements=["schedule_id", "fire_time"])
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}
_INSERT_FIRE_RETURNING = {
    name: statement.returning(FIRES.c.id) for name, statement in _INSERT_FIRE.items()
}


@dataclass(frozen=True)
class FireOutcome:
    """What one firing did.

    Attributes:
        stale: the schedule changed, was deleted or paused, or another process fired this
            time first: nothing was written; the caller re-reads the schedules.
        next_fire_at: the schedule's next fire time (the one to place a job at).
        started: runs queued and committed, to start (`QueuedExecution.submit`), with the id
            of the fire row each belongs to.
        retries: whether failed runs of this schedule are retried (worth watching).
    """

    stale: bool
    next_fire_at: datetime | None = None
    started: list[tuple[int, QueuedExecution]] = field(default_factory=list)
    retries: bool = False


def schedule_principal(connection: Connection, owner_id: int | None, schedule_id: int) -> Principal:
    """Who a schedule's runs act as: its workflow's owner (`SYSTEM` for a workflow without
    one, from before accounts existed).

    Raises:
        PermissionDeniedError: the owner's account is deactivated.
    """
    if owner_id is None:
        return SYSTEM
    row = connection.execute(_USER, {"user_id": owner_id}).first()
    if row is None:
        return SYSTEM
    user = User(**row._mapping)
    if not user.active:
        raise PermissionDeniedError("the workflow's owner is deactivated")
    return principal_of(user, label=f"{user.email} (schedule {schedule_id})")


def queue_scheduled_run(connection: Connection, schedule: Any) -> QueuedExecution:
    """Insert a queued run of `schedule`'s workflow (its tagged version, if it names one),
    as the workflow's owner, in the caller's transaction.

    Raises:
        ServiceError: the workflow (or the tag) is gone, may not run, or has problems.
    """
    workflow = connection.execute(_WORKFLOW_OWNER, {"workflow_id": schedule.workflow_id}).first()
    if workflow is None or workflow.deleted_at is not None:
        raise NotFoundError(f"Workflow {schedule.workflow_id} not found")
    principal = schedule_principal(connection, workflow.owner_id, schedule.id)
    if schedule.version_tag:
        ref = VersionRef(tag=schedule.version_tag)
        queued = _insert_version_runs(
            connection, schedule.workflow_id, [(ref, schedule.input)], TRIGGER, principal
        )
        if isinstance(queued, ServiceError):
            raise queued
        return queued[0]
    row, prepared = runnable(connection.engine, connection, schedule.workflow_id, principal)
    return insert_queued(
        connection,
        row,
        prepared,
        workflow_id=schedule.workflow_id,
        trigger=TRIGGER,
        input=schedule.input,
        principal=principal,
    )


def _insert_fires(connection: Connection, rows: Sequence[dict[str, Any]]) -> int | None:
    """Insert fire rows, skipping any whose (schedule, fire time) exists; the id of the
    single row given, when it was inserted."""
    dialect = connection.dialect.name
    if len(rows) != 1:
        connection.execute(_INSERT_FIRE[dialect], list(rows))
        return None
    return connection.execute(_INSERT_FIRE_RETURNING[dialect], rows[0]).scalar_one_or_none()


def _last_run_unfinished(connection: Connection, schedule: Any) -> bool:
    if schedule.last_fire_at is None:
        return False
    status = connection.execute(
        _LAST_RUN_STATUS, {"schedule_id": schedule.id, "fire_time": schedule.last_fire_at}
    ).scalar_one_or_none()
    return status in UNFINISHED


def _missed(schedule_id: int, time: datetime, reason: str, now: datetime) -> dict[str, Any]:
    return {
        "schedule_id": schedule_id,
        "fire_time": time,
        "status": FireStatus.MISSED.value,
        "reason": reason,
        "started_at": None,
        "lag_ms": None,
        "execution_id": None,
        "attempt": 1,
        "created_at": now,
    }


def _start_one(
    connection: Connection, schedule: Any, time: datetime, now: datetime
) -> tuple[int, QueuedExecution] | None:
    """Record fire `time` of `schedule` and queue its run (or record why it cannot run)."""
    try:
        queued = queue_scheduled_run(connection, schedule)
    except ServiceError as exc:
        _insert_fires(connection, [_missed(schedule.id, time, str(exc), now)])
        return None
    fire_id = _insert_fires(
        connection,
        [
            {
                "schedule_id": schedule.id,
                "fire_time": time,
                "status": FireStatus.STARTED.value,
                "reason": None,
                "started_at": now,
                "lag_ms": max(0, round((now - time).total_seconds() * 1000)),
                "execution_id": queued.execution.id,
                "attempt": 1,
                "created_at": now,
            }
        ],
    )
    # Unreachable while the compare-and-set holds; a fire row is never doubled anyway.
    assert fire_id is not None, f"schedule {schedule.id} fired {time} twice"
    return fire_id, queued


def fire_schedule(
    connection: Connection,
    schedule_id: int,
    due_at: datetime,
    revision: int,
    now: datetime | None = None,
) -> FireOutcome:
    """Fire `schedule_id`'s due times, from `due_at` (its `next_fire_at` as the caller
    read it at `revision`), in the caller's transaction (`run_write`).

    Args:
        now: the firing time (default: the current time).
    """
    row = connection.execute(_SCHEDULE, {"schedule_id": schedule_id}).first()
    if row is None or not row.enabled or row.revision != revision or row.next_fire_at != due_at:
        return FireOutcome(stale=True)
    now = now or utc_now()
    plan = plan_fires(
        cron=row.cron,
        timezone=row.timezone,
        next_fire_at=due_at,
        grace_seconds=row.grace_seconds,
        misfire_policy=row.misfire_policy,
        now=now,
    )
    if not plan.run and not plan.missed:
        return FireOutcome(stale=False, next_fire_at=due_at, retries=row.retry_attempts > 0)
    # Without overlap, one run at most, and only once the last one has finished.
    to_start = plan.run
    if not row.allow_overlap:
        to_start = [] if _last_run_unfinished(connection, row) else plan.run[:1]
    claimed = connection.execute(
        _CLAIM,
        {
            "b_id": schedule_id,
            "b_revision": revision,
            "b_due": due_at,
            "b_next": plan.next_fire_at,
            "b_last": max(to_start) if to_start else row.last_fire_at,
        },
    )
    if claimed.rowcount != 1:
        return FireOutcome(stale=True)
    missed = plan.missed + [(time, OVERLAP_REASON) for time in plan.run if time not in to_start]
    if missed:
        _insert_fires(
            connection, [_missed(schedule_id, time, reason, now) for time, reason in missed]
        )
    started = [
        one for time in to_start if (one := _start_one(connection, row, time, now)) is not None
    ]
    return FireOutcome(
        stale=False,
        next_fire_at=plan.next_fire_at,
        started=started,
        retries=row.retry_attempts > 0,
    )
