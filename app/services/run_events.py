"""Run events: what the runner publishes while an execution runs, for live views.

The runner publishes small events (a node started, a node finished with a summary, the
execution finished); live views (the canvas, an execution page, an SSE stream) subscribe
instead of polling the database. A subscriber fetches a node's full output only when it
shows it. Publishing is thread-safe and never blocks: each subscriber has a bounded queue
on its own event loop; a subscriber that falls behind is told it `lagged` and re-reads the
state it shows from the database once.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

RunEventKind = Literal["node_started", "node_finished", "execution_finished"]
SUBSCRIBER_QUEUE_SIZE = 10_000
PREVIEW_CHARS = 200


@dataclass(frozen=True)
class NodeSummary:
    """What a card shows of a finished node without fetching its output.

    Attributes:
        duration_ms: wall time of the attempt (0 for reused outputs).
        error: the error text, truncated to a few hundred characters.
        has_output: the node produced an output (fetch it when it is shown).
        output_preview: a short one-line preview of the output.
        output_keys: the first keys of a dict output.
    """

    attempt: int = 0
    duration_ms: float = 0.0
    error: str | None = None
    cached: bool = False
    pinned: bool = False
    has_output: bool = False
    output_preview: str = ""
    output_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class RunEvent:
    """One thing that happened in a run.

    Attributes:
        kind: node_started, node_finished or execution_finished.
        node_id: the node (None for execution_finished).
        status: the node's status, or the execution's final status.
        summary: for node_finished, what the card shows.
        error: for execution_finished, the run's error.
    """

    execution_id: int
    workflow_id: int | None
    kind: RunEventKind
    node_id: str | None = None
    status: str = ""
    summary: NodeSummary | None = None
    error: str | None = None


@dataclass
class Subscription:
    """The events of one subscriber; iterate it with `async for`.

    Attributes:
        lagged: set when events were dropped because the subscriber fell behind; the
            subscriber should re-read what it shows and clear the flag.
    """

    workflow_id: int | None
    execution_id: int | None
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[RunEvent] = field(
        default_factory=lambda: asyncio.Queue(SUBSCRIBER_QUEUE_SIZE)
    )
    lagged: bool = False

    def wants(self, event: RunEvent) -> bool:
        """Whether the event concerns this subscriber."""
        if self.execution_id is not None and event.execution_id != self.execution_id:
            return False
        return self.workflow_id is None or event.workflow_id == self.workflow_id

    def deliver(self, event: RunEvent) -> None:
        """Queue the event (on the subscriber's loop); drop it and mark `lagged` if full."""
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.lagged = True

    def __aiter__(self) -> AsyncIterator[RunEvent]:
        return self._events()

    async def _events(self) -> AsyncIterator[RunEvent]:
        while True:
            yield await self.queue.get()

    async def get(self, timeout_s: float | None = None) -> RunEvent | None:
        """The next event, or None when none came within `timeout_s`."""
        try:
            return await asyncio.wait_for(self.queue.get(), timeout_s)
        except TimeoutError:
            return None


class RunEventBus:
    """Fans run events out to subscribers on any event loop or thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: list[Subscription] = []

    def subscribe(
        self, *, workflow_id: int | None = None, execution_id: int | None = None
    ) -> Subscription:
        """Start receiving the events of a workflow, an execution, or all (both None).

        Must be called on the event loop that will read the subscription; call
        `unsubscribe` when done (or use `subscription`).
        """
        sub = Subscription(workflow_id, execution_id, asyncio.get_running_loop())
        with self._lock:
            self._subscribers.append(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        """Stop delivering to `sub`."""
        with self._lock:
            if sub in self._subscribers:
                self._subscribers.remove(sub)

    @asynccontextmanager
    async def subscription(
        self, *, workflow_id: int | None = None, execution_id: int | None = None
    ) -> AsyncIterator[Subscription]:
        """`subscribe` for the duration of an `async with` block."""
        sub = self.subscribe(workflow_id=workflow_id, execution_id=execution_id)
        try:
            yield sub
        finally:
            self.unsubscribe(sub)

    def interested(self, *, execution_id: int, workflow_id: int | None) -> bool:
        """Whether any subscriber would receive this execution's events (a publisher can
        skip building an event nobody reads)."""
        probe = RunEvent(execution_id, workflow_id, "node_finished")
        with self._lock:
            return any(sub.wants(probe) for sub in self._subscribers)

    def publish(self, event: RunEvent) -> None:
        """Deliver `event` to every interested subscriber; never blocks, from any thread."""
        with self._lock:
            targets = [sub for sub in self._subscribers if sub.wants(event)]
        try:
            current: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            current = None
        for sub in targets:
            if sub.loop is current:
                sub.deliver(event)
            elif not sub.loop.is_closed():
                sub.loop.call_soon_threadsafe(sub.deliver, event)

    def subscriber_count(self) -> int:
        """How many subscriptions are open (tests, monitoring)."""
        with self._lock:
            return len(self._subscribers)


_bus = RunEventBus()


def get_run_events() -> RunEventBus:
    """The process-wide run event bus."""
    return _bus


def preview(value: Any) -> str:
    """A one-line preview of an output, at most PREVIEW_CHARS characters."""
    if isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, default=str, ensure_ascii=False)[: PREVIEW_CHARS * 4]
    text = " ".join(text.split())
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"
