"""Starting runs at once: requests that reach the writer together are read and inserted
`running` in one write (`insert_running`, merged by `db_threads.submit_merged`: one
multi-row INSERT and one executemany of audit rows), and the rows' values and audit rows
every start writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from app.models.execution import ExecutionStatus
from app.models.types import utc_now
from app.services import execution_store as store
from app.services.audit import audit_row
from app.services.errors import ServiceError
from app.services.persisted_run import PreparedWorkflow
from app.services.principal import Principal
from app.services.runnable_workflows import runnable


def execution_values(
    row: Any, workflow_id: int, trigger: str, input: Any, principal: Principal
) -> dict[str, Any]:
    """A queued execution row of `row` (a workflow's row, or one standing for a stored
    version of it: name, definition, kind, version_id, version_number)."""
    return {
        "workflow_id": workflow_id,
        "workflow_name": row.name,
        "definition": row.definition,
        "status": ExecutionStatus.QUEUED.value,
        "trigger": trigger,
        "input": input,
        "created_at": utc_now(),
        "started_by_id": principal.user_id or None,
        "version_id": row.version_id,
        "version_number": row.version_number,
    }


def run_audit(row: Any, workflow_id: int, trigger: str, principal: Principal) -> dict[str, Any]:
    """The audit row of a run (its execution id is added when the row is inserted)."""
    return audit_row(
        actor=principal,
        action=f"{row.kind}.run",
        object_type=row.kind,
        object_id=workflow_id,
        detail={"name": row.name, "trigger": trigger},
    )


@dataclass(frozen=True)
class StartRequest:
    """A run to start: its workflow (already read and prepared, or to read), trigger,
    input and who starts it."""

    workflow_id: int
    trigger: str
    input: Any
    principal: Principal
    loaded: tuple[Any, PreparedWorkflow] | None = None


Inserted = tuple[dict[str, Any], int, tuple[Any, PreparedWorkflow]]


def insert_running(
    connection: Connection, requests: list[StartRequest]
) -> list[Inserted | ServiceError]:
    """Read each request's workflow (unless it was read) and insert the rows of those that
    can run, `running`, in one multi-row INSERT (`submit_merged`). A workflow that cannot
    run is answered, not raised: a write that raises makes the writer retry every other
    write of its batch on its own."""
    answers: list[Inserted | ServiceError | None] = []
    rows: list[tuple[int, dict[str, Any], dict[str, Any], tuple[Any, PreparedWorkflow]]] = []
    for request in requests:
        try:
            loaded = request.loaded or runnable(
                connection.engine, connection, request.workflow_id, request.principal
            )
        except ServiceError as exc:
            answers.append(exc)
            continue
        row, trigger, principal = loaded[0], request.trigger, request.principal
        values = running_values(row, request.workflow_id, trigger, request.input, principal)
        audit = run_audit(row, request.workflow_id, trigger, principal)
        rows.append((len(answers), values, audit, loaded))
        answers.append(None)
    ids = store.insert_executions(connection, [r[1] for r in rows], [r[2] for r in rows])
    for (position, values, _, loaded), execution_id in zip(rows, ids, strict=True):
        answers[position] = (values, execution_id, loaded)
    return [answer for answer in answers if answer is not None]


def running_values(
    row: Any, workflow_id: int, trigger: str, input: Any, principal: Principal
) -> dict[str, Any]:
    """A row started now (its run starts at once in this process)."""
    now = utc_now()
    return execution_values(row, workflow_id, trigger, input, principal) | {
        "status": ExecutionStatus.RUNNING.value,
        "created_at": now,
        "started_at": now,
        "heartbeat_at": now,
    }
