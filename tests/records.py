"""Database records that service and UI state tests set up and read back (on the database
that the `db_url` fixture configures)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, insert

from app.models.execution import Execution
from app.models.types import utc_now
from app.models.workflow import WorkflowCreate, empty_definition
from app.services import execution_reads, workflows
from app.services.principal import SYSTEM
from app.services.unit_of_work import session_scope
from tests.documents import greeting


def make_workflow(definition: dict[str, Any] | None = None, name: str = "Flow") -> int:
    """Create a workflow from `definition` (a new workflow's empty one when None); its id."""
    data = WorkflowCreate(
        name=name, definition=empty_definition() if definition is None else definition
    )
    with session_scope() as session:
        return workflows.create_workflow(session, principal=SYSTEM, data=data).id


def execution_detail(execution_id: int) -> Any:
    """An execution's detail, as the services return it."""
    with session_scope(read_only=True) as session:
        return execution_reads.get_execution_detail(
            session, principal=SYSTEM, execution_id=execution_id
        )


def add_execution(engine: Engine, workflow_id: int, status: str, **values: Any) -> int:
    """Insert an execution row of the greeting workflow as it is (`values` add or override
    columns: times, output...), past every service; its id."""
    row = {
        "workflow_id": workflow_id,
        "workflow_name": "Flow",
        "definition": greeting(),
        "status": status,
        "trigger": "manual",
        "created_at": utc_now(),
        **values,
    }
    table = Execution.__table__  # type: ignore[attr-defined]
    with engine.begin() as connection:
        return int(connection.execute(insert(table), row).inserted_primary_key[0])
