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
from typing import Annotated, Any

from pydantic import AfterValidator
from pydantic import Field as PydanticField
from sqlalchemy import Column, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime, json_column_type

COALESCE_WINDOW = timedelta(minutes=10)
MESSAGE_MAX = 500
TAG_MAX = 64
# Letters, digits, dot, dash and underscore: `production`, `v1.0`, `release_2`.
TAG_PATTERN = rf"^[A-Za-z0-9._-]{{1,{TAG_MAX}}}$"
# Version numbers are 32-bit on PostgreSQL, like ids.
NUMBER_MAX = 2_147_483_647


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
    # `summary(diff(parent, this))`, written at save time; None for the versions made by
    # the migration (the service computes theirs when listed).
    summary: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


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


def clean_message(value: str) -> str:
    """Trim a commit message; raises ValueError when it holds NUL characters."""
    if "\x00" in value:
        raise ValueError("message must not contain NUL characters")
    return value.strip()


MessageText = Annotated[
    str,
    PydanticField(max_length=MESSAGE_MAX, json_schema_extra={"pattern": "^[^\\x00]*$"}),
    AfterValidator(clean_message),
]
VersionNumber = Annotated[int, PydanticField(ge=1, le=NUMBER_MAX)]


class VersionPublic(SQLModel):
    """A version in the history list (without its document).

    `summary` says what changed from its parent ("2 nodes changed, 1 added").
    """

    number: int
    kind: VersionKind
    message: str
    author_id: int | None = None
    author_email: str | None = None
    author_name: str | None = None
    parent_number: int | None = None
    summary: str
    tags: list[str] = Field(default_factory=list)
    created_at: datetime
    updated_at: datetime


class VersionDetail(VersionPublic):
    """A version with its whole workflow document."""

    definition: dict[str, Any]


class VersionsPage(SQLModel):
    """One page of a workflow's history, newest first, and how many versions it has."""

    items: list[VersionPublic]
    total: int


class VersionCommit(SQLModel):
    """A named version of the current document."""

    message: MessageText = ""


class TagMove(SQLModel):
    """Which version a tag names (set or moved)."""

    version: VersionNumber


class TagPublic(SQLModel):
    """A tag and the version it names."""

    name: str
    version: int
    updated_at: datetime


class LineRow(SQLModel):
    """One row of a long text's side-by-side line diff (numbers count from 1)."""

    kind: str
    old_number: int | None = None
    old_text: str | None = None
    new_number: int | None = None
    new_text: str | None = None


class FieldRow(SQLModel):
    """One changed value of the side-by-side list.

    `element` is `node`, `edge` or `document`; `change` is what happened to the element
    (added, removed, modified); `path` is the field inside it (empty for a whole element
    added or removed) and `kind` what happened to that field. Long text has `lines`.
    """

    element: str
    element_id: str | None = None
    element_name: str | None = None
    change: str
    path: str
    kind: str
    old: Any = None
    new: Any = None
    lines: list[LineRow] | None = None


class VersionDiff(SQLModel):
    """What changed from version `a` to version `b`.

    `changes` is the engine's diff (`WorkflowDiff.to_json()`: nodes, edges, document
    fields, counts and the summary); `fields` the same as a flat side-by-side list.
    """

    a: int
    b: int
    summary: str
    changes: dict[str, Any]
    fields: list[FieldRow]


class MergeRequest(SQLModel):
    """The editor's document and the version it started from.

    `base_definition`, the document the editor loaded, is the merge base when given
    (version `base_version` holds later autosaves when they were coalesced into it).
    """

    base_version: VersionNumber
    definition: dict[str, Any]
    base_definition: dict[str, Any] | None = None


class MergePublic(SQLModel):
    """The three-way merge of base, the caller's document and the newest version.

    `document` holds both sides' changes; each conflict was resolved to the caller's side
    and is listed (`what`, `kind`, and the `base`, `ours` and `theirs` values).
    """

    base_version: int
    latest_version: int
    document: dict[str, Any]
    conflicts: list[dict[str, Any]]
    ours_summary: str
    theirs_summary: str
