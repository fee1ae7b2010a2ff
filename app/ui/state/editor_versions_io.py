"""The history panel's calls to the version services (each on a worker thread via `run_db`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.models.version import TagPublic, VersionDiff, VersionPublic, VersionsPage
from app.models.version_run import VersionStats
from app.services import version_compare, version_tags, versions
from app.services.principal import Principal
from app.services.unit_of_work import session_scope
from app.services.version_stats import version_stats


@dataclass(frozen=True)
class Comparison:
    """Two versions' documents and what changed from the first to the second."""

    diff: VersionDiff
    old: dict[str, Any]
    new: dict[str, Any]


def read_history(
    principal: Principal, workflow_id: int, offset: int, limit: int
) -> tuple[VersionsPage, dict[int, VersionStats]]:
    """A page of the workflow's versions, newest first, and the run stats of each version
    that has runs (by number)."""
    with session_scope(read_only=True) as session:
        page = versions.list_versions(
            session, principal=principal, workflow_id=workflow_id, offset=offset, limit=limit
        )
        stats = version_stats(session, principal=principal, workflow_id=workflow_id)
    return page, {s.version_number: s for s in stats}


def commit(principal: Principal, workflow_id: int, message: str) -> VersionPublic:
    """Name the current document as a commit version."""
    with session_scope() as session:
        return versions.commit_version(
            session, principal=principal, workflow_id=workflow_id, message=message
        )


def restore(principal: Principal, workflow_id: int, number: int) -> VersionPublic:
    """Make version `number` the current document (a new `restore` version)."""
    with session_scope() as session:
        return versions.restore_version(
            session, principal=principal, workflow_id=workflow_id, number=number
        )


def tag(principal: Principal, workflow_id: int, name: str, number: int) -> TagPublic:
    """Name version `number` `name` (moving the tag when another version had it)."""
    with session_scope() as session:
        return version_tags.tag_version(
            session, principal=principal, workflow_id=workflow_id, name=name, number=number
        )


def compare(principal: Principal, workflow_id: int, a: int, b: int) -> Comparison:
    """What changed from version `a` to version `b`, with both documents."""
    with session_scope(read_only=True) as session:
        changes = version_compare.diff_versions(
            session, principal=principal, workflow_id=workflow_id, a=a, b=b
        )
        old = versions.get_version(session, principal=principal, workflow_id=workflow_id, number=a)
        new = versions.get_version(session, principal=principal, workflow_id=workflow_id, number=b)
        return Comparison(diff=changes, old=old.definition, new=new.definition)
