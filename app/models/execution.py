"""The executions and node_runs tables and their public schemas."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, Column, Float, ForeignKey, Index, Integer, String, Text, false
from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime, json_column_type


class ExecutionStatus(StrEnum):
    """Lifecycle of an execution row."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    CRASHED = "crashed"
    PAUSED = "paused"


FINISHED_STATUSES = frozenset(
    {
        ExecutionStatus.SUCCEEDED,
        ExecutionStatus.FAILED,
        ExecutionStatus.CANCELLED,
        ExecutionStatus.CRASHED,
    }
)


class Execution(SQLModel, table=True):
    """One run of a workflow, with a snapshot of the definition it ran."""

    __tablename__ = "executions"
    __table_args__ = (
        Index("ix_executions_workflow_id_id", "workflow_id", "id"),
        Index("ix_executions_status_heartbeat_at", "status", "heartbeat_at"),
        Index("ix_executions_version_id", "version_id"),
        # Monitoring's throughput and latency charts read recent finishes.
        Index("ix_executions_finished_at", "finished_at"),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    workflow_id: int = Field(
        sa_column=Column(Integer, ForeignKey("workflows.id", ondelete="CASCADE"), nullable=False)
    )
    workflow_name: str = Field(sa_column=Column(String(200), nullable=False))
    definition: dict[str, Any] = Field(sa_column=Column(json_column_type(), nullable=False))
    status: str = Field(sa_column=Column(String(16), nullable=False))
    trigger: str = Field(sa_column=Column(String(32), nullable=False))
    # The version it ran (None: run before versions existed).
    version_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("workflow_versions.id", ondelete="SET NULL"), nullable=True
        ),
    )
    version_number: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    # Who started it (None: a run without a user, e.g. before accounts existed).
    started_by_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("users.id"), nullable=True)
    )
    input: Any = Field(default=None, sa_column=Column(json_column_type()))
    output: Any = Field(default=None, sa_column=Column(json_column_type()))
    error: str | None = Field(default=None, sa_column=Column(Text))
    error_node_id: str | None = Field(default=None, sa_column=Column(String(64)))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    started_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    finished_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    heartbeat_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    uses_mock: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=false())
    )
    # node id -> {"status", "cached", "cache_key", "pinned"}, written when the run ends: the
    # one place for nodes that did not run (cached, pinned, stale), which have no node_runs.
    node_states: dict[str, Any] | None = Field(default=None, sa_column=Column(json_column_type()))


class NodeRun(SQLModel, table=True):
    """One attempt of one node in one execution (or one skip)."""

    __tablename__ = "node_runs"
    __table_args__ = (Index("ix_node_runs_execution_id_id", "execution_id", "id"),)

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    execution_id: int = Field(
        sa_column=Column(Integer, ForeignKey("executions.id", ondelete="CASCADE"), nullable=False)
    )
    node_id: str = Field(sa_column=Column(String(64), nullable=False))
    node_type: str = Field(sa_column=Column(String(64), nullable=False))
    node_name: str = Field(sa_column=Column(String(200), nullable=False))
    status: str = Field(sa_column=Column(String(16), nullable=False))
    attempt: int = Field(sa_column=Column(Integer, nullable=False))
    inputs: Any = Field(default=None, sa_column=Column(json_column_type()))
    output: Any = Field(default=None, sa_column=Column(json_column_type()))
    error: str | None = Field(default=None, sa_column=Column(Text))
    started_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    finished_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    duration_ms: float | None = Field(default=None, sa_column=Column(Float))
    pinned: bool = Field(default=False, sa_column=Column(Boolean, nullable=False))
    cache_key: str | None = Field(default=None, sa_column=Column(String(128)))
    tokens_in: int | None = Field(default=None, sa_column=Column(Integer))
    tokens_out: int | None = Field(default=None, sa_column=Column(Integer))
    cost_usd: float | None = Field(default=None, sa_column=Column(Float))


class ExecutionPublic(SQLModel):
    """An execution as the API and UI see it (without the definition snapshot)."""

    id: int
    workflow_id: int
    workflow_name: str
    status: str
    trigger: str
    input: Any = None
    output: Any = None
    error: str | None = None
    error_node_id: str | None = None
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    heartbeat_at: datetime | None = None
    uses_mock: bool = Field(
        default=False, description="Some LLM answer of this run came from the mock provider."
    )
    started_by_id: int | None = Field(default=None, description="The user who started it.")
    version_id: int | None = Field(
        default=None, description="The workflow version it ran (None: run before versions)."
    )
    version_number: int | None = Field(
        default=None, description="That version's number within its workflow."
    )


class NodeRunPublic(SQLModel):
    """One node attempt as the API and UI see it."""

    id: int
    node_id: str
    node_type: str
    node_name: str
    status: str
    attempt: int
    inputs: Any = None
    output: Any = None
    error: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    duration_ms: float | None = None
    pinned: bool = False
    cache_key: str | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None
    cost_usd: float | None = None


class ExecutionDetail(ExecutionPublic):
    """An execution with the definition it ran and every node run, in the order they ended.

    `node_states` has every node's final state (node id -> status, cached, cache_key,
    pinned), including nodes that reused an output and so have no node run.
    """

    definition: dict[str, Any]
    node_runs: list[NodeRunPublic] = Field(default_factory=list)
    node_states: dict[str, Any] | None = None


class ExecutionsPage(SQLModel):
    """One page of executions and the total that match."""

    items: list[ExecutionPublic]
    total: int
