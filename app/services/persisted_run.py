"""A persisted run: runs an execution row's workflow and writes its node runs and end.

`run_persisted` runs the workflow with the persistence hooks (`persistence_hooks.py`: every
node attempt's row, write-behind) and writes the final status and every node's state only
if the row is still `running` (or was wrongly marked `crashed`: the true result replaces the
mark), so a cancel is never overwritten. Every write runs on the services' database threads,
never on the event loop, and each is followed by its run event (`run_events.py`). A run gets
the workflow as parsed and validated when it was started, so nothing is parsed or validated
twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

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
from app.services.db_threads import run_db, run_merged
from app.services.execution_ends import Finish, finish_many, save_node_states
from app.services.ledger_store import LedgerContext
from app.services.llm_settings import LLMSettings, cached_llm_settings, current_llm_settings
from app.services.node_cache_store import SqlNodeCache
from app.services.persistence_hooks import PersistenceHooks
from app.services.run_event_publisher import RunPublisher
from app.services.run_services import build_run_services, drain_llm_events

logger = logging.getLogger(__name__)


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


@dataclass(frozen=True)
class StartedRow:
    """An execution row inserted `running`, for a run this process starts at once: what
    the run needs that starting a queued row would have read back from it.

    Attributes:
        payload: the trigger payload.
        trigger: how the run was started.
        ledger: the run's workflow, version and owner.
    """

    payload: Any
    trigger: str
    ledger: LedgerContext


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
        settings = cached_llm_settings()
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
        final = await _write_end(execution_id, cancelled, hooks.node_states(None), None, hooks)
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
    final = await _write_end(execution_id, outcome, states, cache, hooks)
    publisher.execution_finished(*final)
    if final != (outcome.status, outcome.error):
        outcome = replace(outcome, status=final[0], error=final[1])
    return replace(outcome, uses_mock=hooks.uses_mock)


@dataclass(frozen=True)
class _End:
    """A run's final write, merged with the batch's others (`write_ends`)."""

    execution_id: int
    outcome: RunOutcome
    states: dict[str, Any] | None
    cache: SqlNodeCache | None
    hooks: PersistenceHooks


async def _write_end(
    execution_id: int,
    outcome: RunOutcome,
    states: dict[str, Any] | None,
    cache: SqlNodeCache | None,
    hooks: PersistenceHooks,
) -> tuple[str, str | None]:
    end = _End(execution_id, outcome, states, cache, hooks)
    try:
        # Ranked after the node writes: in a batch that holds both, the run's rows come first.
        return await run_merged(write_ends, end, rank=1)
    finally:
        hooks.release()


def write_ends(connection: Connection, ends: list[_End]) -> list[tuple[str, str | None]]:
    """Write runs' final statuses (when still running or wrongly crashed), together; return
    each row's (status, error) as it then is. A run's node writes were queued before its
    end, so they have all been tried: if one failed, the run is failed (persistence
    failures must not go unnoticed)."""
    finishes = []
    for end in ends:
        outcome, hooks = end.outcome, end.hooks
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
                [end.execution_id],
                status=ExecutionStatus.CANCELLED.value,
                now=outcome.finished_at,
            )
        finishes.append(
            Finish(
                end.execution_id,
                outcome.status,
                outcome.finished_at,
                outcome.output,
                outcome.error,
                outcome.error_node_id,
                end.states,
            )
        )
    finals = []
    for end, finish, ended_by_others in zip(
        ends, finishes, finish_many(connection, finishes), strict=True
    ):
        if ended_by_others is not None:
            save_node_states(connection, end.execution_id, end.states)
        if end.cache is not None:
            end.cache.touch_hits(connection, finish.now)
        finals.append(ended_by_others or (finish.status, finish.error))
    return finals
