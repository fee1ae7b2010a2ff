"""Schemas of runs of a stored version: which version, per-version stats, A/B comparisons."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.models.version import TAG_MAX

AB_INPUTS_MAX = 20
# Version numbers are 32-bit on PostgreSQL, like ids.
VERSION_NUMBER_MAX = 2_147_483_647


class VersionRef(BaseModel):
    """A version of a workflow, by its number or by a tag naming it (exactly one)."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        # The OpenAPI document states the rule `_exactly_one` enforces.
        json_schema_extra={
            "oneOf": [
                {
                    "required": ["version"],
                    "properties": {"version": {"type": "integer"}, "tag": {"type": "null"}},
                },
                {
                    "required": ["tag"],
                    "properties": {"tag": {"type": "string"}, "version": {"type": "null"}},
                },
            ]
        },
    )

    version: int | None = Field(default=None, ge=1, le=VERSION_NUMBER_MAX)
    tag: str | None = Field(default=None, min_length=1, max_length=TAG_MAX)

    @model_validator(mode="after")
    def _exactly_one(self) -> VersionRef:
        if (self.version is None) == (self.tag is None):
            raise ValueError("give either a version number or a tag")
        return self

    def label(self) -> str:
        """How people name it: `v3` or the tag."""
        return f"v{self.version}" if self.tag is None else self.tag


class AbRequest(BaseModel):
    """Two versions (or tags) to run on the same inputs, each input on each side."""

    model_config = ConfigDict(extra="forbid")

    a: VersionRef
    b: VersionRef
    inputs: list[Any] = Field(min_length=1, max_length=AB_INPUTS_MAX)


class AbPair(BaseModel):
    """One input and the execution of each side on it."""

    input: Any = None
    a_execution_id: int
    b_execution_id: int


class AbStarted(BaseModel):
    """The queued executions of an A/B run; compare them with `GET .../ab/compare`."""

    a_version: int = Field(description="The version side a runs.")
    b_version: int = Field(description="The version side b runs.")
    pairs: list[AbPair]


class VersionStats(BaseModel):
    """How a version's runs went (durations and costs of finished runs)."""

    version_id: int
    version_number: int
    runs: int = Field(description="Every run of this version, unfinished ones included.")
    finished: int
    succeeded: int
    success_rate: float | None = Field(description="succeeded / finished; None before any.")
    avg_duration_ms: float | None = None
    p95_duration_ms: float | None = Field(default=None, description="Nearest-rank p95.")
    avg_cost_usd: float | None = Field(
        default=None, description="Mean over finished runs of their nodes' summed LLM cost."
    )


class NodeSide(BaseModel):
    """One node in one execution: its last attempt's status and output, all attempts'
    duration and cost."""

    status: str | None = None
    output: Any = None
    duration_ms: float | None = None
    cost_usd: float | None = None
    attempts: int = 0


class NodeComparison(BaseModel):
    """A node of either side's document on both sides (None: not in that side's document)."""

    node_id: str
    node_name: str
    a: NodeSide | None = None
    b: NodeSide | None = None
    differs: bool = Field(description="Statuses or outputs are not equal.")


class ExecutionSide(BaseModel):
    """One execution of a comparison, in totals."""

    execution_id: int
    version_number: int | None = None
    status: str
    output: Any = None
    duration_ms: float | None = None
    cost_usd: float = 0.0


class ExecutionComparison(BaseModel):
    """Two executions of a workflow, node by node."""

    a: ExecutionSide
    b: ExecutionSide
    nodes: list[NodeComparison]
    differing_nodes: int
    output_differs: bool
    finished: bool = Field(description="Both executions have ended.")


class SideSummary(BaseModel):
    """One side of an A/B over all its pairs."""

    version_number: int | None = Field(
        default=None, description="The version every run of the side ran (None: several)."
    )
    runs: int
    succeeded: int
    avg_duration_ms: float | None = None
    total_cost_usd: float = 0.0


class AbComparison(BaseModel):
    """Every pair of an A/B compared, and each side summed up."""

    pairs: list[ExecutionComparison]
    a: SideSummary
    b: SideSummary
    outputs_differ: int = Field(description="Pairs whose final outputs are not equal.")
    finished: bool = Field(description="Every execution of every pair has ended.")
