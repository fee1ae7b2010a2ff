"""Workflow versions: every saved state of a workflow's document, with tags naming some.

A version is immutable once anything refers to it (an execution ran it, a tag names it, a
later version follows it); only the newest `auto` version of an author may be coalesced with
that author's next autosave within `COALESCE_WINDOW` (see `app/services/versions.py`).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime, json_column_type

COALESCE_WINDOW = timedelta(minutes=10)
MESSAGE_MAX = 500
TAG_MAX = 64


class VersionKind(StrEnum):
    """How a version came to be."""

    AUTO = "auto"
    COMMIT = "commit"
    RESTORE = "restore"
    IMPORT = "import"


class WorkflowVersion(SQLModel, table=True):
    """One saved state of a workflow's document."""

    __tablename__ = "workflow_versions"
    __table_args__ = (
        UniqueConstraint("workflow_id", "number", name="uq_workflow_versions_number"),
        Index("ix_workflow_versions_workflow_id_number", "workflow_id", "number"),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    workflow_id: int = Field(
        sa_column=Column(Integer, ForeignKey("workflows.id", ondelete="CASCADE"), nullable=False)
    )
    number: int = Field(sa_column=Column(Integer, nullable=False))
    kind: str = Field(sa_column=Column(String(16), nullable=False))
    message: str = Field(default="", sa_column=Column(Text, nullable=False))
    author_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("users.id"), nullable=True)
    )
    parent_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("workflow_versions.id"), nullable=True)
    )
    definition: dict[str, Any] = Field(sa_column=Column(json_column_type(), nullable=False))
    # sha256 of the canonical JSON of `definition`: a save that changes nothing adds nothing.
    content_hash: str = Field(sa_column=Column(String(64), nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    # Moves when an autosave is coalesced into this version.
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class VersionTag(SQLModel, table=True):
    """A name (`production`, `v1.0`) for one version of a workflow; unique per workflow."""

    __tablename__ = "version_tags"
    __table_args__ = (UniqueConstraint("workflow_id", "name", name="uq_version_tags_name"),)

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    workflow_id: int = Field(
        sa_column=Column(Integer, ForeignKey("workflows.id", ondelete="CASCADE"), nullable=False)
    )
    name: str = Field(sa_column=Column(String(TAG_MAX), nullable=False))
    version_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("workflow_versions.id", ondelete="CASCADE"), nullable=False
        )
    )
    created_by: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("users.id"), nullable=True)
    )
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


def content_hash(definition: dict[str, Any]) -> str:
    """The sha256 of a document's canonical JSON (sorted keys, no spaces)."""
    text = json.dumps(definition, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()
