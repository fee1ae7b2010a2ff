"""Firing schedules: one write transaction records their due fire times and queues their runs.

`fire_schedules` runs in the group-commit writer (`run_write`) and fires every schedule due
at one instant together, in a few set-based statements whatever their number: one SELECT
of the schedules, one of their last runs' statuses, one claiming UPDATE per distinct
(revision, due, next, last) values, the runs (`schedule_runs.queue_fire_runs`) and one
batched INSERT of the fire rows. Exactly once per (schedule, fire time) holds twice over:
a schedule's `next_fire_at` is advanced only from the value the caller saw, at the
revision it saw (compare-and-set; the UPDATE returns the schedules it claimed), and a fire
row is inserted with ON CONFLICT DO NOTHING on the unique (schedule_id, fire_time) pair,
so a second process that gets this far anyway inserts nothing and starts nothing. The runs
are queued in the same transaction; the caller starts them once it is committed
(`QueuedExecution.submit`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite

from app.models.execution import Execution, ExecutionStatus
from app.models.schedule import FireStatus, Schedule, ScheduleFire
from app.models.types import utc_now
from app.services.errors import ServiceError
from app.services.executions import QueuedExecution
from app.services.schedule_misfires import OVERLAP_REASON, FirePlan, plan_fires
from app.services.schedule_runs import queue_fire_runs

SCHEDULES: Table = Schedule.__table__  # type: ignore[attr-defined]
FIRES: Table = ScheduleFire.__table__  # type: ignore[attr-defined]
EXECUTIONS: Table = Execution.__table__  # type: ignore[attr-defined]

# A previous run in one of these has not finished: a schedule without overlap waits for it.
UNFINISHED = (
    ExecutionStatus.QUEUED.value,
    ExecutionStatus.RUNNING.value,
    ExecutionStatus.PAUSED.value,
)

# Statements built once: a leader fires up to thousands of schedules a second.
_SCHEDULES = select(SCHEDULES).where(SCHEDULES.c.id.in_(bindparam("ids", expanding=True)))
# The runs of the schedules' newest started fires (found by their last_fire_at): every pair
# of the two lists is looked up, the caller keeps each schedule's own.
_LAST_RUN_STATUSES = (
    select(FIRES.c.schedule_id, FIRES.c.fire_time, EXECUTIONS.c.status)
    .select_from(FIRES.join(EXECUTIONS, EXECUTIONS.c.id == FIRES.c.execution_id))
    .where(
        FIRES.c.schedule_id.in_(bindparam("ids", expanding=True)),
        FIRES.c.fire_time.in_(bindparam("times", expanding=True)),
    )
)
_CLAIM = (
    update(SCHEDULES)
    .where(
        SCHEDULES.c.id.in_(bindparam("ids", expanding=True)),
        SCHEDULES.c.revision == bindparam("b_revision"),
        SCHEDULES.c.next_fire_at == bindparam("b_due", type_=SCHEDULES.c.next_fire_at.type),
    )
    .values(next_fire_at=bindparam("b_next"), last_fire_at=bindparam("b_last"))
    .returning(SCHEDULES.c.id)
)
_INSERT_FIRES = {
    name: dialect.insert(FIRES)
    .on_conflict_do_nothing(index_elements=["schedule_id", "fire_time"])
    .returning(FIRES.c.id, FIRES.c.execution_id)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
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
        missed: fire times this firing recorded as missed (for the metrics).
    """

    stale: bool
    next_fire_at: datetime | None = None
    started: list[tuple[int, QueuedExecution]] = field(default_factory=list)
    retries: bool = False
    missed: int = 0


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


def _started(schedule_id: int, time: datetime, execution_id: int, now: datetime) -> dict[str, Any]:
    return {
        "schedule_id": schedule_id,
        "fire_time": time,
        "status": FireStatus.STARTED.value,
        "reason": None,
        "started_at": now,
        "lag_ms": max(0, round((now - time).total_seconds() * 1000)),
        "execution_id": execution_id,
        "attempt": 1,
        "created_at": now,
    }


def _insert_fires(connection: Connection, rows: list[dict[str, Any]]) -> dict[int, int]:
    """Insert fire rows, skipping any whose (schedule, fire time) exists; execution id ->
    fire id of the started rows inserted."""
    if not rows:
        return {}
    inserted = connection.execute(_INSERT_FIRES[connection.dialect.name], rows)
    return {row.execution_id: row.id for row in inserted if row.execution_id is not None}


def _busy(connection: Connection, schedules: list[Any]) -> set[int]:
    """Which of `schedules` (each with a last_fire_at) have their last run unfinished."""
    if not schedules:
        return set()
    last = {schedule.id: schedule.last_fire_at for schedule in schedules}
    found = connection.execute(
        _LAST_RUN_STATUSES, {"ids": list(last), "times": sorted(set(last.values()))}
    )
    return {
        row.schedule_id
        for row in found
        if row.fire_time == last[row.schedule_id] and row.status in UNFINISHED
    }


