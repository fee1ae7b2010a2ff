"""The scheduler's metrics: fire times started and missed, and how late they fired."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from app.models.types import utc_now
from app.services.metrics import SCHEDULE_FIRES, SCHEDULE_LAG, SCHEDULE_MISSES
from app.services.schedule_firing import FireOutcome


def count_fires(due: datetime, outcomes: Iterable[FireOutcome]) -> None:
    """Count one firing of the instant `due`: runs started, times missed, and its lag once
    (when it started anything)."""
    started = 0
    for outcome in outcomes:
        started += len(outcome.started)
        if outcome.missed:
            SCHEDULE_MISSES.inc(outcome.missed)
    if started:
        SCHEDULE_FIRES.inc(started)
        SCHEDULE_LAG.observe(max((utc_now() - due).total_seconds(), 0.0))
