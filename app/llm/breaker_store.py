"""Where circuit breaker state lives: in memory (one process) or in SQLite (all processes)."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
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

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BreakerState:
        """Builds a state from its `to_dict` form."""
        fields = dict(data)
        fields["phase"] = BreakerPhase(fields["phase"])
        fields["failures"] = tuple(fields.get("failures") or ())
        return cls(**fields)


Change = Callable[[BreakerState], tuple[BreakerState, T]]


class BreakerStore(Protocol):
    """Atomic read-modify-write access to breaker states keyed by deployment name."""

    def update(self, name: str, change: Change[T]) -> T:
        """Applies `change` to the current state atomically and returns its result.

        A missing state starts as a fresh closed one. When `change` returns the very state it
        was given, nothing is written."""
        ...

    def get(self, name: str) -> BreakerState:
        """The current state (a fresh closed one when none is stored)."""
        ...

    def all(self) -> dict[str, BreakerState]:
        """Every stored state by deployment name."""
        ...


class InMemoryBreakerStore:
    """Breaker states of one process."""

    def __init__(self) -> None:
        self._states: dict[str, BreakerState] = {}
        self._lock = threading.Lock()

    def update(self, name: str, change: Change[T]) -> T:
        """See `BreakerStore.update`."""
        with self._lock:
            new, result = change(self._states.get(name, BreakerState()))
            self._states[name] = new
            return result

    def get(self, name: str) -> BreakerState:
        """See `BreakerStore.get`."""
        return self._states.get(name, BreakerState())

    def all(self) -> dict[str, BreakerState]:
        """See `BreakerStore.all`."""
        return dict(self._states)


class SqliteBreakerStore:
    """Breaker states in a SQLite file shared by every process on the host.

    Each update is one `BEGIN IMMEDIATE` transaction, so concurrent writers in other
    processes serialise and never lose each other's failures.
    """

    _SCHEMA = (
        "CREATE TABLE IF NOT EXISTS llm_breaker_state ("
        " name TEXT PRIMARY KEY, state TEXT NOT NULL, updated_at REAL)"
    )

    def __init__(self, path: str | Path, *, busy_timeout_ms: int = 5000) -> None:
        """Opens (and creates when needed) the store.

        Args:
            path: the SQLite file.
            busy_timeout_ms: how long a writer waits for another process's lock.
        """
        self._path = str(path)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(
            self._path,
            isolation_level=None,
            check_same_thread=False,
            timeout=busy_timeout_ms / 1000,
        )
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        self._conn.execute(self._SCHEMA)

    def close(self) -> None:
        """Closes the connection."""
        self._conn.close()

    def _read(self, name: str) -> BreakerState:
        row = self._conn.execute(
            "SELECT state FROM llm_breaker_state WHERE name = ?", (name,)
        ).fetchone()
        return BreakerState.from_dict(json.loads(row[0])) if row else BreakerState()

    def update(self, name: str, change: Change[T]) -> T:
        """See `BreakerStore.update`."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                current = self._read(name)
                new, result = change(current)
                if new is not current:
                    self._conn.execute(
                        "INSERT INTO llm_breaker_state (name, state, updated_at) VALUES (?, ?, ?)"
                        " ON CONFLICT(name) DO UPDATE SET state = excluded.state,"
                        " updated_at = excluded.updated_at",
                        (name, json.dumps(new.to_dict()), new.updated_at),
                    )
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
            return result

    def get(self, name: str) -> BreakerState:
        """See `BreakerStore.get`."""
        with self._lock:
            return self._read(name)

    def all(self) -> dict[str, BreakerState]:
        """See `BreakerStore.all`."""
        with self._lock:
            rows = self._conn.execute("SELECT name, state FROM llm_breaker_state").fetchall()
        return {name: BreakerState.from_dict(json.loads(state)) for name, state in rows}
