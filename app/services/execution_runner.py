"""The in-process asyncio runner: runs executions as tasks on the loop that submits them.

A queued row is started (`queued` -> `running`) and run by `persisted_run.run_persisted`;
a row inserted `running` (`StartedRow`) is run as it is. The process's heartbeat thread
(`run_heartbeat.py`) beats for every execution the runner holds, however busy the event
loop is. A run can be cancelled from any thread (`cancel`).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection

from app.engine.spec import WorkflowSpec
from app.models.execution import ExecutionStatus
from app.models.types import utc_now
from app.services import execution_store as store
from app.services.db_threads import run_db, run_write
from app.services.execution_ends import finish
from app.services.ledger_store import LedgerContext
from app.services.llm_settings import current_llm_settings
from app.services.persisted_run import (
    PreparedWorkflow,
    ReactiveOptions,
    StartedRow,
    run_persisted,
)
from app.services.run_event_publisher import RunPublisher
from app.services.run_heartbeat import get_run_heartbeat

logger = logging.getLogger(__name__)

# How long a signalled run gets to wind down before its task is cancelled outright.
CANCEL_GRACE_S = 5.0


@dataclass
class _Job:
    task: asyncio.Task[Any]
    cancel_event: asyncio.Event
    loop: asyncio.AbstractEventLoop


class ExecutionRunner:
    """Runs executions as asyncio tasks on the loop that submits them."""

    def __init__(self) -> None:
        self._jobs: dict[int, _Job] = {}

    def submit(
        self,
        execution_id: int,
        options: ReactiveOptions | None = None,
        prepared: PreparedWorkflow | None = None,
        started: StartedRow | None = None,
    ) -> asyncio.Task[Any]:
        """Start a `queued` execution in the background (needs a running event loop).

        Args:
            execution_id: the queued row.
            options: a reactive run's options.
            prepared: the row's definition, already parsed and validated; None parses the
                definition snapshot when the run starts.
            started: the row was inserted `running` (with `prepared`): run it as it is.
        """
        event = asyncio.Event()
        task = asyncio.get_running_loop().create_task(
            self._run_queued(execution_id, event, options, prepared, started),
            name=f"execution-{execution_id}",
        )
        job = self.track(execution_id, task, event)
        task.add_done_callback(lambda _task: self._forget(execution_id, job))
        return task

    def track(self, execution_id: int, task: asyncio.Task[Any], event: asyncio.Event) -> _Job:
        """Hold a run: cancellable through this runner, beaten for by the heartbeat thread
        (inline runs call `untrack` after)."""
        job = _Job(task, event, asyncio.get_running_loop())
        self._jobs[execution_id] = job
        get_run_heartbeat().add(execution_id)
        return job

    def untrack(self, execution_id: int) -> None:
        """Forget an inline run that has ended."""
        self._jobs.pop(execution_id, None)
        get_run_heartbeat().discard(execution_id)

    def _forget(self, execution_id: int, job: _Job) -> None:
        if self._jobs.get(execution_id) is job:
            del self._jobs[execution_id]
            get_run_heartbeat().discard(execution_id)

    async def _run_queued(
        self,
        execution_id: int,
        cancel_event: asyncio.Event,
        options: ReactiveOptions | None,
        prepared: PreparedWorkflow | None,
        started: StartedRow | None,
    ) -> None:
        try:
            if started is not None and prepared is not None:
                await self._run_started(execution_id, cancel_event, options, prepared, started)
            else:
                await self._start_and_run(execution_id, cancel_event, options, prepared)
        except asyncio.CancelledError:
            raise
        except Exception:
            # The row stays queued/running and is recovered as crashed later.
            logger.exception("execution %s could not be run", execution_id)

    async def _run_started(
        self,
        execution_id: int,
        cancel_event: asyncio.Event,
        options: ReactiveOptions | None,
        prepared: PreparedWorkflow,
        started: StartedRow,
    ) -> None:
        await run_persisted(
            execution_id=execution_id,
            spec=prepared.spec,
            payload=started.payload,
            ledger=started.ledger,
            trigger=started.trigger,
            cancel_event=cancel_event,
            options=options,
            workflow_id=started.ledger.workflow_id,
            analysis=prepared.analysis,
        )

    async def _start_and_run(
        self,
        execution_id: int,
        cancel_event: asyncio.Event,
        options: ReactiveOptions | None,
        prepared: PreparedWorkflow | None,
    ) -> None:
        row, settings = await asyncio.gather(
            run_write(store.start_queued, execution_id, utc_now()),
            run_db(current_llm_settings),
        )
        if row is None:
            return  # cancelled (or recovered) before it could start
        definition, payload, trigger, workflow_id = row[:4]
        ledger = LedgerContext(workflow_id, row.version_id, row.version_number, row.owner_id)
        if prepared is not None:
            spec, analysis = prepared.spec, prepared.analysis
        else:
            try:
                spec, analysis = WorkflowSpec.from_document(definition), None
            except ValidationError as exc:
                error = f"the definition snapshot is not a workflow document: {exc}"
                await run_write(_fail, execution_id, error)
                RunPublisher(execution_id, workflow_id).execution_finished(
                    ExecutionStatus.FAILED.value, error
                )
                return
        await run_persisted(
            execution_id=execution_id,
            spec=spec,
            payload=payload,
            ledger=ledger,
            trigger=trigger,
            cancel_event=cancel_event,
            options=options,
            workflow_id=workflow_id,
            analysis=analysis,
            settings=settings,
        )

    def is_running(self, execution_id: int) -> bool:
        """Whether this process is running the execution."""
        return execution_id in self._jobs

    def cancel(self, execution_id: int) -> bool:
        """Ask a run to stop (thread-safe); its task is cancelled if it has not stopped soon.

        Returns:
            Whether this process was running the execution.
        """
        job = self._jobs.get(execution_id)
        if job is None or job.loop.is_closed():
            return False

        def force() -> None:
            if self._jobs.get(execution_id) is job:
                job.task.cancel()

        def signal() -> None:
            job.cancel_event.set()
            job.loop.call_later(CANCEL_GRACE_S, force)

        job.loop.call_soon_threadsafe(signal)
        return True

    async def wait(self, execution_id: int, timeout_s: float) -> None:
        """Wait (at most `timeout_s`) for a run of this process on this loop to end."""
        job = self._jobs.get(execution_id)
        if job is None or job.loop is not asyncio.get_running_loop():
            return
        await asyncio.wait({job.task}, timeout=timeout_s)

    async def shutdown(self) -> None:
        """Cancel every run on the current loop and wait for them to end."""
        loop = asyncio.get_running_loop()
        tasks = [job.task for job in self._jobs.values() if job.loop is loop]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _fail(connection: Connection, execution_id: int, error: str) -> None:
    finish(connection, execution_id, status=ExecutionStatus.FAILED.value, error=error)


_runner = ExecutionRunner()


def get_runner() -> ExecutionRunner:
    """The process-wide runner."""
    return _runner