def _claim(connection: Connection, claims: dict[tuple[Any, ...], list[int]]) -> set[int]:
    """Advance the schedules whose (revision, next_fire_at) are still those read; the ids
    of those advanced."""
    claimed: set[int] = set()
    for (revision, due, following, last), ids in claims.items():
        parameters = {
            "ids": ids,
            "b_revision": revision,
            "b_due": due,
            "b_next": following,
            "b_last": last,
        }
        claimed.update(connection.execute(_CLAIM, parameters).scalars())
    return claimed


def fire_schedule(
    connection: Connection,
    schedule_id: int,
    due_at: datetime,
    revision: int,
    now: datetime | None = None,
) -> FireOutcome:
    """`fire_schedules` for one schedule."""
    return fire_schedules(connection, [(schedule_id, due_at, revision)], now)[schedule_id]


def fire_schedules(
    connection: Connection,
    due: Sequence[tuple[int, datetime, int]],
    now: datetime | None = None,
) -> dict[int, FireOutcome]:
    """Fire the due times of each (schedule id, due_at, revision) given, where `due_at` is
    the schedule's `next_fire_at` as the caller read it at `revision`, in the caller's
    transaction (`run_write`). Callers keep batches to a few hundred schedules.

    Args:
        now: the firing time (default: the current time).

    Returns:
        The outcome of each schedule, by id.
    """
    seen = {schedule_id: (due_at, revision) for schedule_id, due_at, revision in due}
    rows = {row.id: row for row in connection.execute(_SCHEDULES, {"ids": list(seen)})}
    now = now or utc_now()
    outcomes: dict[int, FireOutcome] = {}
    plans: dict[int, tuple[Any, FirePlan]] = {}
    for schedule_id, (due_at, revision) in seen.items():
        row = rows.get(schedule_id)
        if row is None or not row.enabled or row.revision != revision or row.next_fire_at != due_at:
            outcomes[schedule_id] = FireOutcome(stale=True)
            continue
        plan = plan_fires(
            cron=row.cron,
            timezone=row.timezone,
            next_fire_at=due_at,
            grace_seconds=row.grace_seconds,
            misfire_policy=row.misfire_policy,
            now=now,
        )
        if plan.run or plan.missed:
            plans[schedule_id] = (row, plan)
        else:
            outcomes[schedule_id] = FireOutcome(
                stale=False, next_fire_at=due_at, retries=row.retry_attempts > 0
            )
    # Without overlap, one run at most, and only once the last one has finished.
    busy = _busy(
        connection,
        [
            row
            for row, plan in plans.values()
            if plan.run and not row.allow_overlap and row.last_fire_at is not None
        ],
    )
    to_start: dict[int, list[datetime]] = {}
    claims: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for schedule_id, (row, plan) in plans.items():
        times = plan.run
        if not row.allow_overlap:
            times = [] if schedule_id in busy else plan.run[:1]
        to_start[schedule_id] = times
        last = max(times) if times else row.last_fire_at
        claims[(row.revision, row.next_fire_at, plan.next_fire_at, last)].append(schedule_id)
    claimed = _claim(connection, claims)
    fire_rows: list[dict[str, Any]] = []
    runs: list[tuple[Any, datetime]] = []
    for schedule_id, (row, plan) in plans.items():
        if schedule_id not in claimed:
            outcomes[schedule_id] = FireOutcome(stale=True)
            continue
        missed = plan.missed + [
            (time, OVERLAP_REASON) for time in plan.run if time not in to_start[schedule_id]
        ]
        fire_rows.extend(_missed(schedule_id, time, reason, now) for time, reason in missed)
        runs.extend((row, time) for time in to_start[schedule_id])
    queued = queue_fire_runs(connection, [row for row, _ in runs])
    for (row, time), one in zip(runs, queued, strict=True):
        if isinstance(one, ServiceError):
            fire_rows.append(_missed(row.id, time, str(one), now))
        else:
            fire_rows.append(_started(row.id, time, one.execution.id, now))
    fire_ids = _insert_fires(connection, fire_rows)
    missed_counts = defaultdict[int, int](int)
    for fire_row in fire_rows:
        if fire_row["status"] == FireStatus.MISSED.value:
            missed_counts[fire_row["schedule_id"]] += 1
    started: dict[int, list[tuple[int, QueuedExecution]]] = defaultdict(list)
    for (row, time), one in zip(runs, queued, strict=True):
        if isinstance(one, QueuedExecution):
            # Unreachable while the compare-and-set holds; a fire row is never doubled anyway.
            assert one.execution.id in fire_ids, f"schedule {row.id} fired {time} twice"
            started[row.id].append((fire_ids[one.execution.id], one))
    for schedule_id in claimed:
        row, plan = plans[schedule_id]
        outcomes[schedule_id] = FireOutcome(
            stale=False,
            next_fire_at=plan.next_fire_at,
            started=started[schedule_id],
            retries=row.retry_attempts > 0,
            missed=missed_counts[schedule_id],
        )
    return outcomes
