"""The node_cache table (reusable node outputs by cache key) and the canvas's node state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, Integer, String
from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime, json_column_type


class NodeCacheEntry(SQLModel, table=True):
    """One succeeded node output, stored under its cache key.

    The key hashes the node's type, resolved config, inputs and pinned output, so an entry
    may serve any workflow: `workflow_id` only says which one wrote it last (no foreign key,
    so one workflow's deletion does not take a shared entry with it).
    """

    __tablename__ = "node_cache"
    __table_args__ = (Index("ix_node_cache_last_used_at", "last_used_at"),)

    cache_key: str = Field(sa_column=Column(String(64), primary_key=True))
    workflow_id: int | None = Field(default=None, sa_column=Column(Integer))
    node_id: str = Field(sa_column=Column(String(64), nullable=False))
    node_type: str = Field(sa_column=Column(String(64), nullable=False))
    output: Any = Field(default=None, sa_column=Column(json_column_type()))
    taken_handles: list[str] | None = Field(default=None, sa_column=Column(json_column_type()))
    variables: dict[str, Any] | None = Field(default=None, sa_column=Column(json_column_type()))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    last_used_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class NodeState(SQLModel):
    """The latest state of one node of a workflow, as the canvas shows it.

    Attributes:
        status: the node's status in the latest run that covered it (`pending` if none did).
        output: its latest output (from its run, the cache entry it reused, or its pin).
        error: the error of that run, if it failed.
        duration_ms: wall time of its last attempt (None when it did not run).
        attempts: attempts it took in that run (0: reused or pinned, not run).
        cached: the output was reused from the cache.
        pinned: the output is the node's pinned output.
        stale: an edit (of it or upstream), a failure or a missing run means its output no
            longer stands for the current definition.
        execution_id: the run the state comes from.
    """

    status: str
    output: Any = None
    error: str | None = None
    duration_ms: float | None = None
    attempts: int = 0
    cached: bool = False
    pinned: bool = False
    stale: bool = False
    execution_id: int | None = None
