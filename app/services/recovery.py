"""Crash recovery: executions whose process died are marked `crashed`, never finished ones."""

from __future__ import annotations

import asyncio
import logging
import os
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, update
from sqlmodel import Session

from app.models.execution import ExecutionStatus
from app.models.types import utc_now
from app.services.db_threads import run_db
from app.services.execution_store import EXECUTIONS, end_running_node_runs
from app.services.run_observers import execution_ended
from app.services.unit_of_work import session_scope

logger = logging.getLogger(__name__)

STALE_ENV = "FLOWBOOK_HEARTBEAT_STALE_S"
DEFAULT_STALE_S = 30.0
CRASH_ERROR = "process died during the run"


def default_stale_after_s() -> float:
    """Seconds without a heartbeat after which a run is taken as dead (env, default 30)."""
    return float(os.environ.get(STALE_ENV) or DEFAULT_STALE_S)


def recover_crashed_executions(
    session: Session, *, stale_after_s: float | None = None, now: datetime | None = None
) -> int:
    """Mark as crashed the runs whose process is gone, with one conditional UPDATE (and one
    for their attempts that were running).

    Only rows still `queued` or `running` whose heartbeat (or creation, if none) is older
    than the cutoff change; finished rows are never rewritten. The heartbeat comes from the
    holding process's heartbeat thread (`run_heartbeat.py`), so a process whose event loop
    is blocked still keeps its runs. Their node runs are kept; attempts left `running` are
    marked `crashed` too. Should a run marked here finish after all, its true result
    replaces the mark (`execution_ends.finish`). Each one marked is counted in the metrics
    and captured in the error log (queued: nothing waits for it).

    Args:
        session: the session (its transaction is committed by the caller).
        stale_after_s: age that makes a heartbeat stale; default_stale_after_s() if None.
        now: the current time (tests).

    Returns:
        How many executions were marked crashed.
    """
    now = now or utc_now()
    limit = stale_after_s if stale_after_s is not None else default_stale_after_s()
    cutoff = now - timedelta(seconds=limit)
    table = EXECUTIONS
    unfinished = [ExecutionStatus.QUEUED.value, ExecutionStatus.RUNNING.value]
    last_sign_of_life = table.c.heartbeat_at
    statement = (
        update(table)
        .where(
            table.c.status.in_(unfinished),
            or_(
                last_sign_of_life < cutoff,
                and_(last_sign_of_life.is_(None), table.c.created_at < cutoff),
            ),
        )
        .values(status=ExecutionStatus.CRASHED.value, finished_at=now, error=CRASH_ERROR)
        .returning(table.c.id, table.c.workflow_id)
    )
    connection = session.connection()
    rows = connection.execute(statement).all()
    crashed = [row.id for row in rows]
    for row in rows:
        execution_ended(
            ExecutionStatus.CRASHED.value,
            CRASH_ERROR,
            execution_id=row.id,
            workflow_id=row.workflow_id,
            node_failed=False,
        )
    if crashed:
        # Their attempts that were running died with the process.
        end_running_node_runs(connection, crashed, status=ExecutionStatus.CRASHED.value, now=now)
        logger.warning("marked %d execution(s) as crashed", len(crashed))
    return len(crashed)


async def run_recovery_loop(*, interval_s: float | None = None) -> None:
    """Recover crashed executions every `interval_s` (default: the stale age) until cancelled.

    Start-up recovery cannot see runs whose heartbeat was still fresh when the process
    restarted; this loop catches them once they go stale.
    """
    while True:
        await asyncio.sleep(interval_s or default_stale_after_s())
        try:
            await run_db(_recover_once)
        except Exception:
            logger.exception("crash recovery failed")


def _recover_once() -> None:
    with session_scope() as session:
        recover_crashed_executions(session)
