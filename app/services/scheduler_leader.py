"""One scheduler leader across every process serving one database.

- PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`) held on a dedicated
  connection for as long as the process leads. The server drops it when that connection
  or its process dies, so a follower's next attempt wins.
- SQLite: an exclusive, non-blocking `flock` on a lock file next to the database file,
  released by the kernel when the process (or its file descriptor) goes away. An in-memory
  database is private to its process, which always leads.

Every method blocks (a query, a system call): async callers run them in a thread.
"""

from __future__ import annotations

import fcntl
import logging
import os
from typing import Protocol

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

logger = logging.getLogger(__name__)

# The advisory lock's key: any constant no other part of Flowbook uses ("flowbook-sched").
ADVISORY_LOCK_KEY = 0x466C6F77_53636864
LOCK_FILE_SUFFIX = ".scheduler-lock"


class LeaderLock(Protocol):
    """Leadership of the scheduler: taken without waiting, held until released or lost."""

    def try_acquire(self) -> bool:
        """Take the lock if nobody holds it; whether this process now holds it."""

    def still_held(self) -> bool:
        """Whether the lock is still held (a PostgreSQL connection may have been cut)."""

    def release(self) -> None:
        """Give the lock up (nothing happens when it is not held)."""


class AdvisoryLock:
    """PostgreSQL: `pg_try_advisory_lock` on a connection of its own."""

    def __init__(self, engine: Engine, key: int = ADVISORY_LOCK_KEY) -> None:
        self._engine = engine
        self._key = key
        self._connection: Connection | None = None

    def try_acquire(self) -> bool:
        if self._connection is not None:
            return True
        connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            won = connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}
            ).scalar_one()
        except SQLAlchemyError:
            connection.close()
            raise
        if not won:
            connection.close()
            return False
        self._connection = connection
        return True

    def still_held(self) -> bool:
        if self._connection is None:
            return False
        try:
            self._connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            logger.warning("the scheduler's lock connection was lost")
            self._drop()
            return False
        return True

    def release(self) -> None:
        if self._connection is None:
            return
        try:
            self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
        except SQLAlchemyError:
            logger.warning("could not unlock the scheduler's lock (its connection is gone)")
        self._drop()

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            # A broken connection must not go back to the pool holding the lock.
            connection.invalidate()
            connection.close()


class FileLock:
    """SQLite: an exclusive `flock` on a file (conflicts even between two opens in one
    process, as the lock belongs to the open file)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def still_held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


class ProcessLock:
    """An in-memory SQLite database: only this process can see it, so it always leads."""

    def __init__(self) -> None:
        self._held = False

    def try_acquire(self) -> bool:
        self._held = True
        return True

    def still_held(self) -> bool:
        return self._held

    def release(self) -> None:
        self._held = False


def leader_lock_for(engine: Engine) -> LeaderLock:
    """The leadership lock that fits `engine`'s database."""
    if engine.dialect.name == "postgresql":
        return AdvisoryLock(engine)
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return ProcessLock()
    return FileLock(os.path.abspath(database) + LOCK_FILE_SUFFIX)
