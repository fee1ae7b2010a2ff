"""Persistence hooks of a run: node_runs rows, every node's final state, the heartbeat.

Nodes that did not run (reused from the cache, pinned, left stale) get no node_runs row;
their state is kept here and written with the run's final status (`executions.node_states`).
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
from app.services.llm_events import enter_llm_node
from app.services.llm_usage import node_usage
from app.services.node_cache_store import SqlNodeCache

logger = logging.getLogger(__name__)

# The state of a node that ended without a record of its own (e.g. pending when cancelled).
_NOT_REPORTED: dict[str, Any] = {"cached": False, "cache_key": None, "pinned": False}


class PersistenceHooks(ExecutionHooks):
    """Writes one node_runs row per attempt, remembers every node's state, keeps the heartbeat.

    Args:
        cache: the run's node cache, told which node each stored key belongs to.
    """

    def __init__(
        self,
        engine: Engine,
        execution_id: int,
        interval_s: float,
        cache: SqlNodeCache | None = None,
    ) -> None:
        self._engine = engine
        self._execution_id = execution_id
        self._interval_s = interval_s
        self._last_beat = time.monotonic()
        self._cache = cache
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

    async def before_node(self, event: NodeStarted) -> None:
        """Tag the node's LLM calls (fallback events) with this execution and node."""
        enter_llm_node(self._execution_id, event.node_id)

    async def after_node(self, record: NodeRunRecord) -> None:
        """Insert the attempt, with a heartbeat in the same transaction when one is due."""
        self.states[record.node_id] = {
            "status": record.status.value,
            "cached": record.cached,
            "cache_key": record.cache_key,
            "pinned": record.pinned,
        }
        if record.cached or record.pinned or record.status is NodeStatus.STALE:
            return
        if self._cache is not None and record.cache_key and record.status is NodeStatus.SUCCEEDED:
            self._cache.describe(
                record.cache_key, node_id=record.node_id, node_type=record.node_type
            )
        beat = time.monotonic() - self._last_beat >= self._interval_s
        usage = node_usage(record.node_type, record.output)
        mark_mock = usage.is_mock and not self.uses_mock
        with self._engine.begin() as connection:
            store.insert_node_run(connection, self._execution_id, record, usage)
            if mark_mock:
                store.mark_uses_mock(connection, self._execution_id)
            if beat:
                store.heartbeat(connection, self._execution_id, utc_now())
        if beat:
            self._last_beat = time.monotonic()
        self.uses_mock = self.uses_mock or usage.is_mock

    def beat_if_due(self) -> None:
        """Refresh the heartbeat unless a node write did so within half an interval."""
        if time.monotonic() - self._last_beat < self._interval_s / 2:
            return
        try:
            with self._engine.begin() as connection:
                store.heartbeat(connection, self._execution_id, utc_now())
            self._last_beat = time.monotonic()
        except Exception:
            logger.exception("heartbeat of execution %s failed", self._execution_id)


class HeartbeatTimer:
    """Calls `beat_if_due` every interval on the event loop until stopped."""

    def __init__(self, hooks: PersistenceHooks, interval_s: float) -> None:
        self._hooks = hooks
        self._interval_s = interval_s
        self._loop = asyncio.get_running_loop()
        self._handle = self._loop.call_later(interval_s, self._fire)

    def _fire(self) -> None:
        self._hooks.beat_if_due()
        self._handle = self._loop.call_later(self._interval_s, self._fire)

    def stop(self) -> None:
        self._handle.cancel()
