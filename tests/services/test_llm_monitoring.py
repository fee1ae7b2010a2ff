"""LLM monitoring on SQLite and PostgreSQL: breaker states and recent fallback events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from app.llm.breaker import CircuitBreaker
from app.llm.types import FallbackEvent
from app.services.breaker_store_sql import SqlBreakerStore
from app.services.errors import InvalidInputError
from app.services.llm_events import FallbackRecorder
from app.services.llm_monitoring import breaker_states, recent_fallbacks

NOW = 2_000_000_000.0


async def test_breakers_are_listed_open_first_with_failures_in_the_window(
    engine: Engine, session: Session
) -> None:
    clock = [NOW - 120]
    breaker = CircuitBreaker(
        SqlBreakerStore(engine), failure_threshold=2, window_s=60, clock=lambda: clock[0]
    )
    await breaker.record_failure("a-flaky", "timeout")  # outside the window by NOW
    clock[0] = NOW - 10
    await breaker.record_failure("a-flaky", "timeout")
    await breaker.record_failure("z-down", "server_error")
    await breaker.record_failure("z-down", "server_error")

    states = breaker_states(session, now=NOW)
    assert [(s.deployment, s.phase, s.failures_in_window) for s in states] == [
        ("z-down", "open", 0),
        ("a-flaky", "closed", 1),
    ]
    assert states[0].opened_at == datetime.fromtimestamp(NOW - 10, UTC)
    assert (states[0].last_error, states[1].last_error) == ("server_error", "timeout")


def test_recent_fallbacks_newest_first_and_bounded(engine: Engine, session: Session) -> None:
    recorder = FallbackRecorder(engine)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for minute in range(3):
        recorder(
            FallbackEvent(
                at=start + timedelta(minutes=minute),
                from_deployment=f"d{minute}",
                to_deployment=None if minute == 2 else "backup",
                reason="rate_limited",
                detail="x" * 5000,
            )
        )
    events = recent_fallbacks(session, limit=2)
    assert [(e.from_deployment, e.to_deployment) for e in events] == [
        ("d2", None),
        ("d1", "backup"),
    ]
    assert len(events[0].detail or "") == 2000, "long details are cut"
    with pytest.raises(InvalidInputError):
        recent_fallbacks(session, limit=0)


def test_a_failing_event_write_is_logged_and_dropped(caplog: pytest.LogCaptureFixture) -> None:
    class BrokenEngine:
        def begin(self) -> None:
            raise RuntimeError("database gone")

    recorder = FallbackRecorder(BrokenEngine())  # type: ignore[arg-type]
    event = FallbackEvent(at=datetime.now(UTC), from_deployment="a", to_deployment="b", reason="x")
    recorder(event)  # no event loop: written at once, and the failure swallowed
    assert not recorder.has_pending()
    assert "could not record 1 LLM fallback events" in caplog.text
