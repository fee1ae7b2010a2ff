"""Reading executions: one, a page of them, waiting for one; only what the caller may see
(the executions of workflows it may read)."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from app.models.execution import (
    FINISHED_STATUSES,
    ExecutionDetail,
    ExecutionPublic,
    ExecutionsPage,
    ExecutionStatus,
    NodeRunPublic,
)
from app.services import execution_store as store
from app.services.access import Action, require, visible_workflow_ids
from app.services.db_threads import run_db
from app.services.errors import InvalidInputError, NotFoundError
from app.services.execution_runner import get_runner
from app.services.principal import Principal
from app.services.unit_of_work import session_scope

MAX_PAGE = 500
POLL_S = 0.05


def public_execution(row: Any) -> ExecutionPublic:
    return ExecutionPublic.model_validate(row, from_attributes=True)


def fetch_public(connection: Any, execution_id: int) -> ExecutionPublic | None:
    row = connection.execute(
        select(*store.PUBLIC_COLUMNS).where(store.EXECUTIONS.c.id == execution_id)
    ).first()
    return None if row is None else public_execution(row)


def read_public(execution_id: int) -> ExecutionPublic | None:
    with session_scope(read_only=True) as session:
        return fetch_public(session.connection(), execution_id)


def execution_workflow_id(session: Session, execution_id: int) -> int | None:
    """The workflow an execution ran (None: no such execution)."""
    table = store.EXECUTIONS
    return (
        session.connection()
        .execute(select(table.c.workflow_id).where(table.c.id == execution_id))
        .scalar()
    )


def authorized_execution(
    session: Session, principal: Principal, execution_id: int, action: Action
) -> None:
    """Raises NotFoundError unless the execution exists and the caller may see its
    workflow, PermissionDeniedError when it may see it but not do `action` with it."""
    connection = session.connection()
    table, workflows = store.EXECUTIONS, store.WORKFLOWS
    row = connection.execute(
        select(table.c.workflow_id, workflows.c.owner_id)
        .join(workflows, workflows.c.id == table.c.workflow_id)
        .where(table.c.id == execution_id)
    ).first()
    if row is None:
        raise NotFoundError(f"Execution {execution_id} not found")
    try:
        require(connection, principal, row.workflow_id, row.owner_id, action)
    except NotFoundError:
        raise NotFoundError(f"Execution {execution_id} not found") from None


def list_executions(
    session: Session,
    *,
    principal: Principal,
    workflow_id: int | None = None,
    status: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> ExecutionsPage:
    """The executions of the workflows the caller may see, newest first, optionally of one
    workflow and/or in one status."""
    if offset < 0 or not 1 <= limit <= MAX_PAGE:
        raise InvalidInputError(f"offset must be >= 0 and limit between 1 and {MAX_PAGE}")
    if status is not None and status not in ExecutionStatus.__members__.values():
        raise InvalidInputError(f"unknown status {status!r}")
    table = store.EXECUTIONS
    conditions: list[Any] = []
    if not principal.is_admin:
        conditions.append(table.c.workflow_id.in_(visible_workflow_ids(principal)))
    if workflow_id is not None:
        conditions.append(table.c.workflow_id == workflow_id)
    if status is not None:
        conditions.append(table.c.status == status)
    connection = session.connection()
    total = connection.execute(select(func.count()).select_from(table).where(*conditions)).scalar()
    rows = connection.execute(
        select(*store.PUBLIC_COLUMNS)
        .where(*conditions)
        .order_by(table.c.id.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    return ExecutionsPage(items=[public_execution(row) for row in rows], total=int(total or 0))


def get_execution_detail(
    session: Session, *, principal: Principal, execution_id: int
) -> ExecutionDetail:
    """An execution with its definition snapshot and every node run, in the order they started.

    Raises:
        NotFoundError: no such execution, or the caller may not see its workflow.
    """
    authorized_execution(session, principal, execution_id, Action.READ)
    connection = session.connection()
    row = connection.execute(
        select(
            *store.PUBLIC_COLUMNS, store.EXECUTIONS.c.definition, store.EXECUTIONS.c.node_states
        ).where(store.EXECUTIONS.c.id == execution_id)
    ).first()
    if row is None:
        raise NotFoundError(f"Execution {execution_id} not found")
    runs = connection.execute(
        select(store.NODE_RUNS)
        .where(store.NODE_RUNS.c.execution_id == execution_id)
        .order_by(store.NODE_RUNS.c.id)
    ).all()
    detail = ExecutionDetail.model_validate(row, from_attributes=True)
    detail.node_runs = [NodeRunPublic.model_validate(run, from_attributes=True) for run in runs]
    return detail


async def wait_for_execution(*, execution_id: int, timeout_s: float) -> ExecutionPublic:
    """Wait until an execution finishes, or `timeout_s` passes.

    Returns:
        The execution as it is then (check `status`: it may still be running on timeout).

    Raises:
        NotFoundError: no such execution.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    await get_runner().wait(execution_id, timeout_s)
    while True:
        current = await run_db(read_public, execution_id)
        if current is None:
            raise NotFoundError(f"Execution {execution_id} not found")
        if current.status in FINISHED_STATUSES or loop.time() >= deadline:
            return current
        await asyncio.sleep(min(POLL_S, max(0.0, deadline - loop.time())))
