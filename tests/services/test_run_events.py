"""The run event bus: filtering, delivery across threads, bounded queues."""

from __future__ import annotations

import threading

from app.services import run_events
from app.services.run_events import RunEvent, RunEventBus


def _event(execution_id: int, workflow_id: int | None = 1, node: str = "a") -> RunEvent:
    return RunEvent(execution_id, workflow_id, "node_started", node_id=node, status="running")


async def test_subscribers_get_only_their_workflow_or_execution() -> None:
    bus = RunEventBus()
    async with (
        bus.subscription(workflow_id=1) as by_workflow,
        bus.subscription(execution_id=7) as by_execution,
        bus.subscription() as everything,
    ):
        bus.publish(_event(7, workflow_id=2))
        bus.publish(_event(8, workflow_id=1))
        assert (await by_workflow.get(1)).execution_id == 8  # type: ignore[union-attr]
        assert await by_workflow.get(0.01) is None
        assert (await by_execution.get(1)).workflow_id == 2  # type: ignore[union-attr]
        assert await by_execution.get(0.01) is None
        assert [(await everything.get(1)).execution_id for _ in range(2)] == [7, 8]  # type: ignore[union-attr]
    assert bus.subscriber_count() == 0


async def test_publishing_from_another_thread_reaches_the_subscriber_loop() -> None:
    bus = RunEventBus()
    async with bus.subscription(workflow_id=1) as sub:
        thread = threading.Thread(target=bus.publish, args=(_event(3),))
        thread.start()
        thread.join()
        event = await sub.get(2)
    assert event is not None and event.execution_id == 3


async def test_a_full_queue_drops_events_and_marks_the_subscriber_lagged(monkeypatch) -> None:
    monkeypatch.setattr(run_events, "SUBSCRIBER_QUEUE_SIZE", 2)
    bus = RunEventBus()
    async with bus.subscription() as sub:
        for i in range(3):
            bus.publish(_event(i))
        assert sub.lagged
        assert sub.queue.qsize() == 2


def test_publish_without_subscribers_or_loop_is_harmless() -> None:
    RunEventBus().publish(_event(1))


def test_preview_is_one_short_line() -> None:
    assert run_events.preview("a\n  b") == "a b"
    long = run_events.preview({"k": "x" * 1000})
    assert len(long) == run_events.PREVIEW_CHARS and long.endswith("…")
