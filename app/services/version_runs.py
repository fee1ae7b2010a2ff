"""Running a stored version of a workflow (by number or tag) without restoring it, and A/B
runs of two versions on the same inputs.

The execution's definition snapshot is the version's document and it records the version's
id and number, whatever the workflow's current document is. A version that has runs never
changes, so its prepared document is cached by the version's id (and `updated_at`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, bindparam, select

from app.models.execution import ExecutionPublic
from app.models.version import VersionTag, WorkflowVersion
from app.models.version_run import AB_INPUTS_MAX, AbPair, AbStarted, VersionRef
from app.services.access import Action
from app.services.db_threads import run_write
from app.services.errors import InvalidInputError, NotFoundError, ServiceError
from app.services.executions import QueuedExecution, insert_queued
from app.services.persisted_run import PreparedWorkflow
from app.services.principal import Principal
from app.services.run_budget_check import check_run_allowed
from app.services.runnable_workflows import prepare, workflow_row

VERSIONS: Table = WorkflowVersion.__table__  # type: ignore[attr-defined]
TAGS: Table = VersionTag.__table__  # type: ignore[attr-defined]

_VERSION_COLUMNS = (VERSIONS.c.id, VERSIONS.c.number, VERSIONS.c.definition, VERSIONS.c.updated_at)
_BY_NUMBER = select(*_VERSION_COLUMNS).where(
    VERSIONS.c.workflow_id == bindparam("workflow_id"), VERSIONS.c.number == bindparam("number")
)
_BY_TAG = (
    select(*_VERSION_COLUMNS)
    .join(TAGS, TAGS.c.version_id == VERSIONS.c.id)
    .where(
        TAGS.c.workflow_id == bindparam("workflow_id"),
        TAGS.c.name == bindparam("tag"),
        VERSIONS.c.workflow_id == bindparam("workflow_id"),
    )
)

__all__ = ["start_ab_run", "start_version_run_async"]


@dataclass(frozen=True)
class _VersionRow:
    """A workflow row whose document is one of its stored versions (what an execution's
    values and audit row are made of)."""

    name: str
    kind: str
    owner_id: int | None
    definition: dict[str, Any]
    version_id: int
    version_number: int


def _version(
    connection: Connection, workflow: Any, workflow_id: int, ref: VersionRef
) -> tuple[_VersionRow, PreparedWorkflow]:
    """The version `ref` names, as a row to run, and its prepared document.

    Raises:
        NotFoundError: no such version, or no such tag, in this workflow.
        InvalidWorkflowError: the version's document has problems.
    """
    if ref.tag is None:
        found = connection.execute(
            _BY_NUMBER, {"workflow_id": workflow_id, "number": ref.version}
        ).first()
    else:
        found = connection.execute(_BY_TAG, {"workflow_id": workflow_id, "tag": ref.tag}).first()
    if found is None:
        what = f"Version {ref.version}" if ref.tag is None else f"Tag “{ref.tag}”"
        raise NotFoundError(f"{what} not found in workflow {workflow_id}")
    row = _VersionRow(
        name=workflow.name,
        kind=workflow.kind,
        owner_id=workflow.owner_id,
        definition=found.definition,
        version_id=found.id,
        version_number=found.number,
    )
    updated_at: datetime = found.updated_at
    prepared = prepare(
        connection.engine,
        ("version", found.id, updated_at),
        f"{workflow.name} v{found.number}",
        found.definition,
    )
    return row, prepared


def insert_version_runs(
    connection: Connection,
    workflow_id: int,
    runs: list[tuple[VersionRef, Any]],
    trigger: str,
    principal: Principal,
) -> list[QueuedExecution] | ServiceError:
    """Insert a queued execution per (version, input) in the caller's transaction (runs of
    a version, A/B runs, and schedules or webhooks pinned to a tag).

    Returns:
        The queued runs (start each with `submit()` after the commit), or the error when a
        run cannot be queued: returned, not raised, so a group-commit write that fails does
        not make the writer retry the rest of its batch (see `executions._insert_runnable`).
    """
    try:
        workflow = workflow_row(connection, workflow_id, principal, Action.RUN)
        check_run_allowed(connection, workflow_id=workflow_id)
        resolved: dict[VersionRef, tuple[_VersionRow, PreparedWorkflow]] = {}
        queued = []
        for ref, input in runs:
            if ref not in resolved:
                resolved[ref] = _version(connection, workflow, workflow_id, ref)
            row, prepared = resolved[ref]
            queued.append(
                insert_queued(
                    connection,
                    row,
                    prepared,
                    workflow_id=workflow_id,
                    trigger=trigger,
                    input=input,
                    principal=principal,
                )
            )
    except ServiceError as exc:
        return exc
    return queued


async def _start(
    workflow_id: int, runs: list[tuple[VersionRef, Any]], trigger: str, principal: Principal
) -> list[QueuedExecution]:
    written = await run_write(insert_version_runs, workflow_id, runs, trigger, principal)
    if isinstance(written, Exception):
        raise written
    for queued in written:
        queued.submit()
    return written


async def start_version_run_async(
    principal: Principal,
    workflow_id: int,
    version: int | None = None,
    tag: str | None = None,
    input: Any = None,
) -> ExecutionPublic:
    """Queue a run of a stored version (by number, or by a tag naming it) and start it.

    Raises:
        NotFoundError: no such workflow (or the caller may not see it), version or tag.
        PermissionDeniedError: the caller may see the workflow but not run it.
        InvalidWorkflowError: the version's document has problems.
        InvalidInputError: neither or both of version and tag.
    """
    try:
        ref = VersionRef(version=version, tag=tag)
    except ValueError as exc:
        raise InvalidInputError("give either a version number or a tag") from exc
    (queued,) = await _start(workflow_id, [(ref, input)], "version", principal)
    return queued.execution


async def start_ab_run(
    principal: Principal, workflow_id: int, a: VersionRef, b: VersionRef, inputs: list[Any]
) -> AbStarted:
    """Run versions `a` and `b` on each input (2 x len(inputs) executions, queued in one
    transaction) and return the pairs to compare (`ab_comparison.compare_ab`).

    Raises:
        NotFoundError: no such workflow (or the caller may not see it), version or tag.
        PermissionDeniedError: the caller may see the workflow but not run it.
        InvalidWorkflowError: a version's document has problems.
        InvalidInputError: no inputs, or more than `AB_INPUTS_MAX`.
    """
    if not 1 <= len(inputs) <= AB_INPUTS_MAX:
        raise InvalidInputError(f"an A/B run takes 1 to {AB_INPUTS_MAX} inputs")
    runs = [(ref, input) for input in inputs for ref in (a, b)]
    queued = await _start(workflow_id, runs, "ab", principal)
    executions = [item.execution for item in queued]
    pairs = [
        AbPair(input=input, a_execution_id=side_a.id, b_execution_id=side_b.id)
        for input, side_a, side_b in zip(inputs, executions[::2], executions[1::2], strict=True)
    ]
    a_version, b_version = executions[0].version_number, executions[1].version_number
    assert a_version is not None and b_version is not None
    return AbStarted(a_version=a_version, b_version=b_version, pairs=pairs)
