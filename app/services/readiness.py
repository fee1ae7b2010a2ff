"""Readiness: may this process serve? Each check says how it went and whether it is required.

Required: the database answers and its schema is at the code's migration head (a process
serving an older schema would fail on the new columns). Reported but not required: the
scheduler (only one process leads; a missing leader or an overdue schedule is an alert, not
a reason to stop serving) and the free disk space of the data folder.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time

from sqlalchemy import Connection, text
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from app.models.db import data_dir, get_engine
from app.models.migration_heads import code_heads, database_revisions
from app.models.monitoring import CheckStatus, HealthCheck
from app.models.types import utc_now
from app.services.schedule_health import overdue_schedules
from app.services.scheduler import scheduler_enabled, scheduler_runtime
from app.services.scheduler_leader import ADVISORY_LOCK_KEY, LOCK_FILE_SUFFIX
from app.services.unit_of_work import session_scope

SLOW_QUERY_MS = 100.0
DISK_WARNING_RATIO = 0.05
DISK_ERROR_BYTES = 200 * 1024 * 1024
WORST = {"ok": 0, "warning": 1, "error": 2}
FAILED_DETAIL = {
    "database": "unreachable",
    "migrations": "cannot read the schema revision",
    "scheduler": "cannot read the schedules",
}


def database_check(connection: Connection | Session) -> tuple[HealthCheck, float]:
    """Time `SELECT 1`; the check and the latency in ms."""
    started = time.perf_counter()
    connection.execute(text("SELECT 1"))
    latency_ms = (time.perf_counter() - started) * 1000
    status: CheckStatus = "warning" if latency_ms > SLOW_QUERY_MS else "ok"
    check = HealthCheck(
        name="database", status=status, detail=f"SELECT 1 in {latency_ms:.1f} ms", required=True
    )
    return check, latency_ms


def migrations_check(connection: Connection | Session) -> HealthCheck:
    """Whether the database's schema revision is the code's migration head."""
    revisions = database_revisions(connection)
    heads = code_heads()
    if revisions == heads:
        return HealthCheck(
            name="migrations",
            status="ok",
            detail=f"at head {', '.join(sorted(heads))}",
            required=True,
        )
    found = ", ".join(sorted(revisions)) or "none"
    return HealthCheck(
        name="migrations",
        status="error",
        detail=f"database at {found}, code at {', '.join(sorted(heads))}",
        required=True,
    )


def leader_present(connection: Connection | Session) -> bool | None:
    """Whether some process holds the scheduler's leadership lock (None: cannot tell)."""
    runtime = scheduler_runtime()
    if runtime is not None and runtime.is_leader:
        return True
    engine = get_engine()
    if engine.dialect.name == "postgresql":
        # A bigint advisory key shows as classid (high 32 bits) and objid (low 32 bits).
        held = connection.execute(
            text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND classid = :high AND objid = :low AND objsubid = 1"
                " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            ),
            {"high": ADVISORY_LOCK_KEY >> 32, "low": ADVISORY_LOCK_KEY & 0xFFFFFFFF},
        ).scalar_one()
        return bool(held)
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return None
    path = os.path.abspath(database) + LOCK_FILE_SUFFIX
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        # A shared lock conflicts with the leader's exclusive one; taken, it is let go at once.
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def scheduler_check(connection: Connection | Session) -> tuple[HealthCheck, list[int]]:
    """The schedules' firing: off here, no leader, overdue schedules, or fine; and the
    overdue schedules' ids."""
    overdue = [schedule.id for schedule in overdue_schedules(connection, utc_now())]
    if overdue:
        detail = f"{len(overdue)} schedule(s) overdue: nobody fires them"
        return HealthCheck(name="scheduler", status="error", detail=detail, required=False), overdue
    if not scheduler_enabled():
        detail = "off in this process (FLOWBOOK_SCHEDULER)"
        return HealthCheck(name="scheduler", status="ok", detail=detail, required=False), overdue
    leader = leader_present(connection)
    if leader is False:
        detail = "no process leads the scheduler"
        return HealthCheck(
            name="scheduler", status="warning", detail=detail, required=False
        ), overdue
    runtime = scheduler_runtime()
    here = runtime is not None and runtime.is_leader
    detail = "this process leads" if here else "another process leads"
    return HealthCheck(name="scheduler", status="ok", detail=detail, required=False), overdue


def disk_usage() -> tuple[int, int]:
    """Free and total bytes of the data folder's file system."""
    folder = data_dir()
    usage = shutil.disk_usage(folder if folder.exists() else folder.parent)
    return usage.free, usage.total


def disk_check(free: int, total: int) -> HealthCheck:
    """Free space of the data folder's file system: warning under 5%, error under 200 MB."""
    status: CheckStatus = "ok"
    if free < DISK_ERROR_BYTES:
        status = "error"
    elif total and free / total < DISK_WARNING_RATIO:
        status = "warning"
    detail = f"{free / 1024**3:.1f} GiB free of {total / 1024**3:.1f} GiB"
    return HealthCheck(name="disk", status=status, detail=detail, required=False)


def worst_status(checks: list[HealthCheck]) -> CheckStatus:
    """The worst status among the checks (ok when there are none)."""
    worst: CheckStatus = "ok"
    for check in checks:
        if WORST[check.status] > WORST[worst]:
            worst = check.status
    return worst


def readiness_checks() -> list[HealthCheck]:
    """Every check, each in a read-only transaction; a database that cannot be reached
    makes the database check `error` and the checks that need it are skipped."""
    checks: list[HealthCheck] = []
    try:
        with session_scope(read_only=True) as session:
            checks.append(database_check(session)[0])
            checks.append(migrations_check(session))
            checks.append(scheduler_check(session)[0])
    except SQLAlchemyError as exc:
        # The first check that did not finish failed; those after it could not run.
        done = {check.name for check in checks}
        name = next(name for name in ("database", "migrations", "scheduler") if name not in done)
        checks.append(
            HealthCheck(
                name=name,
                status="error",
                detail=f"{FAILED_DETAIL[name]}: {type(exc).__name__}",
                required=name != "scheduler",
            )
        )
    checks.append(disk_check(*disk_usage()))
    return checks


def is_ready(checks: list[HealthCheck]) -> bool:
    """No required check failed."""
    return not any(check.required and check.status == "error" for check in checks)
