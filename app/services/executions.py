"""Execution use cases: start (queued, run in-process), run inline, cancel, list, detail, wait."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlmodel import Session

from app.models.execution import (
    ExecutionPublic,
    ExecutionStatus,
)
from app.services import execution_store as store
from app.services.access import Action
from app.services.db_threads import run_db, run_merged, run_write, submit_write
from app.services.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    ServiceError,
)
from app.services.execution_ends import finish_any_active
from app.services.execution_reads import authorized_execution, fetch_public, read_public
from app.services.execution_runner import get_runner
from app.services.execution_starts import (
    StartRequest,
    execution_values,
    insert_running,
    run_audit,
    running_values,
)
from app.services.ledger_store import LedgerContext
from app.services.persisted_run import (
    PreparedWorkflow,
    ReactiveOptions,
    StartedRow,
    run_persisted,
)
from app.services.principal import Principal
from app.services.runnable_workflows import read_runnable, runnable

TRIGGER_MAX = 32

__all__ = [
    "QueuedExecution",
    "cancel_execution",
    "insert_queued",
    "insert_queued_many",
    "queue_execution",
    "run_execution_inline",
    "start_execution",
    "start_execution_async",
    "start_loaded_execution_async",
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
    started: StartedRow | None = None

    def submit(self) -> None:
        """Start the run on the running event loop (after the row is committed)."""
        get_runner().submit(self.execution.id, self.options, self.prepared, self.started)


def _check_trigger(trigger: str) -> None:
    if not trigger or len(trigger) > TRIGGER_MAX:
        raise InvalidInputError(f"trigger must be 1 to {TRIGGER_MAX} characters")


def _insert(connection: Connection, row: Any, values: dict[str, Any], principal: Principal) -> int:
    audit = run_audit(row, values["workflow_id"], values["trigger"], principal)
    return store.insert_execution(connection, values, audit)


def _queued(
    values: dict[str, Any],
    execution_id: int,
    prepared: PreparedWorkflow,
    options: ReactiveOptions | None,
    started: StartedRow | None = None,
) -> QueuedExecution:
    public = {k: v for k, v in values.items() if k != "definition"}
    execution = ExecutionPublic(id=execution_id, **public)
    return QueuedExecution(execution, prepared, options, started)


def insert_queued(
    connection: Connection,
    row: Any,
    prepared: PreparedWorkflow,
    *,
    workflow_id: int,
    trigger: str,
    input: Any,
    principal: Principal,
    started: bool = False,
) -> QueuedExecution:
    """Insert a queued execution of `row` in the caller's transaction (not started: see
    `QueuedExecution`).

    Args:
        row: the workflow's row, or one standing for a stored version of it (name,
            definition, kind, owner_id, version_id, version_number).
        prepared: `row.definition` parsed and validated.
        started: insert it `running`, for a run `submit` starts as soon as the caller has
            committed (the run then writes no queued -> running update).

    Raises:
        InvalidInputError: a bad trigger name.
    """
    return insert_queued_many(
        connection,
        [(row, prepared, workflow_id, input, principal)],
        trigger=trigger,
        started=started,
    )[0]


def insert_queued_many(
    connection: Connection,
    runs: Sequence[tuple[Any, PreparedWorkflow, int, Any, Principal]],
    *,
    trigger: str,
    started: bool = False,
) -> list[QueuedExecution]:
    """`insert_queued` for many runs in one go (batched INSERTs), in the order given.

    Args:
        runs: (row, prepared, workflow_id, input, principal) of each run.
        started: as in `insert_queued`.

    Raises:
        InvalidInputError: a bad trigger name.
    """
    _check_trigger(trigger)
    row_values = running_values if started else execution_values
    values = [
        row_values(row, workflow_id, trigger, input, principal)
        for row, _, workflow_id, input, principal in runs
    ]
    audits = [
        run_audit(row, workflow_id, trigger, principal)
        for row, _, workflow_id, _, principal in runs
    ]
    ids = store.insert_executions(connection, values, audits)
    return [
        _queued(one, execution_id, run[1], None, _started_row(run, trigger) if started else None)
        for one, execution_id, run in zip(values, ids, runs, strict=True)
    ]


def _started_row(
    run: tuple[Any, PreparedWorkflow, int, Any, Principal], trigger: str
) -> StartedRow:
    row, _, workflow_id, input, _ = run
    ledger = LedgerContext(workflow_id, row.version_id, row.version_number, row.owner_id)
    return StartedRow(input, trigger, ledger)


def queue_execution(
    session: Session,
    *,
    principal: Principal,
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
        loaded = runnable(session.get_bind(), connection, workflow_id, principal)  # type: ignore[arg-type]
    row, prepared = loaded
    values = execution_values(row, workflow_id, trigger, input, principal)
    return _queued(values, _insert(connection, row, values, principal), prepared, options)


def start_execution(
    session: Session,
    *,
    principal: Principal,
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
        NotFoundError: no such workflow, it is deleted, or the caller may not see it.
        PermissionDeniedError: the caller may not run it.
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
        session,
        principal=principal,
        workflow_id=workflow_id,
        trigger=trigger,
        input=input,
        options=options,
    )
    session.commit()
    queued.submit()
    return queued.execution


async def start_execution_async(
    *,
    principal: Principal,
    workflow_id: int,
    trigger: str = "manual",
    input: Any = None,
    options: ReactiveOptions | None = None,
) -> ExecutionPublic:
    """`start_execution` for async code: the workflow is read and prepared, and its row
    inserted `running`, in one write of the group-commit writer (with the other runs
    starting at that moment: one multi-row INSERT), and the run starts at once.

    Raises:
        NotFoundError, InvalidWorkflowError, InvalidInputError: as `start_execution`.
    """
    _check_trigger(trigger)
    return await _start_running(StartRequest(workflow_id, trigger, input, principal), options)


async def start_loaded_execution_async(
    loaded: tuple[Any, PreparedWorkflow],
    *,
    principal: Principal,
    workflow_id: int,
    trigger: str,
    input: Any,
    options: ReactiveOptions | None,
) -> ExecutionPublic:
    """`start_execution_async` for a caller that already read the workflow (`runnable`)."""
    return await _start_running(
        StartRequest(workflow_id, trigger, input, principal, loaded), options
    )


async def _start_running(request: StartRequest, options: ReactiveOptions | None) -> ExecutionPublic:
    written = await run_merged(insert_running, request)
    if isinstance(written, ServiceError):
        raise written
    values, execution_id, (row, prepared) = written
    run = (row, prepared, request.workflow_id, request.input, request.principal)
    queued = _queued(values, execution_id, prepared, options, _started_row(run, request.trigger))
    queued.submit()
    return queued.execution


async def run_execution_inline(
    *, principal: Principal, workflow_id: int, input: Any = None, trigger: str = "manual"
) -> ExecutionPublic:
    """Create an execution and run it in the current task (CLI, bench, tests).

    Raises:
        NotFoundError, InvalidWorkflowError, InvalidInputError: as `start_execution`.
    """
    _check_trigger(trigger)
    row, prepared = await run_db(read_runnable, workflow_id, principal)
    values = running_values(row, workflow_id, trigger, input, principal)
    execution_id = await run_write(_insert, row, values, principal)
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
            ledger=LedgerContext(workflow_id, row.version_id, row.version_number, row.owner_id),
            trigger=trigger,
            cancel_event=event,
            workflow_id=workflow_id,
            analysis=prepared.analysis,
        )
    finally:
        runner.untrack(execution_id)
    if event.is_set():
        current = await run_db(read_public, execution_id)
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


def cancel_execution(
    session: Session, *, principal: Principal, execution_id: int
) -> ExecutionPublic:
    """Cancel a queued, running or paused execution (committed at once).

    Raises:
        NotFoundError: no such execution, or the caller may not see it.
        PermissionDeniedError: the caller may see it but not run its workflow.
        ConflictError: it has already finished.
    """
    authorized_execution(session, principal, execution_id, Action.RUN)
    # Ends the check's transaction: on SQLite a write session holds the database's lock,
    # which the writer below needs.
    session.commit()
    # Through the run path's writer, after the writes it has queued: a cancel in a
    # transaction of its own would lock the execution row and then its node runs, while
    # the writer locks them in the other order (a deadlock on PostgreSQL).
    changed = submit_write(
        finish_any_active, execution_id, status=ExecutionStatus.CANCELLED.value, error=None
    ).result()
    connection = session.connection()
    current = fetch_public(connection, execution_id)
    if current is None:
        raise NotFoundError(f"Execution {execution_id} not found")
    if not changed:
        raise ConflictError(f"Execution {execution_id} has already finished ({current.status})")
    session.commit()
    get_runner().cancel(execution_id)
    return current
