"""The heartbeat of this process's runs: one thread, one UPDATE per interval for all of them.

A heartbeat says "the process running this execution is alive", not "its event loop is
free": a CPU-heavy node that blocks the loop for a minute must not get a live run marked
`crashed` by another process's recovery. So the heartbeat is no task on the loop and no
write of the run's own: a daemon thread queues, every interval, one UPDATE of
`heartbeat_at` for every queued or running execution this process holds (through the
group-commit writer, which has its own thread too), and waits for it before the next one.
The runner adds an execution when it takes it on and discards it once its task has
ended; with none, the thread writes nothing.
"""

from __future__ import annotations

import logging
import os
import threading
import time

from sqlalchemy import Connection

from app.models.types import utc_now
from app.services import execution_store as store
from app.services.db_threads import submit_write

logger = logging.getLogger(__name__)

HEARTBEAT_ENV = "FLOWBOOK_HEARTBEAT_S"
DEFAULT_HEARTBEAT_S = 5.0


def heartbeat_interval_s() -> float:
    """Seconds between heartbeats (env FLOWBOOK_HEARTBEAT_S, default 5; read every beat)."""
    return float(os.environ.get(HEARTBEAT_ENV) or DEFAULT_HEARTBEAT_S)


def _beat(connection: Connection, execution_ids: list[int]) -> None:
    # The time of the write, not of the queueing: the writer may have been busy.
    store.heartbeat(connection, execution_ids, utc_now())


class RunHeartbeat:
    """The executions this process holds, and the thread that beats for them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: set[int] = set()
        self._thread: threading.Thread | None = None
        # Set by `add` when nothing was held: the thread re-reads the interval (tests change
        # it between runs). Not on every add: that would wake the thread per execution.
        self._wake = threading.Event()

    def add(self, execution_id: int) -> None:
        """Beat for this execution from now on (starts the thread on first use)."""
        with self._lock:
            if not self._held:
                self._wake.set()
            self._held.add(execution_id)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._work, name="flowbook-heartbeat", daemon=True
                )
                self._thread.start()

    def discard(self, execution_id: int) -> None:
        """Stop beating for this execution."""
        with self._lock:
            self._held.discard(execution_id)

    def held(self) -> list[int]:
        """The executions beaten for, in id order."""
        with self._lock:
            return sorted(self._held)

    def beat(self) -> None:
        """Refresh the heartbeat of every held execution now (one UPDATE), and wait for it."""
        execution_ids = self.held()
        if not execution_ids:
            return
        error = submit_write(_beat, execution_ids).exception()
        if error is not None:
            logger.error("heartbeat of %d execution(s) failed: %s", len(execution_ids), error)

    def _work(self) -> None:
        last = time.monotonic()
        while True:  # as long as the process lives
            self._wake.wait(max(0.0, last + heartbeat_interval_s() - time.monotonic()))
            self._wake.clear()
            if time.monotonic() - last < heartbeat_interval_s():
                continue
            last = time.monotonic()
            try:
                self.beat()
            except Exception:
                logger.exception("heartbeat failed")


_heartbeat = RunHeartbeat()


def get_run_heartbeat() -> RunHeartbeat:
    """The process-wide heartbeat."""
    return _heartbeat
