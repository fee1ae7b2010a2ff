"""The monitoring page's data in one call: checks, database, scheduler, runner, LLM
deployments, this process, disk, recent errors and throughput.

Not per user: it names workflows and executions only by id (the page is for admins). Every
part is read in the caller's session; call it through `run_db` from async code.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

import psutil
from sqlalchemy import Table, func, select, text
from sqlmodel import Session, col

from app.models.error_log import ErrorEvent, ErrorGroup
from app.models.execution import Execution, ExecutionStatus
from app.models.monitoring import (
    DatabaseHealth,
    ErrorEventPublic,
    ErrorGroupPublic,
    MonitoringSnapshot,
    ProcessHealth,
    RunnerHealth,
    SchedulerHealth,
)
from app.models.schedule import FireStatus, Schedule, ScheduleFire
from app.models.types import utc_now
from app.services.errors import InvalidInputError, NotFoundError
from app.services.monitoring_series import deployments, throughput
from app.services.readiness import (
    database_check,
    disk_check,
    disk_usage,
    leader_present,
    migrations_check,
    scheduler_check,
    worst_status,
)
from app.services.scheduler import scheduler_enabled, scheduler_runtime

EXECUTIONS: Table = Execution.__table__  # type: ignore[attr-defined]
SCHEDULES: Table = Schedule.__table__  # type: ignore[attr-defined]
FIRES: Table = ScheduleFire.__table__  # type: ignore[attr-defined]
RECENT_GROUPS = 20
MAX_EVENTS = 100
# Kept between snapshots: cpu_percent measures from the previous call on the same object.
_processes: dict[int, psutil.Process] = {}


def database_size(session: Session) -> int | None:
    """Bytes the database takes on disk (SQLite: its pages; PostgreSQL: pg_database_size)."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        return int(
            connection.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
        )
    if connection.dialect.name == "sqlite":
        pages = connection.execute(text("PRAGMA page_count")).scalar_one()
        page_size = connection.execute(text("PRAGMA page_size")).scalar_one()
        return int(pages) * int(page_size)
    return None


def runner_health(session: Session, *, now: datetime) -> RunnerHealth:
    """Executions queued, running and paused (every process), finished in the last minute,
    and how long the oldest queued one has waited."""
    connection = session.connection()
    waiting = (ExecutionStatus.QUEUED, ExecutionStatus.RUNNING, ExecutionStatus.PAUSED)
    counts: dict[str, int] = dict(
        connection.execute(
            select(EXECUTIONS.c.status, func.count())
            .where(EXECUTIONS.c.status.in_([status.value for status in waiting]))
            .group_by(EXECUTIONS.c.status)
        ).all()
    )
    oldest = connection.execute(
        select(func.min(EXECUTIONS.c.created_at)).where(
            EXECUTIONS.c.status == ExecutionStatus.QUEUED.value
        )
    ).scalar_one()
    finished = connection.execute(
        select(func.count()).where(EXECUTIONS.c.finished_at >= now - timedelta(minutes=1))
    ).scalar_one()
    return RunnerHealth(
        queued=int(counts.get(ExecutionStatus.QUEUED.value, 0)),
        running=int(counts.get(ExecutionStatus.RUNNING.value, 0)),
        paused=int(counts.get(ExecutionStatus.PAUSED.value, 0)),
        finished_last_minute=int(finished),
        oldest_queued_age_s=None if oldest is None else (now - oldest).total_seconds(),
    )


def scheduler_health(session: Session, *, now: datetime, overdue: list[int]) -> SchedulerHealth:
    """The scheduler across processes: leader, enabled schedules, last fire, misses in 24 h."""
    connection = session.connection()
    jobs = connection.execute(
        select(func.count()).where(SCHEDULES.c.enabled.is_(True))
    ).scalar_one()
    last_fire = connection.execute(select(func.max(FIRES.c.fire_time))).scalar_one()
    missed = connection.execute(
        select(func.count()).where(
            FIRES.c.status == FireStatus.MISSED.value,
            FIRES.c.created_at >= now - timedelta(hours=24),
        )
    ).scalar_one()
    runtime = scheduler_runtime()
    return SchedulerHealth(
        enabled=scheduler_enabled(),
        leader=leader_present(session),
        leader_here=runtime is not None and runtime.is_leader,
        jobs=int(jobs),
        last_fire_at=last_fire,
        missed_24h=int(missed),
        overdue=len(overdue),
        overdue_ids=overdue,
    )


