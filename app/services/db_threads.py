"""Database work from async code: a bounded thread pool and a group-commit writer.

Async code (the runner, the API's async routes, the UI's event handlers) never runs SQL on
the event loop. It awaits either

- `run_db(fn, ...)`: the ordinary synchronous SQLAlchemy function on one of a few threads
  (reads, and work that opens its own transaction). The pool is smaller than the engine's
  connection pool (SQLite: 10 + 30 overflow, PostgreSQL: 5 + 10), so a thread never waits
  for a connection; or
- `run_write(fn, ...)`: the run path's small writes (`fn(connection, ...)`), run by one
  writer thread that puts every write waiting at that moment into one transaction (group
  commit): one commit for many runs' node rows, and on SQLite no two threads of this
  process fighting over the write lock (whose busy handler sleeps for milliseconds). A
  write's await returns once its transaction is committed; `submit_write` queues one
  without waiting (writes run in the order they are queued). Writes queued with
  `submit_merged` between two plain writes run together with the others of the same merge
  function, once (e.g. many runs' node rows in one executemany), before the next plain write.
"""

from __future__ import annotations

import asyncio
import logging
import os
import queue
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import Connection, Engine

from app.models.db import get_engine

P = ParamSpec("P")
T = TypeVar("T")

logger = logging.getLogger(__name__)

THREADS_ENV = "FLOWBOOK_DB_THREADS"
DEFAULT_THREADS = 8
# Writes per group-commit transaction at most.
MAX_BATCH = 500
SWITCH_INTERVAL_S = 0.001

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None


def db_thread_count() -> int:
    """Threads of the pool (env FLOWBOOK_DB_THREADS, default 8, at least 1)."""
    return max(1, int(os.environ.get(THREADS_ENV) or DEFAULT_THREADS))


def _share_the_gil() -> None:
    # A busy database thread keeps the GIL for the switch interval (5 ms by default) before
    # the event loop's thread gets it back; 1 ms keeps the loop's wake-ups prompt.
    sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL_S))


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _share_the_gil()
            _pool = ThreadPoolExecutor(db_thread_count(), thread_name_prefix="flowbook-db")
        return _pool


