"""Queueing the runs of scheduled fires, as their workflows' owners.

A leader fires many schedules of few workflows at once (every schedule sharing an
expression is due at the same instant): `queue_fire_runs` reads each distinct workflow (its
owner, its row and prepared definition) once and inserts every run and its audit row with
batched INSERTs, in the caller's transaction. `queue_scheduled_run` queues a single run
(a retry, or a schedule pinned to a version tag).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, bindparam, select

from app.models.account import User
from app.models.version_run import VersionRef
from app.models.workflow import Workflow
from app.services.errors import NotFoundError, PermissionDeniedError, ServiceError
from app.services.executions import QueuedExecution, insert_queued, insert_queued_many
from app.services.persisted_run import PreparedWorkflow
from app.services.principal import SYSTEM, Principal, principal_of
from app.services.runnable_workflows import runnable
from app.services.version_runs import insert_version_runs

USERS: Table = User.__table__  # type: ignore[attr-defined]
WORKFLOWS: Table = Workflow.__table__  # type: ignore[attr-defined]

TRIGGER = "schedule"

_WORKFLOW_OWNER = select(WORKFLOWS.c.owner_id, WORKFLOWS.c.deleted_at).where(
    WORKFLOWS.c.id == bindparam("workflow_id")
)
_USER = select(USERS).where(USERS.c.id == bindparam("user_id"))


@dataclass(frozen=True)
class _Runnable:
    """A workflow read once for all the runs of a batch: its row, its prepared definition
    and its owner (None: the runs act as `SYSTEM`)."""

    row: Any
    prepared: PreparedWorkflow
    owner: User | None


def _owner(connection: Connection, owner_id: int | None) -> User | None:
    """The owner's account (None for a workflow without one, from before accounts existed).

    Raises:
        PermissionDeniedError: the owner's account is deactivated.
    """
    if owner_id is None:
        return None
    row = connection.execute(_USER, {"user_id": owner_id}).first()
    if row is None:
        return None
    user = User(**row._mapping)
    if not user.active:
        raise PermissionDeniedError("the workflow's owner is deactivated")
    return user


def _acting_as(owner: User | None, schedule_id: int) -> Principal:
    if owner is None:
        return SYSTEM
    return principal_of(owner, label=f"{owner.email} (schedule {schedule_id})")


def schedule_principal(connection: Connection, owner_id: int | None, schedule_id: int) -> Principal:
    """Who a schedule's runs act as: its workflow's owner (`SYSTEM` for a workflow without
    one, from before accounts existed).

    Raises:
        PermissionDeniedError: the owner's account is deactivated.
    """
    return _acting_as(_owner(connection, owner_id), schedule_id)


def _owner_id(connection: Connection, workflow_id: int) -> int | None:
    """The workflow's owner's id.

    Raises:
        NotFoundError: the workflow is gone.
    """
    workflow = connection.execute(_WORKFLOW_OWNER, {"workflow_id": workflow_id}).first()
    if workflow is None or workflow.deleted_at is not None:
        raise NotFoundError(f"Workflow {workflow_id} not found")
    return workflow.owner_id


def queue_scheduled_run(connection: Connection, schedule: Any) -> QueuedExecution:
    """Insert a queued run of `schedule`'s workflow (its tagged version, if it names one),
    as the workflow's owner, in the caller's transaction.

    Raises:
        ServiceError: the workflow (or the tag) is gone, may not run, or has problems.
    """
    principal = schedule_principal(
        connection, _owner_id(connection, schedule.workflow_id), schedule.id
    )
    if schedule.version_tag:
        ref = VersionRef(tag=schedule.version_tag)
        queued = insert_version_runs(
            connection, schedule.workflow_id, [(ref, schedule.input)], TRIGGER, principal
        )
        if isinstance(queued, ServiceError):
            raise queued
        return queued[0]
    row, prepared = runnable(connection.engine, connection, schedule.workflow_id, principal)
    return insert_queued(
        connection,
        row,
        prepared,
        workflow_id=schedule.workflow_id,
        trigger=TRIGGER,
        input=schedule.input,
        principal=principal,
        started=True,
    )


def _read_runnable(connection: Connection, workflow_id: int, schedule_id: int) -> _Runnable:
    owner = _owner(connection, _owner_id(connection, workflow_id))
    row, prepared = runnable(
        connection.engine, connection, workflow_id, _acting_as(owner, schedule_id)
    )
    return _Runnable(row, prepared, owner)


def queue_fire_runs(
    connection: Connection, schedules: Sequence[Any]
) -> list[QueuedExecution | ServiceError]:
    """Insert a queued run of each schedule given (a schedule given twice runs twice), as
    `queue_scheduled_run` would, in the caller's transaction.

    Returns:
        Per schedule, in order: its queued run, or why it cannot run.
    """
    workflows: dict[int, _Runnable | ServiceError] = {}
    results: list[QueuedExecution | ServiceError | None] = []
    batch: list[tuple[Any, PreparedWorkflow, int, Any, Principal]] = []
    positions: list[int] = []
    for schedule in schedules:
        if schedule.version_tag:
            try:
                results.append(queue_scheduled_run(connection, schedule))
            except ServiceError as exc:
                results.append(exc)
            continue
        workflow = workflows.get(schedule.workflow_id)
        if workflow is None:
            try:
                workflow = _read_runnable(connection, schedule.workflow_id, schedule.id)
            except ServiceError as exc:
                workflow = exc
            workflows[schedule.workflow_id] = workflow
        if isinstance(workflow, ServiceError):
            results.append(workflow)
            continue
        positions.append(len(results))
        results.append(None)
        principal = _acting_as(workflow.owner, schedule.id)
        batch.append(
            (workflow.row, workflow.prepared, schedule.workflow_id, schedule.input, principal)
        )
    for position, queued in zip(
        positions, insert_queued_many(connection, batch, trigger=TRIGGER, started=True), strict=True
    ):
        results[position] = queued
    return [result for result in results if result is not None]
