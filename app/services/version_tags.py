"""Tags: names (`production`, `v1.0`) for versions of a workflow, unique per workflow.

Tagging a name that exists moves it to the other version; every set, move and removal is
an audit row (`workflow.tag` with `from` and `to` version numbers, `workflow.untag`). A
tagged version is never coalesced with a later autosave.
"""

from __future__ import annotations

import re

from sqlmodel import Session, select

from app.models.types import utc_now
from app.models.version import TAG_MAX, TAG_PATTERN, TagPublic, VersionTag, WorkflowVersion
from app.models.workflow import Workflow
from app.services.access import Action
from app.services.errors import InvalidInputError, NotFoundError
from app.services.principal import Principal
from app.services.version_store import find_version, lock_workflow
from app.services.versions import audit_version
from app.services.workflows import authorized_workflow

__all__ = ["tag_version", "untag_version"]

_NAME = re.compile(TAG_PATTERN)


def _checked(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise InvalidInputError(
            f"A tag is 1 to {TAG_MAX} letters, digits, '.', '-' or '_' (not {name[:80]!r})"
        )
    return name


def _tag(session: Session, workflow_id: int, name: str) -> VersionTag | None:
    return session.exec(
        select(VersionTag).where(VersionTag.workflow_id == workflow_id, VersionTag.name == name)
    ).first()


def check_tag_exists(session: Session, *, workflow_id: int, tag: str | None) -> None:
    """Refuse a tag the workflow does not have (schedules and webhooks that pin one).

    Raises:
        InvalidInputError: `tag` names no tag of the workflow (None passes).
    """
    if tag is not None and _tag(session, workflow_id, tag) is None:
        raise InvalidInputError(f"Workflow {workflow_id} has no version tag {tag!r}")


def _number(session: Session, version_id: int) -> int:
    version = session.get(WorkflowVersion, version_id)
    assert version is not None
    return version.number


def _locked(session: Session, principal: Principal, workflow_id: int) -> Workflow:
    workflow, _ = authorized_workflow(session, principal, workflow_id, Action.CHANGE)
    lock_workflow(session, workflow)
    return workflow


def tag_version(
    session: Session, *, principal: Principal, workflow_id: int, name: str, number: int
) -> TagPublic:
    """Name version `number` `name`; a tag of that name elsewhere moves here.

    Raises:
        NotFoundError: no such workflow or version, or the caller may not see it.
        PermissionDeniedError: the caller may not change the workflow.
        InvalidInputError: the name is not a tag name.
    """
    _checked(name)
    workflow = _locked(session, principal, workflow_id)
    version = find_version(session, workflow_id, number)
    assert version.id is not None
    tag = _tag(session, workflow_id, name)
    if tag is not None and tag.version_id == version.id:
        return TagPublic(name=name, version=number, updated_at=tag.updated_at)
    moved_from = _number(session, tag.version_id) if tag is not None else None
    now = utc_now()
    if tag is None:
        tag = VersionTag(workflow_id=workflow_id, name=name, version_id=version.id, updated_at=now)
    tag.version_id = version.id
    tag.created_by = principal.user_id or None
    tag.updated_at = now
    session.add(tag)
    session.flush()
    audit_version(
        session, principal, "tag", workflow, {"tag": name, "from": moved_from, "to": number}
    )
    return TagPublic(name=name, version=number, updated_at=tag.updated_at)


def untag_version(
    session: Session, *, principal: Principal, workflow_id: int, name: str
) -> TagPublic:
    """Remove the tag `name`.

    Returns:
        The tag as it was (the version it named).

    Raises:
        NotFoundError: no such workflow or tag, or the caller may not see the workflow.
        PermissionDeniedError: the caller may not change the workflow.
    """
    workflow = _locked(session, principal, workflow_id)
    tag = _tag(session, workflow_id, name)
    if tag is None:
        raise NotFoundError(f"Workflow {workflow_id} has no tag {name[:80]!r}")
    number = _number(session, tag.version_id)
    session.delete(tag)
    session.flush()
    audit_version(session, principal, "untag", workflow, {"tag": name, "from": number})
    return TagPublic(name=name, version=number, updated_at=utc_now())