async def run_db(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a blocking database function on the pool and await its result.

    If the awaiting task is cancelled, the function still runs to its end (a transaction
    is never cut in half, nor dropped while queued) and the cancellation is raised once it
    has: whatever the caller writes next (e.g. a run's final state) comes after it.
    """
    loop = asyncio.get_running_loop()
    return await _to_the_end(loop.run_in_executor(_executor(), partial(fn, *args, **kwargs)))


async def run_write(
    fn: Callable[Concatenate[Connection, P], T], /, *args: P.args, **kwargs: P.kwargs
) -> T:
    """Run `fn(connection, ...)` in the writer's next transaction; return once committed.

    `fn` must only use the connection it is given (no transaction of its own) and may be
    run twice: if another write of the same batch raises, the batch is rolled back and each
    write is retried in a transaction of its own (when the transaction itself cannot begin
    or commit, every write of the batch fails at once). Cancellation is handled as in
    `run_db`.
    """
    return await _to_the_end(_put_awaited(_Write(get_engine(), partial(fn, **kwargs), args)))


def submit_write(
    fn: Callable[Concatenate[Connection, P], T], /, *args: P.args, **kwargs: P.kwargs
) -> Future[T]:
    """Queue `fn(connection, ...)` for the writer without waiting (write-behind).

    Writes run in the order they are queued; the returned future is done once the write's
    transaction is committed (or failed), and its done-callbacks run on the writer thread.
    """
    future: Future[T] = Future()
    _writer().put(_Write(get_engine(), partial(fn, **kwargs), args, future=future))
    return future


async def run_merged(
    merge: Callable[[Connection, list[Any]], list[T]], item: Any, /, *, rank: int = 0
) -> T:
    """`submit_merged` and await the item's result (cancellation as in `run_db`)."""
    job = _Write(get_engine(), merge, (item,), merge=merge, rank=rank)
    return await _to_the_end(_put_awaited(job))


def submit_merged(
    merge: Callable[[Connection, list[Any]], list[T]], item: Any, /, *, rank: int = 0
) -> Future[T]:
    """Queue `item` for a write that runs together with the batch's other items of `merge`.

    The writer calls `merge(connection, items)` once for the items of `merge` queued since
    the last plain write of its batch (`submit_write`), before that write or the batch's
    end; the merge functions pending at that point run by `rank`, lowest first (a merge
    whose items depend on another's, such as a run's end on its node rows, has the higher
    rank). Each item's future gets its result (`merge` returns one per item, in order). On
    a failure every write of the batch is retried alone, as in `run_write`.
    """
    future: Future[T] = Future()
    _writer().put(_Write(get_engine(), merge, (item,), merge=merge, rank=rank, future=future))
    return future


def _put_awaited(job: _Write) -> asyncio.Future[Any]:
    """Queue `job` with a waiter on the running loop (woken with the other waiters of the
    same commit in one call: one cross-thread wake-up per loop and transaction)."""
    job.waiter = asyncio.get_running_loop().create_future()
    _writer().put(job)
    return job.waiter


async def _to_the_end(future: asyncio.Future[T]) -> T:
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        while not future.done():
            try:
                await asyncio.wait({future})
            except asyncio.CancelledError:
                continue
        raise


@dataclass
class _Write:
    engine: Engine
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    merge: Callable[[Connection, list[Any]], list[Any]] | None = None
    rank: int = 0
    # A write queued without waiting has a thread-safe future; an awaited one only its
    # waiter on the loop (a concurrent Future costs a Condition, on the loop's thread).
    future: Future[Any] | None = None
    waiter: asyncio.Future[Any] | None = None


class _GroupWriter:
    """One daemon thread committing queued writes in batches (see `run_write`)."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[_Write] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._work, name="flowbook-db-writer", daemon=True)
        self._thread.start()

    def put(self, job: _Write) -> None:
        self._queue.put(job)

    def _work(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            for engine in dict.fromkeys(job.engine for job in batch):
                self._commit(engine, [job for job in batch if job.engine is engine])

    def _commit(self, engine: Engine, jobs: list[_Write]) -> None:
        # Only a write that raised itself is worth retrying the others without: when the
        # transaction cannot begin or commit (e.g. another process holds SQLite's lock
        # past the busy timeout), retrying job by job would wait out the timeout per job.
        a_write_raised = False
        try:
            with engine.begin() as connection:
                try:
                    results = _run_jobs(connection, jobs)
                except BaseException:
                    a_write_raised = True
                    raise
        except BaseException as exc:
            if a_write_raised and len(jobs) > 1:
                for job in jobs:
                    self._commit(engine, [job])
            else:
                _settle([(job, None, exc) for job in jobs])
            return
        _settle([(job, result, None) for job, result in zip(jobs, results, strict=True)])


_Outcome = tuple[Any, BaseException | None]


def _settle(ended: list[tuple[_Write, Any, BaseException | None]]) -> None:
    """Give each job its result or error: its future's done-callbacks run here, its waiter
    is woken with the others of its loop."""
    wakes: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], _Outcome]]] = {}
    for job, result, error in ended:
        if job.future is not None:
            if error is None:
                job.future.set_result(result)
            else:
                job.future.set_exception(error)
        if job.waiter is not None:
            wakes.setdefault(job.waiter.get_loop(), []).append((job.waiter, (result, error)))
    for loop, waiters in wakes.items():
        try:
            loop.call_soon_threadsafe(_wake, waiters)
        except RuntimeError:  # the loop was closed: nobody waits any more
            continue


def _wake(waiters: list[tuple[asyncio.Future[Any], _Outcome]]) -> None:
    for waiter, (result, error) in waiters:
        if waiter.done():
            continue
        if error is None:
            waiter.set_result(result)
        else:
            waiter.set_exception(error)


def _run_jobs(connection: Connection, jobs: list[_Write]) -> list[Any]:
    """Every job's result, in order (see `submit_merged` for the merged ones)."""
    results: list[Any] = [None] * len(jobs)
    pending: dict[Callable[..., list[Any]], list[int]] = {}

    def run_pending() -> None:
        for merge, indexes in sorted(pending.items(), key=lambda group: jobs[group[1][0]].rank):
            items = [jobs[k].args[0] for k in indexes]
            for k, result in zip(indexes, merge(connection, items), strict=True):
                results[k] = result
        pending.clear()

    for index, job in enumerate(jobs):
        if job.merge is not None:
            pending.setdefault(job.merge, []).append(index)
            continue
        run_pending()
        results[index] = job.fn(connection, *job.args)
    run_pending()
    return results


_group_writer: _GroupWriter | None = None


def _writer() -> _GroupWriter:
    global _group_writer
    with _lock:
        if _group_writer is None:
            _share_the_gil()
            _group_writer = _GroupWriter()
        return _group_writer


def shutdown_db_threads() -> None:
    """Wait for queued work and stop the pool (a later `run_db` starts a new one)."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True)
