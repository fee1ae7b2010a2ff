"""SQL of the execution hot path, in SQLAlchemy Core: few statements, no ORM objects.

Reading the workflow a run starts from, inserting executions (one or many at once),
starting a queued one, heartbeats, and the node attempts' rows. How executions end is in
`execution_ends.py`. An attempt's row is written by its row id, so a run whose execution
was wrongly marked `crashed` records its attempts' true ends.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Table,
    bindparam,
    case,
    insert,
    select,
    update,
)

from app.engine.events import NodeRunRecord, NodeStarted, NodeStatus
from app.models.audit import AuditEvent
from app.models.execution import Execution, ExecutionPublic, ExecutionStatus, NodeRun
from app.models.workflow import Workflow
from app.services.cost_rollups import (
    EXECUTION_OWNER,
)
from app.services.llm_usage import NodeUsage

EXECUTIONS: Table = Execution.__table__  # type: ignore[attr-defined]
NODE_RUNS: Table = NodeRun.__table__  # type: ignore[attr-defined]
WORKFLOWS: Table = Workflow.__table__  # type: ignore[attr-defined]

RUNNING = ExecutionStatus.RUNNING.value
QUEUED = ExecutionStatus.QUEUED.value
CRASHED = ExecutionStatus.CRASHED.value

PUBLIC_COLUMNS = [EXECUTIONS.c[name] for name in ExecutionPublic.model_fields]

_NOW = bindparam("now", type_=EXECUTIONS.c.finished_at.type)
_SELECT_WORKFLOW = select(
    WORKFLOWS.c.name,
    WORKFLOWS.c.definition,
    WORKFLOWS.c.updated_at,
    WORKFLOWS.c.deleted_at,
    WORKFLOWS.c.owner_id,
    WORKFLOWS.c.kind,
    WORKFLOWS.c.version_id,
    WORKFLOWS.c.version_number,
).where(WORKFLOWS.c.id == bindparam("workflow_id"))
_INSERT_EXECUTION = insert(EXECUTIONS)
# Ids in the order of the rows given. SQLAlchemy cannot tie SQLite's RETURNING rows to the
# parameters (it would insert row by row), but one INSERT assigns SQLite's rowids in the
# order of its VALUES, so there the ids sorted are in that order.
_INSERT_EXECUTIONS_RETURNING_IDS = {
    "sqlite": _INSERT_EXECUTION.returning(EXECUTIONS.c.id),
    "postgresql": _INSERT_EXECUTION.returning(EXECUTIONS.c.id, sort_by_parameter_order=True),
}
_INSERT_AUDIT = insert(AuditEvent.__table__)  # type: ignore[attr-defined]
_INSERT_NODE_RUN = insert(NODE_RUNS)
_START = (
    update(EXECUTIONS)
    .where(EXECUTIONS.c.id == bindparam("execution_id"), EXECUTIONS.c.status == QUEUED)
    .values(status=RUNNING, started_at=_NOW, heartbeat_at=_NOW)
    .returning(
        EXECUTIONS.c.definition,
        EXECUTIONS.c.input,
        EXECUTIONS.c.trigger,
        EXECUTIONS.c.workflow_id,
        EXECUTIONS.c.version_id,
        EXECUTIONS.c.version_number,
        EXECUTION_OWNER,
    )
)
_HEARTBEAT = (
    update(EXECUTIONS)
    .where(
        EXECUTIONS.c.id.in_(bindparam("execution_ids", expanding=True)),
        EXECUTIONS.c.status.in_([QUEUED, RUNNING]),
    )
    .values(heartbeat_at=_NOW)
)
# An attempt's row at its start: `running`, or `cancelled` when its execution has ended
# meanwhile (an ended execution never shows a running attempt). Built once: statements
# built per call cost more than running them.
_RUN_EXECUTION_ID = bindparam("run_execution_id", type_=NODE_RUNS.c.execution_id.type)
_INSERT_STARTED = insert(NODE_RUNS).values(
    execution_id=_RUN_EXECUTION_ID,
    node_id=bindparam("run_node_id"),
    node_type=bindparam("run_node_type"),
    node_name=bindparam("run_node_name"),
    status=case(
        (
            select(EXECUTIONS.c.status)
            .where(EXECUTIONS.c.id == _RUN_EXECUTION_ID)
            .scalar_subquery()
            == RUNNING,
            NodeStatus.RUNNING.value,
        ),
        else_=NodeStatus.CANCELLED.value,
    ),
    attempt=bindparam("run_attempt"),
    inputs=bindparam("run_inputs", type_=NODE_RUNS.c.inputs.type),
    started_at=bindparam("run_started_at", type_=NODE_RUNS.c.started_at.type),
    pinned=False,
)
_ENDED = (
    "status",
    "output",
    "error",
    "finished_at",
    "duration_ms",
    "pinned",
    "cache_key",
    "tokens_in",
    "tokens_out",
    "cost_usd",
)
_END_NODE_RUN = (
    update(NODE_RUNS)
    .where(
        NODE_RUNS.c.id == bindparam("row_id"),
        NODE_RUNS.c.execution_id == bindparam("of_execution"),
    )
    .values({name: bindparam(f"new_{name}", type_=NODE_RUNS.c[name].type) for name in _ENDED})
)


def select_workflow(connection: Connection, workflow_id: int) -> Any:
    """(name, definition, updated_at, deleted_at, owner_id, kind, version_id,
    version_number) of a workflow, or None."""
    return connection.execute(_SELECT_WORKFLOW, {"workflow_id": workflow_id}).first()


def insert_execution(
    connection: Connection, values: dict[str, Any], audit: dict[str, Any] | None = None
) -> int:
    """Insert an execution row (and its audit row, given one: its `detail` gets the
    execution's id) and return its id."""
    key = connection.execute(_INSERT_EXECUTION, values).inserted_primary_key
    assert key is not None
    execution_id = int(key[0])
    if audit is not None:
        detail = audit["detail"] | {"execution_id": execution_id}
        connection.execute(_INSERT_AUDIT, audit | {"detail": detail})
    return execution_id


def insert_executions(
    connection: Connection, values: list[dict[str, Any]], audits: list[dict[str, Any]]
) -> list[int]:
    """`insert_execution` for many rows at once: the executions in batched multi-row INSERTs
    (ids in the order given), then their audit rows (one per execution) with executemany."""
    if not values:
        return []
    dialect = connection.dialect.name
    inserted = connection.execute(_INSERT_EXECUTIONS_RETURNING_IDS[dialect], values)
    ids = [int(key) for key in inserted.scalars().all()]
    if dialect == "sqlite":
        ids.sort()
    connection.execute(
        _INSERT_AUDIT,
        [
            audit | {"detail": audit["detail"] | {"execution_id": execution_id}}
            for audit, execution_id in zip(audits, ids, strict=True)
        ],
    )
    return ids


def start_queued(connection: Connection, execution_id: int, now: datetime) -> Any:
    """queued -> running; returns (definition, input, trigger, workflow_id, version_id,
    version_number, owner_id), or None if not queued."""
    return connection.execute(_START, {"execution_id": execution_id, "now": now}).first()


def heartbeat(connection: Connection, execution_ids: list[int], now: datetime) -> None:
    """Record that these queued or running executions' process is alive (one UPDATE)."""
    connection.execute(_HEARTBEAT, {"execution_ids": execution_ids, "now": now})


def _ended_columns(record: NodeRunRecord, usage: NodeUsage | None) -> dict[str, Any]:
    return (usage or NodeUsage()).columns() | {
        "status": record.status.value,
        "output": record.output,
        "error": record.error,
        "finished_at": record.finished_at,
        "duration_ms": record.duration_ms,
        "pinned": record.pinned,
        "cache_key": record.cache_key,
    }


def node_run_values(
    execution_id: int, record: NodeRunRecord, usage: NodeUsage | None = None
) -> dict[str, Any]:
    """The node_runs row of one ended node attempt (or skip), with its LLM tokens and cost
    when `usage` gives them."""
    return _ended_columns(record, usage) | {
        "execution_id": execution_id,
        "node_id": record.node_id,
        "node_type": record.node_type,
        "node_name": record.node_name,
        "attempt": record.attempt,
        "inputs": record.inputs,
        "started_at": record.started_at,
    }


def insert_node_run(
    connection: Connection,
    execution_id: int,
    record: NodeRunRecord,
    usage: NodeUsage | None = None,
) -> int:
    """Insert one ended node attempt (see `node_run_values`); returns its row id."""
    values = node_run_values(execution_id, record, usage)
    key = connection.execute(_INSERT_NODE_RUN, values).inserted_primary_key
    assert key is not None
    return int(key[0])


def insert_node_runs(connection: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert ended node attempts' rows (`node_run_values`) in one executemany."""
    if rows:
        connection.execute(_INSERT_NODE_RUN, rows)


def insert_started_node_run(
    connection: Connection, execution_id: int, started: NodeStarted, node_name: str
) -> int:
    """Insert an attempt that starts now, as `running`; returns its row id.

    If the execution has ended meanwhile (cancelled while the attempt was starting), the
    row is inserted `cancelled`: an ended execution never shows a running attempt.
    """
    key = connection.execute(
        _INSERT_STARTED,
        {
            "run_execution_id": execution_id,
            "run_node_id": started.node_id,
            "run_node_type": started.node_type,
            "run_node_name": node_name,
            "run_attempt": started.attempt,
            "run_inputs": started.inputs,
            "run_started_at": started.started_at,
        },
    ).inserted_primary_key
    assert key is not None
    return int(key[0])


def end_node_run(
    connection: Connection,
    execution_id: int,
    row_id: int,
    record: NodeRunRecord,
    usage: NodeUsage | None = None,
) -> None:
    """Write how an attempt inserted by `insert_started_node_run` ended (the row must
    belong to `execution_id`; another execution's row is never touched)."""
    values = _ended_columns(record, usage)
    connection.execute(
        _END_NODE_RUN,
        {f"new_{k}": v for k, v in values.items()}
        | {"row_id": row_id, "of_execution": execution_id},
    )


def end_running_node_runs(
    connection: Connection, execution_ids: list[int], *, status: str, now: datetime
) -> None:
    """Close the attempts still `running` of executions that ended (cancelled, crashed, or
    a run whose hook failed mid-attempt)."""
    if execution_ids:
        connection.execute(
            update(NODE_RUNS)
            .where(
                NODE_RUNS.c.execution_id.in_(execution_ids),
                NODE_RUNS.c.status == NodeStatus.RUNNING.value,
            )
            .values(status=status, finished_at=now)
        )


def mark_uses_mock(connection: Connection, execution_id: int) -> None:
    """Record that some LLM answer of the execution came from the mock provider."""
    connection.execute(
        update(EXECUTIONS).where(EXECUTIONS.c.id == execution_id).values(uses_mock=True)
    )
