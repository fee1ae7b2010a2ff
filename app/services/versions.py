"""Workflow versions: the history list, one version, commit and restore.

Saving records versions by itself (`app/services/version_store.py`); tags are in
`version_tags.py`, diff and merge in `version_compare.py`.

Commit names the current document, which always equals the newest version's: when that
version is the caller's own `auto` version, it becomes the commit (the usual case: edits
autosaved, then Commit); otherwise (another author's autosave, or a commit, restore or
import) a new `commit` version with the same document is added, so every commit is by its
committer. Restoring version N adds a `restore` version whose document equals N's, and the
workflow's document becomes it; history is never rewritten. Restoring a version equal to the
current document adds nothing.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from app.models.account import User
from app.models.types import utc_now
from app.models.version import (
    MESSAGE_MAX,
    VersionDetail,
    VersionKind,
    VersionPublic,
    VersionsPage,
    VersionTag,
    WorkflowVersion,
    clean_message,
)
from app.models.workflow import Workflow
from app.services.access import Action
from app.services.audit import record_audit
from app.services.errors import InvalidInputError
from app.services.principal import Principal
from app.services.version_store import (
    change_summary,
    find_version,
    lock_workflow,
    newest_version,
    record_save,
)
from app.services.workflows import authorized_workflow

__all__ = [
    "audit_version",
    "commit_version",
    "get_version",
    "list_versions",
    "restore_version",
    "version_public",
]

MAX_PAGE = 200

_Parent = aliased(WorkflowVersion)
_COLUMNS: tuple[Any, ...] = (
    col(WorkflowVersion.id),
    col(WorkflowVersion.number),
    col(WorkflowVersion.kind),
    col(WorkflowVersion.message),
    col(WorkflowVersion.author_id),
    col(User.email).label("author_email"),
    col(User.name).label("author_name"),
    col(_Parent.number).label("parent_number"),
    col(WorkflowVersion.parent_id),
    col(WorkflowVersion.summary),
    col(WorkflowVersion.created_at),
    col(WorkflowVersion.updated_at),
)


def audit_version(
    session: Session,
    principal: Principal,
    action: str,
    workflow: Workflow,
    detail: dict[str, Any],
) -> None:
    """One audit row `<kind>.<action>` about a workflow's versions, in the transaction."""
    record_audit(
        session,
        actor=principal,
        action=f"{workflow.kind}.{action}",
        object_type=workflow.kind,
        object_id=workflow.id or "",
        detail={"name": workflow.name, **detail},
    )


def _rows(session: Session, workflow_id: int, *where: Any, limit: int = 1) -> Any:
    query = (
        select(*_COLUMNS)
        .outerjoin(User, col(User.id) == col(WorkflowVersion.author_id))
        .outerjoin(_Parent, col(_Parent.id) == col(WorkflowVersion.parent_id))
        .where(col(WorkflowVersion.workflow_id) == workflow_id, *where)
        .order_by(col(WorkflowVersion.number).desc())
        .limit(limit)
    )
    return session.execute(query).all()


def _tags(session: Session, workflow_id: int, version_ids: list[int]) -> dict[int, list[str]]:
    rows = session.execute(
        select(col(VersionTag.version_id), col(VersionTag.name))
        .where(
            col(VersionTag.workflow_id) == workflow_id,
            col(VersionTag.version_id).in_(version_ids),
        )
        .order_by(col(VersionTag.name))
    ).all()
    tags: dict[int, list[str]] = defaultdict(list)
    for version_id, name in rows:
        tags[version_id].append(name)
    return tags


def _missing_summaries(session: Session, rows: list[Any]) -> dict[int, str]:
    """Summaries of the versions the 0008 migration made (computed, not stored)."""
    missing = [row for row in rows if row.summary is None]
    if not missing:
        return {}
    ids = {row.id for row in missing} | {row.parent_id for row in missing if row.parent_id}
    documents = dict(
        session.execute(
            select(col(WorkflowVersion.id), col(WorkflowVersion.definition)).where(
                col(WorkflowVersion.id).in_(ids)
            )
        ).all()
    )
    return {
        row.id: change_summary(documents.get(row.parent_id), documents[row.id]) for row in missing
    }


