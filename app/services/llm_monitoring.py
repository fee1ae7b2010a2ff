"""What the monitoring page shows of the LLM layer: circuit breakers and recent fallbacks."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from sqlmodel import Session, col, select

from app.llm.breaker_store import BreakerPhase
from app.models.llm import BreakerStatePublic, FallbackEventPublic, LLMBreaker, LLMFallbackEvent
from app.services.errors import InvalidInputError
from app.services.run_services import BREAKER_WINDOW_S

MAX_EVENTS = 500


def _when(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def breaker_states(session: Session, *, now: float | None = None) -> list[BreakerStatePublic]:
    """Every deployment with a stored breaker, open ones first, then by name.

    Args:
        session: the session.
        now: wall-clock seconds to count the failure window from (default: now).

    Returns:
        Phase, failures still inside the window, when it opened, the last error.
    """
    moment = time.time() if now is None else now
    rows = session.exec(select(LLMBreaker)).all()
    order = {BreakerPhase.OPEN.value: 0, BreakerPhase.HALF_OPEN.value: 1}
    rows = sorted(rows, key=lambda row: (order.get(row.phase, 2), row.deployment))
    return [
        BreakerStatePublic(
            deployment=row.deployment,
            phase=row.phase,
            failures_in_window=sum(1 for t in row.failures if moment - t < BREAKER_WINDOW_S),
            opened_at=_when(row.opened_at),
            probe_started_at=_when(row.probe_started_at),
            last_error=row.last_error,
            updated_at=_when(row.updated_at),
        )
        for row in rows
    ]


def recent_fallbacks(session: Session, *, limit: int = 50) -> list[FallbackEventPublic]:
    """The latest fallback events, newest first.

    Raises:
        InvalidInputError: limit outside 1..500.
    """
    if not 1 <= limit <= MAX_EVENTS:
        raise InvalidInputError(f"limit must be between 1 and {MAX_EVENTS}")
    rows = session.exec(
        select(LLMFallbackEvent)
        .order_by(col(LLMFallbackEvent.at).desc(), col(LLMFallbackEvent.id).desc())
        .limit(limit)
    ).all()
    return [FallbackEventPublic.model_validate(row, from_attributes=True) for row in rows]
