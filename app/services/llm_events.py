"""Where LLM calls come from, and the record of every fallback the client takes.

The LLM client is shared by every run on an event loop, so it cannot know which execution
and node a call belongs to; `enter_llm_node` puts that (and the provider settings) in
context variables of the node's task, which the calls it makes (and the tasks it starts)
inherit. `FallbackRecorder` is the client's synchronous `on_fallback` hook: it buffers the
events and writes them in one short transaction off the event loop. Writing them never
fails a run: a failed write is logged and the events are dropped.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Engine, Table, insert

from app.llm.provider_access import use_provider_lookup
from app.llm.types import FallbackEvent
from app.models.db import get_engine
from app.models.llm import DEPLOYMENT_MAX, LLMFallbackEvent
from app.services.db_threads import run_db
from app.services.llm_settings import LLMSettings

logger = logging.getLogger(__name__)

EVENTS: Table = LLMFallbackEvent.__table__  # type: ignore[attr-defined]
DETAIL_MAX = 2000

_call_site: ContextVar[tuple[int | None, str | None]] = ContextVar(
    "flowbook_llm_call_site", default=(None, None)
)


def enter_llm_node(execution_id: int | None, node_id: str, settings: LLMSettings) -> None:
    """Mark the current task as running `node_id` of `execution_id`, with the provider
    settings installed for its LLM calls.

    Call it from inside the node's own task (the engine's `before_node` hook runs there);
    the values then end with that task.

    Args:
        execution_id: the execution.
        node_id: the node.
        settings: the settings to install (read off the loop: `current_llm_settings` may
            query the database).
    """
    _call_site.set((execution_id, node_id))
    use_provider_lookup(settings.lookup)


class FallbackRecorder:
    """An `on_fallback` hook that stores events in `llm_fallback_event`."""

    def __init__(self, engine: Engine | None = None) -> None:
        """Creates a recorder.

        Args:
            engine: the database; None uses the process-wide engine when writing.
        """
        self._engine = engine
        self._lock = threading.Lock()
        self._pending: list[dict[str, Any]] = []
        self._task: asyncio.Task[None] | None = None

    def __call__(self, event: FallbackEvent) -> None:
        """Buffers `event` (tagged with the current execution and node) and schedules a write."""
        execution_id, node_id = _call_site.get()
        row = {
            "at": event.at,
            "execution_id": execution_id,
            "node_id": node_id,
            "from_deployment": event.from_deployment[:DEPLOYMENT_MAX],
            "to_deployment": (event.to_deployment or None) and event.to_deployment[:DEPLOYMENT_MAX],
            "reason": event.reason[:32],
            "detail": (event.detail or None) and event.detail[:DETAIL_MAX],
        }
        with self._lock:
            self._pending.append(row)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.flush()
            return
        if self._task is None:
            self._task = loop.create_task(self._write_soon(), name="llm-fallback-events")

    async def _write_soon(self) -> None:
        try:
            while self.has_pending():
                await run_db(self.flush)
        finally:
            # No await between the last emptiness check and this line: an event buffered
            # after it schedules a new task.
            self._task = None

    def has_pending(self) -> bool:
        """Whether events wait to be written."""
        with self._lock:
            return bool(self._pending)

    def flush(self) -> int:
        """Writes the buffered events now (blocking); returns how many were written."""
        with self._lock:
            rows, self._pending = self._pending, []
        if not rows:
            return 0
        try:
            engine = self._engine if self._engine is not None else get_engine()
            with engine.begin() as connection:
                connection.execute(insert(EVENTS), rows)
        except Exception:
            logger.exception("could not record %d LLM fallback events; dropped", len(rows))
            return 0
        return len(rows)

    async def drain(self) -> None:
        """Waits until every event buffered so far is written (or dropped)."""
        task = self._task
        if task is not None:
            await asyncio.shield(task)
        if self.has_pending():
            await run_db(self.flush)
