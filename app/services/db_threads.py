"""Database work from async code: a bounded thread pool owned by the services.

Async code (the runner, the API's async routes, the UI's event handlers) never runs SQL on
the event loop: it awaits `run_db(fn, ...)`, which runs the ordinary synchronous SQLAlchemy
function on one of a few threads. The pool is smaller than the engine's connection pool
(SQLite: 10 + 30 overflow, PostgreSQL: 5 + 10), so a thread never waits for a connection,
and on SQLite, where writes take turns anyway, more threads would only queue on the lock.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

THREADS_ENV = "FLOWBOOK_DB_THREADS"
DEFAULT_THREADS = 8

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None


def db_thread_count() -> int:
    """Threads of the pool (env FLOWBOOK_DB_THREADS, default 8, at least 1)."""
    return max(1, int(os.environ.get(THREADS_ENV) or DEFAULT_THREADS))


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(db_thread_count(), thread_name_prefix="flowbook-db")
        return _pool


async def run_db(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a blocking database function on the pool and await its result.

    If the awaiting task is cancelled, the function still runs to its end (a transaction
    is never cut in half, nor dropped while queued) and the cancellation is raised once it
    has: whatever the caller writes next (e.g. a run's final state) comes after it.
    """
    loop = asyncio.get_running_loop()
    future = loop.run_in_executor(_executor(), partial(fn, *args, **kwargs))
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        while not future.done():
            try:
                await asyncio.wait({future})
            except asyncio.CancelledError:
                continue
        raise


def shutdown_db_threads() -> None:
    """Wait for queued work and stop the pool (a later `run_db` starts a new one)."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True)
