"""Sessions for the UI, the API and the runner: one transaction per `with` block."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlmodel import Session

from app.models.db import get_engine


@contextmanager
def session_scope(*, read_only: bool = False) -> Iterator[Session]:
    """A session whose work is committed when the block ends, rolled back on an exception.

    Args:
        read_only: the block only reads; on SQLite it then starts a deferred transaction
            that does not take the write lock.

    Yields:
        The session (objects stay usable after the commit).
    """
    engine = get_engine()
    if read_only:
        engine = engine.execution_options(sqlite_begin="DEFERRED")
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
