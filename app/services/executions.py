"""Execution use cases: start (queued, run in-process), run inline, cancel, list, detail, wait."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select
from sqlmodel import Session

from app.models.execution import (
    FINISHED_STATUSES,
    ExecutionDetail,
    ExecutionPublic,
    ExecutionsPage,
    ExecutionStatus,
    NodeRunPublic,
)
from app.models.types import utc_now
from app.services import execution_store as store
from app.services.db_threads import run_db, run_write, submit_write
from app.services.errors import (
    ConflictError,
    InvalidInputError,
    InvalidWorkflowError,
    NotFoundError,
)
from app.services.execution_runner import (
    PreparedWorkflow,
    ReactiveOptions,
    get_runner,
    run_persisted,
)
from app.services.runnable_workflows import read_runnable, runnable
from app.services.unit_of_work import session_scope

MAX_PAGE = 500
TRIGGER_MAX = 32
POLL_S = 0.05

__all__ = [
    "ExecutionsPage",
    "QueuedExecution",
    "cancel_execution",
    "get_execution_detail",
    "list_executions",
    "queue_execution",
    "run_execution_inline",
    "start_execution",
    "start_execution_async",
    "start_loaded_execution_async",
    "wait_for_execution",
]


@dataclass(frozen=True)
class QueuedExecution:
    """A queued execution row (committed with its session) and what its run needs.

    Attributes:
        execution: the queued row as the API and UI see it.
        prepared: the workflow as parsed and validated when it was queued.
        options: a reactive run's options.
    """

    execution: ExecutionPublic
    prepared: PreparedWorkflow
    options: ReactiveOptions | None = None

    def submit(self) -> None:
        """Start the run on the running event loop (after the row is committed)."""
        get_runner().submit(self.execution.id, self.options, self.prepared)


def _check_trigger(trigger: str) -> None:
    if not trigger or len(trigger) > TRIGGER_MAX:
        raise InvalidInputError(f"trigger must be 1 to {TRIGGER_MAX} characters")


def _public(row: Any) -> ExecutionPublic:
    return ExecutionPublic.model_validate(row, from_attributes=True)


def _fetch_public(connection: Any, execution_id: int) -> ExecutionPublic | None:
    row = connection.execute(
        select(*store.PUBLIC_COLUMNS).where(store.EXECUTIONS.c.id == execution_id)
    ).first()
    return None if row is None else _public(row)


def _execution_values(row: Any, workflow_id: int, trigger: str, input: Any) -> dict[str, Any]:
    return {
        "workflow_id": workflow_id,
        "workflow_name": row.name,
        "definition": row.definition,
        "status": ExecutionStatus.QUEUED.value,
        "trigger": trigger,
        "input": input,
        "created_at": utc_now(),
    }


def _queued(
    values: dict[str, Any],
    execution_id: int,
    prepared: PreparedWorkflow,
    options: ReactiveOptions | None,
) -> QueuedExecution:
    public = {k: v for k, v in values.items() if k != "definition"}
    return QueuedExecution(ExecutionPublic(id=execution_id, **public), prepared, options)


def queue_execution(
    session: Session,
    *,
    workflow_id: int,
    trigger: str = "manual",
    input: Any = None,
    options: ReactiveOptions | None = None,
    loaded: tuple[Any, PreparedWorkflow] | None = None,
) -> QueuedExecution:
    """Insert a queued execution (not committed, not started: see `QueuedExecution`).

    Args:
        loaded: the workflow's row and prepared definition when the caller already read
            them (`runnable`).

    Raises:
        NotFoundError, InvalidWorkflowError, InvalidInputError: as `start_execution`.
    """
    _check_trigger(trigger)
    connection = session.connection()
    if loaded is None:
        loaded = runnable(session.get_bind(), connection, workflow_id)  # type: ignore[arg-type]
    row, prepared = loaded
    values = _execution_values(row, workflow_id, trigger, input)
    return _queued(values, store.insert_execution(connection, values), prepared, options)


def start_execution(
    session: Session,
    *,
    workflow_id: int,
    trigger: str = "manual",
    input: Any = None,
    options: ReactiveOptions | None = None,
) -> ExecutionPublic:
    """Queue a run and start it in the background on the running event loop.

    The session is committed so the runner (on its own connection) sees the new row.
    `options` makes it a reactive run (cache, stale set, target; see `reactive_runs.py`).
    Async callers use `start_execution_async`, which keeps the database off the loop.

    Raises:
        NotFoundError: no such workflow (or it is deleted).
        InvalidWorkflowError: the workflow has problems.
        InvalidInputError: a bad trigger name.
        RuntimeError: called without a running event loop.
    """
    _check_trigger(trigger)
    try:
        asyncio.get_running_loop()
    except RuntimeError as exc:
        raise RuntimeError("start_execution needs a running event loop") from exc
    queued = queue_execution(
        session, workflow_id=workflow_id, trigger=trigger, input=input, options=options
    )
    session.commit()
    queued.submit()
    return queued.execution


async def start_execution_async(
    *,
    workflow_id: int,
    trigger: str = "manual",
    input: Any = None,
    options: ReactiveOptions | None = None,
) -> ExecutionPublic:
    """`start_execution` for async code: the workflow is read and prepared, and the row
    inserted, in one write of the group-commit writer.

    Raises:
        NotFoundError, InvalidWorkflowError, InvalidInputError: as `start_execution`.
    """
    _check_trigger(trigger)
    written = await run_write(_insert_runnable, workflow_id, trigger, input)
    if isinstance(written, Exception):
        raise written
    values, execution_id, prepared = written
    queued = _queued(values, execution_id, prepared, options)
    queued.submit()
    return queued.execution


def _insert_runnable(
    connection: Connection, workflow_id: int, trigger: str, input: Any
) -> tuple[dict[str, Any], int, PreparedWorkflow] | NotFoundError | InvalidWorkflowError:
    """Read the workflow and insert its queued execution in one write (one trip to the
    writer thread). A workflow that cannot run is returned, not raised: a write that raises
    makes the writer retry every other write of its batch on its own."""
    try:
        row, prepared = runnable(connection.engine, connection, workflow_id)
    except (NotFoundError, InvalidWorkflowError) as exc:
        return exc
    values = _execution_values(row, workflow_id, trigger, input)
    return values, store.insert_execution(connection, values), prepared


async def start_loaded_execution_async(
    loaded: tuple[Any, PreparedWorkflow],
    *,
    workflow_id: int,
    trigger: str,
    input: Any,
    options: ReactiveOptions | None,
) -> ExecutionPublic:
    """`start_execution_async` for a caller that already read the workflow (`runnable`):
    insert the row through the group-commit writer and start the run."""
    row, prepared = loaded
    values = _execution_values(row, workflow_id, trigger, input)
    execution_id = await run_write(store.insert_execution, values)
    queued = _queued(values, execution_id, prepared, options)
    queued.submit()
    return queued.execution


def _read_public(execution_id: int) -> ExecutionPublic | None:
    with session_scope(read_only=True) as session:
        return _fetch_public(session.connection(), execution_id)


async def run_execution_inline(
    *, workflow_id: int, input: Any = None, trigger: str = "manual"
) -> ExecutionPublic:
    """Create an execution and run it in the current task (CLI, bench, tests).

    Raises:
        NotFoundError, InvalidWorkflowError, InvalidInputError: as `start_execution`.
    """
    _check_trigger(trigger)
    row, prepared = await run_db(read_runnable, workflow_id)
    now = utc_now()
    values = _execution_values(row, workflow_id, trigger, input) | {
        "status": ExecutionStatus.RUNNING.value,
        "created_at": now,
        "started_at": now,
        "heartbeat_at": now,
    }
    execution_id = await run_write(store.insert_execution, values)
    del values["definition"]
    runner = get_runner()
    task = asyncio.current_task()
    event = asyncio.Event()
    if task is not None:
        runner.track(execution_id, task, event)
    try:
        outcome = await run_persisted(
            execution_id=execution_id,
            spec=prepared.spec,
            payload=input,
            trigger=trigger,
            cancel_event=event,
            workflow_id=workflow_id,
            analysis=prepared.analysis,
        )
    finally:
        runner.untrack(execution_id)
    if event.is_set():
        current = await run_db(_read_public, execution_id)
        assert current is not None
        return current
    return ExecutionPublic(
        id=execution_id,
        **values | {"status": outcome.status},
        output=outcome.output,
        error=outcome.error,
        error_node_id=outcome.error_node_id,
        finished_at=outcome.finished_at,
        uses_mock=outcome.uses_mock,
    )


def cancel_execution(session: Session, *, execution_id: int) -> ExecutionPublic:
    """Cancel a queued, running or paused execution (committed at once).

    Raises:
        NotFoundError: no such execution.
        ConflictError: it has already finished.
    """
    # Through the run path's writer, after the writes it has queued: a cancel in a
    # transaction of its own would lock the execution row and then its node runs, while
    # the writer locks them in the other order (a deadlock on PostgreSQL).
    changed = submit_write(
        store.finish_any_active, execution_id, status=ExecutionStatus.CANCELLED.value, error=None
    ).result()
    connection = session.connection()
    current = _fetch_public(connection, execution_id)
    if current is None:
        raise NotFoundError(f"Execution {execution_id} not found")
    if not changed:
        raise ConflictError(f"Execution {execution_id} has already finished ({current.status})")
    session.commit()
    get_runner().cancel(execution_id)
    return current


def list_executions(
    session: Session,
    *,
    workflow_id: int | None = None,
    status: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> ExecutionsPage:
    """Executions, newest first, optionally of one workflow and/or in one status."""
    if offset < 0 or not 1 <= limit <= MAX_PAGE:
        raise InvalidInputError(f"offset must be >= 0 and limit between 1 and {MAX_PAGE}")
    if status is not None and status not in ExecutionStatus.__members__.values():
        raise InvalidInputError(f"unknown status {status!r}")
    table = store.EXECUTIONS
    conditions = []
    if workflow_id is not None:
        conditions.append(table.c.workflow_id == workflow_id)
    if status is not None:
        conditions.append(table.c.status == status)
    connection = session.connection()
    total = connection.execute(select(func.count()).select_from(table).where(*conditions)).scalar()
    rows = connection.execute(
        select(*store.PUBLIC_COLUMNS)
        .where(*conditions)
        .order_by(table.c.id.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    return ExecutionsPage(items=[_public(row) for row in rows], total=int(total or 0))


def get_execution_detail(session: Session, *, execution_id: int) -> ExecutionDetail:
    """An execution with its definition snapshot and every node run, in the order they started."""
    connection = session.connection()
    row = connection.execute(
        select(
            *store.PUBLIC_COLUMNS, store.EXECUTIONS.c.definition, store.EXECUTIONS.c.node_states
        ).where(store.EXECUTIONS.c.id == execution_id)
    ).first()
    if row is None:
        raise NotFoundError(f"Execution {execution_id} not found")
    runs = connection.execute(
        select(store.NODE_RUNS)
        .where(store.NODE_RUNS.c.execution_id == execution_id)
        .order_by(store.NODE_RUNS.c.id)
    ).all()
    detail = ExecutionDetail.model_validate(row, from_attributes=True)
    detail.node_runs = [NodeRunPublic.model_validate(run, from_attributes=True) for run in runs]
    return detail


async def wait_for_execution(*, execution_id: int, timeout_s: float) -> ExecutionPublic:
    """Wait until an execution finishes, or `timeout_s` passes.

    Returns:
        The execution as it is then (check `status`: it may still be running on timeout).

    Raises:
        NotFoundError: no such execution.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    await get_runner().wait(execution_id, timeout_s)
    while True:
        current = await run_db(_read_public, execution_id)
        if current is None:
            raise NotFoundError(f"Execution {execution_id} not found")
        if current.status in FINISHED_STATUSES or loop.time() >= deadline:
            return current
        await asyncio.sleep(min(POLL_S, max(0.0, deadline - loop.time())))