def process_health() -> ProcessHealth:
    """This process's resident memory and CPU use since the previous call."""
    pid = os.getpid()  # a forked worker is a new process
    if pid not in _processes:
        _processes[pid] = psutil.Process(pid)
    process = _processes[pid]
    with process.oneshot():
        return ProcessHealth(
            pid=pid,
            rss_bytes=process.memory_info().rss,
            cpu_percent=process.cpu_percent(interval=None),
        )


def _event(row: ErrorEvent) -> ErrorEventPublic:
    return ErrorEventPublic.model_validate(row, from_attributes=True)


def recent_errors(session: Session, *, limit: int = RECENT_GROUPS) -> list[ErrorGroupPublic]:
    """The error groups seen last, newest first, each with its newest event."""
    groups = session.scalars(
        select(ErrorGroup).order_by(col(ErrorGroup.last_seen).desc()).limit(limit)
    ).all()
    latest_ids = (
        select(func.max(ErrorEvent.id))
        .where(col(ErrorEvent.group_id).in_([group.id for group in groups]))
        .group_by(col(ErrorEvent.group_id))
    )
    events = {
        event.group_id: event
        for event in session.scalars(select(ErrorEvent).where(col(ErrorEvent.id).in_(latest_ids)))
    }
    return [
        ErrorGroupPublic(
            id=group.id or 0,
            source=group.source,
            error_type=group.error_type,
            message=group.message,
            count=group.count,
            first_seen=group.first_seen,
            last_seen=group.last_seen,
            latest=_event(events[group.id]) if group.id in events else None,
        )
        for group in groups
    ]


def monitoring_snapshot(session: Session) -> MonitoringSnapshot:
    """Everything the monitoring page shows, read now.

    Args:
        session: a session (read-only work; the caller's transaction).

    Returns:
        The snapshot; its `status` is the worst of its checks.
    """
    now = utc_now()
    database, latency_ms = database_check(session)
    scheduler, overdue = scheduler_check(session)
    free, total = disk_usage()
    checks = [database, migrations_check(session), scheduler, disk_check(free, total)]
    return MonitoringSnapshot(
        taken_at=now,
        status=worst_status(checks),
        checks=checks,
        database=DatabaseHealth(
            dialect=session.connection().dialect.name,
            latency_ms=latency_ms,
            size_bytes=database_size(session),
        ),
        scheduler=scheduler_health(session, now=now, overdue=overdue),
        runner=runner_health(session, now=now),
        deployments=deployments(session, now=now),
        process=process_health(),
        disk_free_bytes=free,
        disk_total_bytes=total,
        errors=recent_errors(session),
        throughput_minutes=throughput(session, now=now, size=timedelta(minutes=1), count=60),
        throughput_hours=throughput(session, now=now, size=timedelta(hours=1), count=24),
    )


def error_group_events(
    session: Session, *, group_id: int, limit: int = 20
) -> list[ErrorEventPublic]:
    """The newest events of one error group, newest first.

    Raises:
        InvalidInputError: limit outside 1..100.
        NotFoundError: no such group.
    """
    if not 1 <= limit <= MAX_EVENTS:
        raise InvalidInputError(f"limit must be between 1 and {MAX_EVENTS}")
    if session.get(ErrorGroup, group_id) is None:
        raise NotFoundError(f"error group {group_id} not found")
    rows = session.scalars(
        select(ErrorEvent)
        .where(col(ErrorEvent.group_id) == group_id)
        .order_by(col(ErrorEvent.id).desc())
        .limit(limit)
    ).all()
    return [_event(row) for row in rows]


# The names issue 12's contract gives them (the monitoring page may use either).
MONITORING_SNAPSHOT = monitoring_snapshot
ERROR_GROUP_EVENTS = error_group_events
