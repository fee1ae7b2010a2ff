"""The workflows table and the schemas the services and API exchange."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator
from pydantic import Field as PydanticField
from sqlalchemy import Column, ForeignKey, Index, Integer, String, Text
from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime, json_column_type

NAME_MAX = 200
DESCRIPTION_MAX = 5000


def empty_definition() -> dict[str, Any]:
    """The document of a new, empty workflow."""
    return {"schema": 1, "nodes": [], "edges": []}


def clean_name(value: str) -> str:
    """Trim a workflow name; raises ValueError when empty or longer than NAME_MAX."""
    name = value.strip()
    if not name:
        raise ValueError("name must not be empty")
    if "\x00" in name:
        raise ValueError("name must not contain NUL characters")
    if len(name) > NAME_MAX:
        raise ValueError(f"name must be at most {NAME_MAX} characters")
    return name


def clean_description(value: str) -> str:
    """Trim a description; raises ValueError when too long or holding NUL characters."""
    if len(value) > DESCRIPTION_MAX:
        raise ValueError(f"description must be at most {DESCRIPTION_MAX} characters")
    # PostgreSQL text columns cannot store NUL; refuse it here rather than fail on insert.
    if "\x00" in value:
        raise ValueError("description must not contain NUL characters")
    return value.strip()


# Exactly what `str.strip` removes (the JSON Schema `\s` is a different set).
WHITESPACE = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# What `clean_name` accepts, for the OpenAPI document: something besides whitespace, no NUL.
NAME_PATTERN = rf"^[^\x00]*[^{WHITESPACE}\x00][^\x00]*$"

# The lengths are stated for the OpenAPI document; `clean_name` enforces them with messages
# people read in the UI ("name must not be empty") rather than pydantic's own.
NameText = Annotated[
    str,
    PydanticField(
        json_schema_extra={"minLength": 1, "maxLength": NAME_MAX, "pattern": NAME_PATTERN}
    ),
    AfterValidator(clean_name),
]
DescriptionText = Annotated[
    str,
    PydanticField(max_length=DESCRIPTION_MAX, json_schema_extra={"pattern": "^[^\\x00]*$"}),
    AfterValidator(clean_description),
]


class WorkflowKind(StrEnum):
    """What a workflow row is: a workflow drawn on the canvas, or an orchestration (a
    trigger -> orchestration -> output workflow edited on the orchestrations page)."""

    WORKFLOW = "workflow"
    ORCHESTRATION = "orchestration"


class Workflow(SQLModel, table=True):
    """A saved workflow; `deleted_at` is set by a soft delete."""

    __tablename__ = "workflows"
    __table_args__ = (
        Index("ix_workflows_deleted_at_updated_at", "deleted_at", "updated_at"),
        Index("ix_workflows_kind_updated_at", "kind", "updated_at"),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    kind: str = Field(
        default=WorkflowKind.WORKFLOW.value,
        sa_column=Column(String(16), nullable=False, server_default=WorkflowKind.WORKFLOW.value),
    )
    name: str = Field(sa_column=Column(String(NAME_MAX), nullable=False))
    # None only until the instance has an owner (the samples load first): `create_owner`
    # gives such rows to the owner.
    owner_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("users.id"), nullable=True, index=True)
    )
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    definition: dict[str, Any] = Field(sa_column=Column(json_column_type(), nullable=False))
    # The trigger payload the editor runs it with ("Test input"); None: reuse the last run's.
    test_input: Any = Field(default=None, sa_column=Column(json_column_type(), nullable=True))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    deleted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    # The newest version (its document equals `definition`); None before the first save.
    version_id: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    version_number: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))


class ProblemPublic(SQLModel):
    """One validation problem, tied to a node, an edge or a config field when known."""

    code: str
    message: str
    node_id: str | None = None
    edge_id: str | None = None
    field: str | None = None


class WorkflowCreate(SQLModel):
    """What it takes to create a workflow."""

    name: NameText
    description: DescriptionText = ""
    definition: dict[str, Any] = Field(default_factory=empty_definition)


class WorkflowUpdate(SQLModel):
    """A change to a workflow; fields left out (None) keep their value.

    `test_input` is the exception: given, even as null (which clears it), it is stored.
    """

    name: NameText | None = None
    description: DescriptionText | None = None
    definition: dict[str, Any] | None = None
    test_input: Any = None
    # What the editor loaded (`version_number`, `version_hash`): a new definition is refused
    # (409) when a newer version exists or the document changed since (a coalesced autosave).
    base_version: int | None = Field(default=None, ge=1, le=2_147_483_647)
    base_hash: Annotated[str, PydanticField(pattern="^[0-9a-f]{64}$")] | None = None


class WorkflowSummary(SQLModel):
    """A workflow in a list (no definition); `access` is what the caller may do with it."""

    id: int
    kind: str = WorkflowKind.WORKFLOW.value
    name: str
    description: str
    node_count: int
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None
    owner_id: int | None = None
    access: list[str] = Field(default_factory=list)


class WorkflowPublic(SQLModel):
    """A workflow with its definition and the graph problems found in it."""

    id: int
    kind: str = WorkflowKind.WORKFLOW.value
    name: str
    description: str
    definition: dict[str, Any]
    test_input: Any = None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None
    problems: list[ProblemPublic] = Field(default_factory=list)
    owner_id: int | None = None
    # What the caller may do: "read", "change", "run", "delete", "share".
    access: list[str] = Field(default_factory=list)
    # The newest version and its document's hash: the `base_version` and `base_hash` of the
    # next save from an editor showing this.
    version_number: int | None = None
    version_hash: str = ""


class WorkflowsPage(SQLModel):
    """One page of workflows and the total that match."""

    items: list[WorkflowSummary]
    total: int
