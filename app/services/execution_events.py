"""Following one execution live: its run events from now on, ending with its final status.

For streams such as the API's Server-Sent Events. The subscription starts when the stream
is first read, then the status is read again, so an execution that ends in between is
still seen to end; while no event comes, the status is re-read now and then, so a run
that ends without this process publishing it (cancelled before it started, crashed, run
by another worker) ends the stream too.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

from sqlalchemy import select

from app.models.db import get_engine
from app.models.execution import FINISHED_STATUSES
from app.services import execution_store as store
from app.services.access import Action
from app.services.db_threads import run_db
from app.services.errors import NotFoundError
from app.services.execution_reads import authorized_execution
from app.services.principal import Principal
from app.services.run_events import RunEvent, get_run_events
from app.services.unit_of_work import session_scope

RECHECK_S = 1.0
_FINISHED = frozenset(status.value for status in FINISHED_STATUSES)


def _status(execution_id: int) -> Any:
    """(status, error, workflow_id) of the execution, or None."""
    table = store.EXECUTIONS
    reader = get_engine().execution_options(sqlite_begin="DEFERRED")
    with reader.connect() as connection:
        return connection.execute(
            select(table.c.status, table.c.error, table.c.workflow_id).where(
                table.c.id == execution_id
            )
        ).first()


def _final(execution_id: int, found: Any) -> RunEvent:
    return RunEvent(
        execution_id,
        found.workflow_id,
        "execution_finished",
        status=found.status,
        error=found.error,
    )


def _check_readable(principal: Principal, execution_id: int) -> None:
    with session_scope(read_only=True) as session:
        authorized_execution(session, principal, execution_id, Action.READ)


async def open_execution_events(
    *, principal: Principal, execution_id: int
) -> AsyncGenerator[RunEvent, None]:
    """The execution's events from now until it finishes (the last is execution_finished).

    Raises:
        NotFoundError: no such execution, or the caller may not see it (raised here,
            before any event is read).
    """
    await run_db(_check_readable, principal, execution_id)
    found = await run_db(_status, execution_id)
    if found is None:
        raise NotFoundError(f"Execution {execution_id} not found")
    return _follow(execution_id, found)


async def _follow(execution_id: int, found: Any) -> AsyncGenerator[RunEvent, None]:
    # Subscribed only once iterated: a stream dropped before its body starts is never
    # subscribed, so nothing is left on the bus. The status is read again after
    # subscribing, so an end between the first read and now is still seen.
    async with get_run_events().subscription(execution_id=execution_id) as sub:
        if found.status not in _FINISHED:
            found = await run_db(_status, execution_id) or found
        if found.status in _FINISHED:
            yield _final(execution_id, found)
            return
        while True:
            event = await sub.get(RECHECK_S)
            if event is None:
                found = await run_db(_status, execution_id) or found
                if found.status in _FINISHED:
                    yield _final(execution_id, found)
                    return
                continue
            yield event
            if event.kind == "execution_finished":
                return
