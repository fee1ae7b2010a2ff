"""How service values are shown: times as ISO strings, durations, pretty JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from app.services.errors import InvalidWorkflowError, ServiceError

MAX_TEXT = 20_000
MAX_PROBLEMS_SHOWN = 3


def iso(value: datetime | None) -> str:
    """An ISO-8601 string with an explicit UTC offset ("" for None), for `rx.moment`."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat()


def elapsed_ms(start: datetime | None, end: datetime | None) -> float | None:
    """Milliseconds from start to end (to now when end is None); None without a start."""
    if start is None:
        return None
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    if end is None:
        end = datetime.now(UTC)
    elif end.tzinfo is None:
        end = end.replace(tzinfo=UTC)
    return max(0.0, (end - start).total_seconds() * 1000)


def format_ms(ms: float | None) -> str:
    """A short human duration: "—", "12 ms", "1.25 s", "2 m 05 s", "1 h 03 m"."""
    if ms is None:
        return "—"
    if ms < 1000:
        return f"{ms:.0f} ms" if ms >= 1 else f"{ms:.2f} ms"
    seconds = ms / 1000
    if seconds < 60:
        return f"{seconds:.2f} s" if seconds < 10 else f"{seconds:.1f} s"
    minutes, sec = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} m {sec:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} m"


def pretty(value: Any) -> str:
    """A value as text: strings as they are, anything else as indented JSON (capped)."""
    if value is None:
        return ""
    text = (
        value
        if isinstance(value, str)
        else json.dumps(value, indent=2, ensure_ascii=False, default=str)
    )
    if len(text) > MAX_TEXT:
        return text[:MAX_TEXT] + f"\n… ({len(text) - MAX_TEXT} more characters)"
    return text


def error_message(exc: ServiceError) -> str:
    """A service error as one toast line, listing the first problems of a bad workflow."""
    if isinstance(exc, InvalidWorkflowError) and exc.problems:
        shown = "; ".join(p.message for p in exc.problems[:MAX_PROBLEMS_SHOWN])
        more = len(exc.problems) - MAX_PROBLEMS_SHOWN
        suffix = f" (+{more} more)" if more > 0 else ""
        return f"{exc.message}: {shown}{suffix}"
    return exc.message
