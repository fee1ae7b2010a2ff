"""Which thread runs the SQL: a recorder of the statements executed on the calling thread
(the event loop's, in async tests); and holding the services' writer thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, event

from app.services.db_threads import submit_write


@contextmanager
def statements_on_this_thread() -> Iterator[list[str]]:
    """Collects the SQL statements that any engine executes on the calling thread."""
    loop_thread = threading.get_ident()
    seen: list[str] = []

    def record(
        _conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any, _many: bool
    ) -> None:
        if threading.get_ident() == loop_thread:
            seen.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", record)


def hold_the_writer() -> threading.Event:
    """Block the writer (returns once it is blocked) until the returned event is set."""
    holding, release = threading.Event(), threading.Event()

    def hold(_connection: Connection) -> None:
        holding.set()
        release.wait(10)

    submit_write(hold)
    assert holding.wait(10)
    return release
