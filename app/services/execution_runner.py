"""The in-process asyncio runner: runs executions as tasks, persisting as they go.

Each node attempt is written as `running` when it starts and updated when it ends (see
`persistence_hooks.py`); the process's heartbeat thread (`run_heartbeat.py`) beats for
every execution the runner holds, however busy the event loop is; the final status and
every node's state are written only if the row is still `running` (or was wrongly marked
`crashed`: the true result replaces the mark), so a cancel is never overwritten. Every
write runs on the services' database threads, never on the event loop, and each is followed
by its run event (`run_events.py`). A run started by `start_execution` gets the workflow as
parsed and validated there, so nothing is parsed or validated twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection

from app.engine.events import ExecutionResult
from app.engine.executor import run_workflow
from app.engine.nodes import default_registry
from app.engine.run_plan import TargetMode
from app.engine.spec import WorkflowSpec
from app.engine.validation import WorkflowAnalysis, WorkflowInvalid
from app.models.db import get_engine
from app.models.execution import ExecutionStatus
from app.models.types import utc_now
from app.services import execution_store as store
from app.services.db_threads import run_db, run_write
from app.services.ledger_store import LedgerContext
from app.services.llm_settings import LLMSettings, current_llm_settings
from app.services.node_cache_store import SqlNodeCache
from app.services.persistence_hooks import PersistenceHooks
from app.services.run_event_publisher import RunPublisher
from app.services.run_heartbeat import get_run_heartbeat
from app.services.run_services import build_run_services, drain_llm_events

logger = logging.getLogger(__name__)

# How long a signalled run gets to wind down before its task is cancelled outright.
CANCEL_GRACE_S = 5.0


@dataclass(frozen=True)
class RunOutcome:
    """What a persisted run ended with (as written, unless the row was cancelled first)."""

    status: str
    output: Any
    error: str | None
    error_node_id: str | None
    finished_at: datetime
    uses_mock: bool = False


@dataclass(frozen=True)
class ReactiveOptions:
    """A run that reuses cached outputs (see `run_workflow` for the fields of the same name).

    Attributes:
        workflow_id: the workflow, recorded on the cache entries the run stores.
    """

    workflow_id: int
    rerun: frozenset[str] | None = None
    allow_side_effects: bool = True
    target: str | None = None
    target_mode: TargetMode = "node"
    seed_outputs: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class PreparedWorkflow:
    """A workflow parsed and validated once, handed to the run so it is not done again.

    Attributes:
        spec: the parsed definition.
        analysis: its validation (no problems), with the graph and parsed configs.
    """

    spec: WorkflowSpec
    analysis: WorkflowAnalysis


def _trigger_node_id(spec: WorkflowSpec, trigger: str) -> str | None:
    wanted = f"{trigger}_trigger"
    return next((node.id for node in spec.nodes if node.type == wanted), None)


async def run_persisted(
    *,
    execution_id: int,
    spec: WorkflowSpec,
    payload: Any,
    ledger: LedgerContext,
    trigger: str = "manual",
    cancel_event: asyncio.Event | None = None,
    options: ReactiveOptions | None = None,
    workflow_id: int | None = None,
    analysis: WorkflowAnalysis | None = None,
    settings: LLMSettings | None = None,
) -> RunOutcome:
    """Run a `running` execution row's workflow and write its node runs and final status.

    Args:
        execution_id: the row, already `running`, held by the runner (`track`) so that the
            heartbeat thread beats for it.
        spec: the definition snapshot to run.
        payload: the trigger payload.
        ledger: the run's workflow, version and owner, for its LLM calls' ledger rows.
        trigger: how the run was started; picks the `<trigger>_trigger` node when present.
        cancel_event: setting it cancels the run.
        options: reuse cached outputs and run part of the workflow; None: a plain run, which
            neither reads nor fills the cache.
        workflow_id: the workflow, put on the run events (default: `options.workflow_id`).
        analysis: the spec's validation when the caller already did it (no problems).
        settings: the LLM settings, when the caller read them (off the loop); None reads
            them here (off the loop).

    Returns:
        The outcome. If the task is cancelled, the row is marked cancelled (when still
        running) and the CancelledError propagates.
    """
    engine = get_engine()
    if workflow_id is None and options is not None:
        workflow_id = options.workflow_id
    publisher = RunPublisher(execution_id, workflow_id)
    cache = None if options is None else SqlNodeCache(engine, workflow_id=options.workflow_id)
    names = {node.id: node.label for node in spec.nodes}
    if settings is None:
        settings = await run_db(current_llm_settings)
    hooks = PersistenceHooks(execution_id, cache, publisher, names, settings, ledger)
    reuse: dict[str, Any] = {}
    if options is not None:
        reuse = {
            "cache": cache,
            "rerun": options.rerun,
            "allow_side_effects": options.allow_side_effects,
            "target": options.target,
            "target_mode": options.target_mode,
            "seed_outputs": options.seed_outputs,
        }
    result: ExecutionResult | None = None
    try:
        result = await run_workflow(
            spec,
            registry=default_registry(),
            trigger_payload=payload,
            trigger_node_id=_trigger_node_id(spec, trigger),
            services=build_run_services(settings=settings),
            hooks=hooks,
            cancel_event=cancel_event,
            execution_id=execution_id,
            analysis=analysis,
            **reuse,
        )
        outcome = RunOutcome(
            result.status.value, result.output, result.error, result.error_node_id, utc_now()
        )
    except asyncio.CancelledError:
        cancelled = RunOutcome(ExecutionStatus.CANCELLED.value, None, None, None, utc_now())
        final = await run_write(
            _write_end, execution_id, cancelled, hooks.node_states(None), None, hooks
        )
        publisher.execution_finished(*final)
        raise
    except WorkflowInvalid as exc:
        outcome = RunOutcome(ExecutionStatus.FAILED.value, None, str(exc), None, utc_now())
    except Exception as exc:
        logger.exception("execution %s failed unexpectedly", execution_id)
        message = f"internal error: {type(exc).__name__}: {exc}"
        outcome = RunOutcome(ExecutionStatus.FAILED.value, None, message, None, utc_now())
    await drain_llm_events()
    states = hooks.node_states(result)
    final = await run_write(_write_end, execution_id, outcome, states, cache, hooks)
    publisher.execution_finished(*final)
    if final != (outcome.status, outcome.error):
        outcome = replace(outcome, status=final[0], error=final[1])
    return replace(outcome, uses_mock=hooks.uses_mock)


def _write_end(
    connection: Connection,
    execution_id: int,
    outcome: RunOutcome,
    states: dict[str, Any] | None,
    cache: SqlNodeCache | None,
    hooks: PersistenceHooks,
) -> tuple[str, str | None]:
    """Write the final status (when still running or wrongly crashed); returns the row's
    (status, error) as it then is. The run's node writes were queued before this one, so
    they have all been tried: if one failed, the run is failed (persistence failures must
    not go unnoticed)."""
    if hooks.write_error is not None and outcome.status != ExecutionStatus.CANCELLED.value:
        error = hooks.write_error
        outcome = replace(
            outcome,
            status=ExecutionStatus.FAILED.value,
            error=f"writing the run failed: {type(error).__name__}: {error}",
        )
    # Every write of the run has ended (`run_write` outlives cancellation): an attempt
    # still `running` was cut short without being reported (a cancel, a failed hook).
    if hooks.attempts_open():
        store.end_running_node_runs(
            connection,
            [execution_id],
            status=ExecutionStatus.CANCELLED.value,
            now=outcome.finished_at,
        )
    final: tuple[str, str | None] | None = (outcome.status, outcome.error)
    if not store.finish(
        connection,
        execution_id,
        status=outcome.status,
        output=outcome.output,
        error=outcome.error,
        error_node_id=outcome.error_node_id,
        node_states=states,
        now=outcome.finished_at,
    ):
        store.save_node_states(connection, execution_id, states)
        final = store.execution_status(connection, execution_id)
    if cache is not None:
        cache.touch_hits(connection, outcome.finished_at)
    return final or (outcome.status, outcome.error)


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
    ) -> asyncio.Task[Any]:
        """Start a `queued` execution in the background (needs a running event loop).

        Args:
            execution_id: the queued row.
            options: a reactive run's options.
            prepared: the row's definition, already parsed and validated; None parses the
                definition snapshot when the run starts.
        """
        event = asyncio.Event()
        task = asyncio.get_running_loop().create_task(
            self._run_queued(execution_id, event, options, prepared),
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
    ) -> None:
        try:
            await self._start_and_run(execution_id, cancel_event, options, prepared)
        except asyncio.CancelledError:
            raise
        except Exception:
            # The row stays queued/running and is recovered as crashed later.
            logger.exception("execution %s could not be run", execution_id)

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
    store.finish(connection, execution_id, status=ExecutionStatus.FAILED.value, error=error)


_runner = ExecutionRunner()


def get_runner() -> ExecutionRunner:
    """The process-wide runner."""
    return _runner