def _publics(session: Session, workflow_id: int, rows: list[Any]) -> list[VersionPublic]:
    tags = _tags(session, workflow_id, [row.id for row in rows])
    computed = _missing_summaries(session, rows)
    return [
        VersionPublic(
            number=row.number,
            kind=VersionKind(row.kind),
            message=row.message,
            author_id=row.author_id,
            author_email=row.author_email,
            author_name=row.author_name,
            parent_number=row.parent_number,
            summary=row.summary if row.summary is not None else computed[row.id],
            tags=tags.get(row.id, []),
            created_at=row.created_at,
            updated_at=row.updated_at,
        )
        for row in rows
    ]


def version_public(session: Session, version: WorkflowVersion) -> VersionPublic:
    """One version as the history list shows it."""
    rows = _rows(session, version.workflow_id, col(WorkflowVersion.id) == version.id)
    return _publics(session, version.workflow_id, list(rows))[0]


def list_versions(
    session: Session, *, principal: Principal, workflow_id: int, offset: int = 0, limit: int = 50
) -> VersionsPage:
    """A page of the workflow's history, newest first, with tags, authors and summaries.

    Raises:
        NotFoundError: no such workflow, it is deleted, or the caller may not see it.
    """
    workflow, _ = authorized_workflow(session, principal, workflow_id, Action.READ)
    total = workflow.version_number or 0
    # Numbers run 1..total without gaps, so a page is a range of the index, not an OFFSET.
    below = col(WorkflowVersion.number) <= total - max(0, offset)
    rows = _rows(session, workflow_id, below, limit=max(1, min(limit, MAX_PAGE)))
    return VersionsPage(items=_publics(session, workflow_id, list(rows)), total=total)


def get_version(
    session: Session, *, principal: Principal, workflow_id: int, number: int
) -> VersionDetail:
    """One version with its document.

    Raises:
        NotFoundError: no such workflow or version, or the caller may not see it.
    """
    authorized_workflow(session, principal, workflow_id, Action.READ)
    version = find_version(session, workflow_id, number)
    public = version_public(session, version)
    return VersionDetail(**public.model_dump(), definition=version.definition)


def commit_version(
    session: Session, *, principal: Principal, workflow_id: int, message: str
) -> VersionPublic:
    """Name the current document as a `commit` version (never coalesced afterwards).

    Raises:
        NotFoundError: no such workflow, or the caller may not see it.
        PermissionDeniedError: the caller may not change it.
        InvalidInputError: the message is too long or holds NUL characters.
    """
    try:
        message = clean_message(message)
    except ValueError as exc:
        raise InvalidInputError(f"A commit {exc}") from exc
    if len(message) > MESSAGE_MAX:
        raise InvalidInputError(f"A commit message is at most {MESSAGE_MAX} characters")
    workflow, _ = authorized_workflow(session, principal, workflow_id, Action.CHANGE)
    lock_workflow(session, workflow)
    newest = newest_version(session, workflow)
    if (
        newest is not None
        and newest.kind == VersionKind.AUTO
        and newest.author_id == (principal.user_id or None)
    ):
        newest.kind = VersionKind.COMMIT.value
        newest.message = message
        newest.updated_at = utc_now()
        session.add(newest)
        session.flush()
        version = newest
    else:
        version = record_save(session, workflow, principal, VersionKind.COMMIT, message=message)
    audit_version(
        session, principal, "commit", workflow, {"number": version.number, "message": message}
    )
    return version_public(session, version)


def restore_version(
    session: Session, *, principal: Principal, workflow_id: int, number: int
) -> VersionPublic:
    """Make version `number`'s document the current one, as a new `restore` version.

    Returns:
        The new version (or the newest, when it already holds that document).

    Raises:
        NotFoundError: no such workflow or version, or the caller may not see it.
        PermissionDeniedError: the caller may not change it.
    """
    workflow, _ = authorized_workflow(session, principal, workflow_id, Action.CHANGE)
    lock_workflow(session, workflow)
    target = find_version(session, workflow_id, number)
    newest = newest_version(session, workflow)
    if newest is not None and newest.content_hash == target.content_hash:
        return version_public(session, newest)
    workflow.definition = copy.deepcopy(target.definition)
    workflow.updated_at = utc_now()
    session.add(workflow)
    session.flush()
    version = record_save(
        session, workflow, principal, VersionKind.RESTORE, message=f"Restored version {number}"
    )
    audit_version(
        session, principal, "restore_version", workflow, {"from": number, "number": version.number}
    )
    return version_public(session, version)
