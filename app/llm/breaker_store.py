"""Circuit breaker state, the store protocol it lives behind, and the one-process store.

The app shares breaker states between its workers through the database:
`app.services.breaker_store_sql.SqlBreakerStore` implements `BreakerStore` there. The store's
methods are async so that a store doing I/O runs it off the event loop that makes the calls.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class BreakerPhase(StrEnum):
    """The three breaker states."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True)
class BreakerState:
    """The breaker state of one deployment. Times are wall-clock seconds (shared by processes).

    Attributes:
        phase: closed, open or half_open.
        failures: times of the failures still inside the window (closed phase).
        opened_at: when it last opened.
        probe_started_at: when the half-open probe was handed out.
        last_error: the last failure's reason.
        updated_at: when this state was written.
    """

    phase: BreakerPhase = BreakerPhase.CLOSED
    failures: tuple[float, ...] = field(default_factory=tuple)
    opened_at: float | None = None
    probe_started_at: float | None = None
    last_error: str | None = None
    updated_at: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the inverse of `from_dict`)."""
        data = asdict(self)
        data["phase"] = self.phase.value
        data["failures"] = list(self.failures)
        return data


Change = Callable[[BreakerState], tuple[BreakerState, T]]


class BreakerStore(Protocol):
    """Atomic read-modify-write access to breaker states keyed by deployment name."""

    async def update(self, name: str, change: Change[T]) -> T:
        """Applies `change` to the current state atomically and returns its result.

        A missing state starts as a fresh closed one. When `change` returns the very state it
        was given, nothing is written."""
        ...

    async def get(self, name: str) -> BreakerState:
        """The current state (a fresh closed one when none is stored)."""
        ...

    async def all(self) -> dict[str, BreakerState]:
        """Every stored state by deployment name."""
        ...


class InMemoryBreakerStore:
    """Breaker states of one process (no I/O: its methods never wait)."""

    def __init__(self) -> None:
        self._states: dict[str, BreakerState] = {}
        self._lock = threading.Lock()

    async def update(self, name: str, change: Change[T]) -> T:
        """See `BreakerStore.update`."""
        with self._lock:
            new, result = change(self._states.get(name, BreakerState()))
            self._states[name] = new
            return result

    async def get(self, name: str) -> BreakerState:
        """See `BreakerStore.get`."""
        return self._states.get(name, BreakerState())

    async def all(self) -> dict[str, BreakerState]:
        """See `BreakerStore.all`."""
        return dict(self._states)
