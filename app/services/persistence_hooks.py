"""Persistence hooks of a run: node_runs rows, every node's final state, the heartbeat.

An attempt's row is inserted as `running` when it starts and updated when it ends, so a
live view (and crash recovery) sees what is running. Nodes that did not run (reused from
the cache, pinned, left stale) get no node_runs row; their state is kept here and written
with the run's final status (`executions.node_states`). Every write runs on the services'
database threads (`run_db`), never on the event loop, and each run event is published
after the write it reports is committed, so a subscriber that re-reads finds it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from sqlalchemy import Engine

from app.engine.events import (
    ExecutionHooks,
    ExecutionResult,
    NodeRunRecord,
    NodeStarted,
    NodeStatus,
)
from app.models.types import utc_now
from app.services import execution_store as store
from app.services.db_threads import run_db
from app.services.llm_events import enter_llm_node
from app.services.llm_settings import LLMSettings, current_llm_settings
from app.services.llm_usage import NodeUsage, node_usage
from app.services.node_cache_store import SqlNodeCache
from app.services.run_event_publisher import RunPublisher

logger = logging.getLogger(__name__)

# The state of a node that ended without a record of its own (e.g. pending when cancelled).
_NOT_REPORTED: dict[str, Any] = {"cached": False, "cache_key": None, "pinned": False}


class PersistenceHooks(ExecutionHooks):
    """Writes one node_runs row per attempt, remembers every node's state, keeps the heartbeat.

    Args:
        engine: the database.
        execution_id: the running execution.
        interval_s: heartbeat interval.
        cache: the run's node cache, told which node each stored key belongs to.
        publisher: where node started/finished events go.
        node_names: node id -> the name people see, for the rows of started attempts.
    """

    def __init__(
        self,
        engine: Engine,
        execution_id: int,
        interval_s: float,
        cache: SqlNodeCache | None = None,
        publisher: RunPublisher | None = None,
        node_names: dict[str, str] | None = None,
    ) -> None:
        self._engine = engine
        self._execution_id = execution_id
        self._interval_s = interval_s
        self._last_beat = time.monotonic()
        self._cache = cache
        self._publisher = publisher or RunPublisher(execution_id, None)
        self._names = node_names or {}
        self._open: dict[tuple[str, int], int] = {}
        self.states: dict[str, dict[str, Any]] = {}
        self.uses_mock = False

    def node_states(self, result: ExecutionResult | None) -> dict[str, Any] | None:
        """Every node's final state: the engine's final status with what its record said."""
        if result is None:
            return self.states or None
        return {
            node_id: self.states.get(node_id, _NOT_REPORTED) | {"status": status.value}
            for node_id, status in result.node_status.items()
        }

    def _beat_due(self) -> bool:
        return time.monotonic() - self._last_beat >= self._interval_s

    async def before_node(self, event: NodeStarted) -> None:
        """Insert the attempt as `running`, then tag the node's LLM calls with it."""
        beat = self._beat_due()
        settings = await run_db(self._write_started, event, beat)
        if beat:
            self._last_beat = time.monotonic()
        enter_llm_node(self._execution_id, event.node_id, settings)
        self._publisher.node_started(event)

    def _write_started(self, event: NodeStarted, beat: bool) -> LLMSettings:
        name = self._names.get(event.node_id, event.node_id)
        with self._engine.begin() as connection:
            row_id = store.insert_started_node_run(connection, self._execution_id, event, name)
            if beat:
                store.heartbeat(connection, self._execution_id, utc_now())
        # Kept here, not by the awaiting task, which may be cancelled during the write.
        self._open[(event.node_id, event.attempt)] = row_id
        # Read here so the node's task gets the settings without a query on the loop.
        return current_llm_settings()

    async def after_node(self, record: NodeRunRecord) -> None:
        """Write how the attempt ended (or the skip), with a heartbeat when one is due."""
        self.states[record.node_id] = {
            "status": record.status.value,
            "cached": record.cached,
            "cache_key": record.cache_key,
            "pinned": record.pinned,
        }
        if record.cached or record.pinned or record.status is NodeStatus.STALE:
            self._publisher.node_finished(record)
            return
        if self._cache is not None and record.cache_key and record.status is NodeStatus.SUCCEEDED:
            self._cache.describe(
                record.cache_key, node_id=record.node_id, node_type=record.node_type
            )
        beat = self._beat_due()
        usage = node_usage(record.node_type, record.output)
        mark_mock = usage.is_mock and not self.uses_mock
        row_id = self._open.get((record.node_id, record.attempt))
        await run_db(self._write_ended, record, row_id, usage, mark_mock=mark_mock, beat=beat)
        self._open.pop((record.node_id, record.attempt), None)
        if beat:
            self._last_beat = time.monotonic()
        self.uses_mock = self.uses_mock or usage.is_mock
        self._publisher.node_finished(record)

    def _write_ended(
        self,
        record: NodeRunRecord,
        row_id: int | None,
        usage: NodeUsage,
        *,
        mark_mock: bool,
        beat: bool,
    ) -> None:
        with self._engine.begin() as connection:
            if row_id is None:
                store.insert_node_run(connection, self._execution_id, record, usage)
            else:
                store.end_node_run(connection, row_id, record, usage)
            if mark_mock:
                store.mark_uses_mock(connection, self._execution_id)
            if beat:
                store.heartbeat(connection, self._execution_id, utc_now())

    async def beat_if_due(self) -> None:
        """Refresh the heartbeat unless a node write did so within half an interval."""
        if time.monotonic() - self._last_beat < self._interval_s / 2:
            return
        try:
            await run_db(self._write_heartbeat)
            self._last_beat = time.monotonic()
        except Exception:
            logger.exception("heartbeat of execution %s failed", self._execution_id)

    def _write_heartbeat(self) -> None:
        with self._engine.begin() as connection:
            store.heartbeat(connection, self._execution_id, utc_now())


class HeartbeatTimer:
    """Awaits `beat_if_due` every interval (its write runs off the loop) until stopped."""

    def __init__(self, hooks: PersistenceHooks, interval_s: float) -> None:
        self._hooks = hooks
        self._interval_s = interval_s
        self._task = asyncio.get_running_loop().create_task(self._beat(), name="heartbeat")

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self._interval_s)
            await self._hooks.beat_if_due()

    def stop(self) -> None:
        """Stop beating (a write already on its way still completes)."""
        self._task.cancel()
