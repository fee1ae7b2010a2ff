"""Versions and tags written straight into the database, for tests of what runs them (not of
how saves record them), on the database that the `db_url` fixture configures."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlmodel import select

from app.models.types import utc_now
from app.models.version import VersionKind, VersionTag, WorkflowVersion, content_hash
from app.models.workflow import Workflow
from app.services.unit_of_work import session_scope


def add_version(workflow_id: int, definition: dict[str, Any], *, newest: bool = True) -> int:
    """Record `definition` as the workflow's next version (and, when `newest`, make it the
    workflow's document and newest version, as a save does); its number."""
    with session_scope() as session:
        last = session.exec(
            select(func.max(WorkflowVersion.number)).where(
                WorkflowVersion.workflow_id == workflow_id
            )
        ).one()
        workflow = session.get(Workflow, workflow_id)
        assert workflow is not None
        now = utc_now()
        version = WorkflowVersion(
            workflow_id=workflow_id,
            number=(last or 0) + 1,
            kind=VersionKind.COMMIT.value,
            definition=definition,
            content_hash=content_hash(definition),
            created_at=now,
            updated_at=now,
        )
        session.add(version)
        session.flush()
        if newest:
            workflow.definition = definition
            workflow.version_id, workflow.version_number = version.id, version.number
            workflow.updated_at = now
            session.add(workflow)
        return version.number


def tag_version(workflow_id: int, name: str, number: int) -> None:
    """Name version `number` of the workflow `name` (a new tag)."""
    with session_scope() as session:
        version = session.exec(
            select(WorkflowVersion).where(
                WorkflowVersion.workflow_id == workflow_id, WorkflowVersion.number == number
            )
        ).one()
        session.add(
            VersionTag(
                workflow_id=workflow_id,
                name=name,
                version_id=version.id,
                updated_at=version.updated_at,
            )
        )
