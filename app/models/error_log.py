"""Errors captured with their context, grouped by fingerprint (no external service needed).

An error group is one kind of failure (same source, exception type and normalised message
or stack); each occurrence keeps its own context and stack trace.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime, json_column_type


class ErrorGroup(SQLModel, table=True):
    """One fingerprint: how often it happened, first and last time, the newest message."""

    __tablename__ = "error_groups"
    __table_args__ = (
        UniqueConstraint("fingerprint", name="uq_error_groups_fingerprint"),
        Index("ix_error_groups_last_seen", "last_seen"),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    fingerprint: str = Field(sa_column=Column(String(64), nullable=False))
    # Where it happened: "node", "execution", "api", "scheduler", "webhook", "llm".
    source: str = Field(sa_column=Column(String(32), nullable=False))
    error_type: str = Field(sa_column=Column(String(200), nullable=False))
    message: str = Field(sa_column=Column(Text, nullable=False))
    count: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    first_seen: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    last_seen: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class ErrorEvent(SQLModel, table=True):
    """One occurrence of an error group, with what it happened to."""

    __tablename__ = "error_events"
    __table_args__ = (
        Index("ix_error_events_group_id_id", "group_id", "id"),
        Index("ix_error_events_occurred_at", "occurred_at"),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    group_id: int = Field(
        sa_column=Column(Integer, ForeignKey("error_groups.id", ondelete="CASCADE"), nullable=False)
    )
    occurred_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    message: str = Field(sa_column=Column(Text, nullable=False))
    stack: str | None = Field(default=None, sa_column=Column(Text))
    # Plain ids, no foreign keys: the record outlives the execution it describes.
    execution_id: int | None = Field(default=None, sa_column=Column(Integer))
    workflow_id: int | None = Field(default=None, sa_column=Column(Integer))
    node_id: str | None = Field(default=None, sa_column=Column(String(64)))
    context: dict[str, Any] | None = Field(default=None, sa_column=Column(json_column_type()))
