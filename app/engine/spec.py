"""The workflow document: one JSON format for the canvas, engine, versions, exports and API."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
)

SCHEMA_VERSION = 1


def _without_nul(value: str) -> str:
    # Ids and names are copied into text columns, which PostgreSQL cannot give a NUL.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def _coordinate(value: Any) -> Any:
    # Documents saved before non-finite numbers were refused hold null where `1e400` was.
    return 0.0 if value is None else value


def _json_integer(value: Any) -> Any:
    # JSON has one number type: 5.0 is the integer 5; true and "5" are not integers.
    if isinstance(value, bool | str):
        raise ValueError("must be an integer")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


Integer = Annotated[int, BeforeValidator(_json_integer)]
Text = Annotated[
    str, AfterValidator(_without_nul), Field(json_schema_extra={"pattern": "^[^\\x00]*$"})
]
Coordinate = Annotated[
    StrictFloat, BeforeValidator(_coordinate), Field(json_schema_extra={"type": ["number", "null"]})
]


class OnError(StrEnum):
    """What a node failure does to the rest of the run."""

    STOP = "stop"
    CONTINUE = "continue"
    ERROR_OUTPUT = "error_output"


class Position(BaseModel):
    """Where a node sits on the canvas."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    x: Coordinate = 0.0
    y: Coordinate = 0.0


class NodeSpec(BaseModel):
    """One node of a workflow."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    id: Text = Field(min_length=1, max_length=64)
    type: Text = Field(min_length=1, max_length=64)
    name: Text = Field(default="", max_length=200)
    position: Position = Field(default_factory=Position)
    config: dict[str, Any] = Field(default_factory=dict)
    pinned_output: Any | None = None
    breakpoint: Text | None = None
    disabled: StrictBool = False
    timeout_s: StrictFloat | None = Field(default=None, gt=0, le=3600)
    retries: Integer = Field(default=0, ge=0, le=10)
    retry_backoff_s: StrictFloat = Field(default=0.5, ge=0, le=300)
    on_error: OnError = OnError.STOP

    @property
    def label(self) -> str:
        """The name people see: the node's name, or its id when unnamed."""
        return self.name or self.id


class EdgeSpec(BaseModel):
    """A connection from one node's output handle to another node's input handle."""

    model_config = ConfigDict(extra="forbid")

    id: Text = Field(min_length=1, max_length=64)
    source: Text
    source_handle: Text = "out"
    target: Text
    target_handle: Text = "in"


class WorkflowSettings(BaseModel):
    """Workflow-wide settings."""

    model_config = ConfigDict(extra="forbid")

    timezone: Text = "UTC"
    error_workflow_id: Integer | None = None


class WorkflowSpec(BaseModel):
    """A whole workflow document (`{"schema": 1, "nodes": [...], "edges": [...], ...}`)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    schema_version: Integer = Field(default=SCHEMA_VERSION, alias="schema")
    nodes: list[NodeSpec] = Field(default_factory=list)
    edges: list[EdgeSpec] = Field(default_factory=list)
    settings: WorkflowSettings = Field(default_factory=WorkflowSettings)

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> WorkflowSpec:
        """Parse a JSON document; raises `pydantic.ValidationError` when malformed."""
        return cls.model_validate(document)

    def to_document(self) -> dict[str, Any]:
        """The JSON-ready document, with `schema` as the version key."""
        return self.model_dump(mode="json", by_alias=True)

    def node(self, node_id: str) -> NodeSpec:
        """The node with this id; raises KeyError when absent."""
        for node in self.nodes:
            if node.id == node_id:
                return node
        raise KeyError(node_id)

    @classmethod
    def json_schema(cls) -> dict[str, Any]:
        """JSON schema of the document, for the API and exports."""
        return cls.model_json_schema(by_alias=True)
