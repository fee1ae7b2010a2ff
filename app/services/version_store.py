"""Recording versions as a workflow's document changes: dedup, coalescing, and the check
that refuses a save based on an older version than the newest.

Every change of a workflow's document goes through `record_save` in the same transaction,
so `workflows.definition` always equals the newest version's document and
`workflows.version_id` / `version_number` name it. Version numbers count 1, 2, 3, ... per
workflow without gaps (versions are never deleted), so the newest number is also the count.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import Any

from sqlmodel import Session, col, select

from app.engine.diff import DuplicateIdError, diff, normalize, summary
from app.models.execution import Execution
from app.models.types import utc_now
from app.models.version import (
    COALESCE_WINDOW,
    VersionKind,
    VersionTag,
    WorkflowVersion,
    content_hash,
)
from app.models.workflow import Workflow, empty_definition
from app.services.errors import ConflictError, InvalidInputError, NotFoundError
from app.services.principal import Principal

UNCOMPARABLE = "Changed (a document repeats a node or edge id, so it cannot be compared)"


class VersionConflictError(ConflictError):
    """Someone saved a newer version than the one the editor started from.

    Attributes:
        base_version: the version the save was based on.
        latest_version: the newest version now (reload it, keep mine, or merge).
    """

    def __init__(self, base_version: int, latest_version: int) -> None:
        super().__init__(
            f"Someone saved this workflow (now version {latest_version}) after you loaded"
            f" version {base_version}: reload it, keep yours, or merge"
        )
        self.base_version = base_version
        self.latest_version = latest_version


@lru_cache(maxsize=1)
def _empty_document() -> dict[str, Any]:
    return normalize(empty_definition())


def change_summary(parent: dict[str, Any] | None, document: dict[str, Any]) -> str:
    """`summary(diff(parent, document))` of two stored documents (None: an empty one)."""
    try:
        return summary(diff(parent or _empty_document(), document, normalized=True))
    except DuplicateIdError:
        return UNCOMPARABLE


def lock_workflow(session: Session, workflow: Workflow) -> None:
    """Reload the workflow row locked until the transaction ends (PostgreSQL; SQLite
    serialises writers anyway), so version numbers and tags change one save at a time."""
    session.refresh(workflow, with_for_update=True)


def lock_for_save(
    session: Session, workflow: Workflow, base_version: int | None, base_hash: str | None = None
) -> None:
    """Lock the workflow row, then refuse a save based on an older state than the newest.

    Any newer version refuses the save, whoever made it: two tabs of one user would lose
    work too. An autosave coalesced into the version the editor loaded keeps its number;
    `base_hash` (the `version_hash` the editor loaded) catches that too. Without either,
    the save is not checked (API clients that do not know versions).

    Raises:
        VersionConflictError: a newer version than `base_version` exists, or the document
            no longer has `base_hash`.
        InvalidInputError: `base_version` does not exist.
    """
    lock_workflow(session, workflow)
    latest = workflow.version_number or 0
    if base_version is not None and base_version > latest:
        raise InvalidInputError(f"Version {base_version} of this workflow does not exist")
    stale = base_version is not None and base_version < latest
    if stale or (base_hash is not None and base_hash != content_hash(workflow.definition)):
        raise VersionConflictError(base_version or latest, latest)


def newest_version(session: Session, workflow: Workflow) -> WorkflowVersion | None:
    """The workflow's newest version (None only for a workflow never saved)."""
    if workflow.version_id is None:
        return None
    return session.get(WorkflowVersion, workflow.version_id)


def find_version(session: Session, workflow_id: int, number: int) -> WorkflowVersion:
    """Version `number` of a workflow.

    Raises:
        NotFoundError: the workflow has no such version.
    """
    version = session.exec(
        select(WorkflowVersion).where(
            WorkflowVersion.workflow_id == workflow_id, WorkflowVersion.number == number
        )
    ).first()
    if version is None:
        raise NotFoundError(f"Version {number} of workflow {workflow_id} not found")
    return version


def is_referenced(session: Session, version: WorkflowVersion) -> bool:
    """Whether an execution ran the version or a tag names it (so it must not change)."""
    ran = session.exec(
        select(Execution.id).where(col(Execution.version_id) == version.id).limit(1)
    ).first()
    if ran is not None:
        return True
    tagged = session.exec(
        select(VersionTag.id)
        .where(VersionTag.workflow_id == version.workflow_id, VersionTag.version_id == version.id)
        .limit(1)
    ).first()
    return tagged is not None


def _coalescible(
    session: Session, newest: WorkflowVersion, author_id: int | None, kind: VersionKind
) -> bool:
    return (
        kind is VersionKind.AUTO
        and newest.kind == VersionKind.AUTO
        and newest.author_id == author_id
        and utc_now() - newest.updated_at <= COALESCE_WINDOW
        and not is_referenced(session, newest)
    )


def record_save(
    session: Session,
    workflow: Workflow,
    principal: Principal,
    kind: VersionKind = VersionKind.AUTO,
    *,
    message: str = "",
) -> WorkflowVersion:
    """Keep the workflow's current document as a version (call after every change of it).

    An autosave of the newest version's document adds nothing. An autosave by the author
    of the newest `auto` version within `COALESCE_WINDOW` of its last save updates it in
    place, unless an execution ran it or a tag names it. Anything else (and every other
    kind: commit, restore, import) appends version newest + 1 whose parent is the newest.

    Returns:
        The version that now holds the document (the workflow row names it).
    """
    author_id = principal.user_id or None
    newest = newest_version(session, workflow)
    digest = content_hash(workflow.definition)
    if newest is not None and kind is VersionKind.AUTO and newest.content_hash == digest:
        return newest
    if newest is not None and _coalescible(session, newest, author_id, kind):
        parent = session.get(WorkflowVersion, newest.parent_id) if newest.parent_id else None
        newest.definition = copy.deepcopy(workflow.definition)
        newest.content_hash = digest
        newest.updated_at = utc_now()
        newest.summary = change_summary(parent.definition if parent else None, newest.definition)
        session.add(newest)
        session.flush()
        return newest
    now = utc_now()
    assert workflow.id is not None
    version = WorkflowVersion(
        workflow_id=workflow.id,
        number=(newest.number if newest else 0) + 1,
        kind=kind.value,
        message=message,
        author_id=author_id,
        parent_id=newest.id if newest else None,
        definition=copy.deepcopy(workflow.definition),
        content_hash=digest,
        created_at=now,
        updated_at=now,
        summary=change_summary(newest.definition if newest else None, workflow.definition),
    )
    session.add(version)
    session.flush()
    workflow.version_id = version.id
    workflow.version_number = version.number
    session.add(workflow)
    session.flush()
    return version
