"""How executions end, in SQLAlchemy Core: a run's final status (one, or a batch's runs
together), the node states of a run someone else ended, and cancels.

Every write that ends an execution is conditional on its current status, so a cancelled
row is never overwritten by a run that ends later. A `crashed` row is the one exception:
only recovery writes `crashed`, and it can be wrong (another process took this process's
live run for dead). The run that then finishes is the truth, so its final write records its
true result over the crash mark; its attempts' rows are written by row id, so they record
their true ends too. Each execution that ends is counted in `execution_daily` in the same
transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, or_, select, update

from app.models.execution import ExecutionStatus
from app.models.types import utc_now
from app.services.cost_rollups import (
    EXECUTION_COST,
    EXECUTION_OWNER,
    FinishedExecution,
    add_execution_daily,
)
from app.services.execution_store import (
    CRASHED,
    EXECUTIONS,
    QUEUED,
    RUNNING,
    end_running_node_runs,
)

_ENDABLE = (RUNNING, CRASHED)
_NOW = bindparam("now", type_=EXECUTIONS.c.finished_at.type)
_VALUES = {
    "status": bindparam("new_status"),
    "output": bindparam("new_output", type_=EXECUTIONS.c.output.type),
    "error": bindparam("new_error"),
    "error_node_id": bindparam("new_error_node_id"),
    "node_states": bindparam("new_node_states", type_=EXECUTIONS.c.node_states.type),
    "finished_at": _NOW,
}
# Many ends: the rows read (and, on PostgreSQL, locked) first, then one executemany
# (`_FINISH`, one end, returns what the rollup needs instead).
_ENDING = (
    select(
        EXECUTIONS.c.id,
        EXECUTIONS.c.status,
        EXECUTIONS.c.error,
        EXECUTIONS.c.workflow_id,
        EXECUTIONS.c.started_at,
        EXECUTION_OWNER,
        EXECUTION_COST,
    )
    .where(EXECUTIONS.c.id.in_(bindparam("execution_ids", expanding=True)))
    .with_for_update(of=EXECUTIONS)
)
_FINISH_EACH = (
    update(EXECUTIONS)
    .where(
        EXECUTIONS.c.id == bindparam("execution_id"),
        or_(EXECUTIONS.c.status == RUNNING, EXECUTIONS.c.status == CRASHED),
    )
    .values(_VALUES)
)
_FINISH = _FINISH_EACH.returning(
    EXECUTIONS.c.workflow_id,
    EXECUTIONS.c.started_at,
    EXECUTION_OWNER,
    EXECUTION_COST,
)
_SAVE_NODE_STATES = (
    update(EXECUTIONS)
    .where(EXECUTIONS.c.id == bindparam("execution_id"), EXECUTIONS.c.node_states.is_(None))
    .values(node_states=bindparam("new_node_states", type_=EXECUTIONS.c.node_states.type))
)


@dataclass(frozen=True)
class Finish:
    """A run's end to write.

    Attributes:
        status: its final status.
        now: when it ended.
    """

    execution_id: int
    status: str
    now: datetime
    output: Any = None
    error: str | None = None
    error_node_id: str | None = None
    node_states: dict[str, Any] | None = None

    def parameters(self) -> dict[str, Any]:
        """The bound parameters of `_FINISH` and `_FINISH_EACH`."""
        return {
            "execution_id": self.execution_id,
            "new_status": self.status,
            "new_output": self.output,
            "new_error": self.error,
            "new_error_node_id": self.error_node_id,
            "new_node_states": self.node_states,
            "now": self.now,
        }


def finish(
    connection: Connection,
    execution_id: int,
    *,
    status: str,
    output: Any = None,
    error: str | None = None,
    error_node_id: str | None = None,
    node_states: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> bool:
    """running (or wrongly crashed) -> a final status; returns False (and changes nothing)
    otherwise, e.g. when cancelled."""
    end = Finish(execution_id, status, now or utc_now(), output, error, error_node_id, node_states)
    finished = connection.execute(_FINISH, end.parameters()).first()
    if finished is None:
        return False
    returned = (finished.workflow_id, finished.owner_id, status, finished.started_at)
    add_execution_daily(connection, [FinishedExecution(*returned, end.now, finished.cost_micros)])
    return True


def finish_many(connection: Connection, ends: list[Finish]) -> list[tuple[str, str | None] | None]:
    """`finish` for many executions in three statements, whatever their number: read (on
    PostgreSQL, lock) their rows, write the ends of those still running (or crashed) in one
    executemany, count them.

    Returns:
        Per end, in order: None when it was written (or there is no such row), else the
        row's (status, error) as someone else ended it.
    """
    if not ends:
        return []
    ids = [end.execution_id for end in ends]
    rows = {row.id: row for row in connection.execute(_ENDING, {"execution_ids": ids})}
    ending = [e for e in ends if e.execution_id in rows and rows[e.execution_id].status in _ENDABLE]
    if ending:
        connection.execute(_FINISH_EACH, [end.parameters() for end in ending])
        counted = []
        for end in ending:
            row = rows[end.execution_id]
            returned = (row.workflow_id, row.owner_id, end.status, row.started_at)
            counted.append(FinishedExecution(*returned, end.now, row.cost_micros))
        add_execution_daily(connection, counted)
    written = {end.execution_id for end in ending}
    return [
        None
        if end.execution_id in written or end.execution_id not in rows
        else (rows[end.execution_id].status, rows[end.execution_id].error)
        for end in ends
    ]


def save_node_states(
    connection: Connection, execution_id: int, node_states: dict[str, Any] | None
) -> None:
    """Record the node states of a run that was ended by someone else (e.g. cancelled)."""
    if node_states:
        connection.execute(
            _SAVE_NODE_STATES, {"execution_id": execution_id, "new_node_states": node_states}
        )


def finish_any_active(
    connection: Connection, execution_id: int, *, status: str, error: str | None
) -> bool:
    """queued/running/paused -> a final status (cancel), closing its running attempts with
    the same status; False when already finished."""
    now = utc_now()
    result = connection.execute(
        update(EXECUTIONS)
        .where(
            EXECUTIONS.c.id == execution_id,
            EXECUTIONS.c.status.in_([QUEUED, RUNNING, ExecutionStatus.PAUSED.value]),
        )
        .values(status=status, error=error, finished_at=now)
    )
    if result.rowcount != 1:
        return False
    end_running_node_runs(connection, [execution_id], status=status, now=now)
    return True
