"""Cron schedules of a workflow and the record of every fire time.

`schedule_fires` has one row per (schedule, fire time), made unique by the database: two
scheduler processes that both try to fire the same time insert one row between them, and
only the one whose insert won starts an execution.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime, json_column_type

CRON_MAX = 120
TIMEZONE_MAX = 64
NAME_MAX = 200
GRACE_DEFAULT_SECONDS = 60
GRACE_MAX_SECONDS = 86_400
RETRY_ATTEMPTS_MAX = 10
RETRY_BACKOFF_MAX_SECONDS = 86_400


class MisfirePolicy(StrEnum):
    """What a schedule does with the fire times it missed (downtime, no leader)."""

    # Run once for all the missed times (the newest of them), record the others as missed.
    CATCH_UP = "catch_up"
    # Run none of them; record each as missed.
    SKIP = "skip"


class FireStatus(StrEnum):
    """What became of one fire time."""

    STARTED = "started"  # an execution was started (its status says how it went)
    RETRYING = "retrying"  # the execution failed; another attempt is due at next_retry_at
    MISSED = "missed"  # not run: `reason` says why (downtime, past grace, overlap, skipped)


class Schedule(SQLModel, table=True):
    """A cron expression in an IANA timezone that starts runs of a workflow."""

    __tablename__ = "schedules"
    __table_args__ = (
        Index("ix_schedules_workflow_id", "workflow_id"),
        Index("ix_schedules_enabled_next_fire_at", "enabled", "next_fire_at"),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    workflow_id: int = Field(
        sa_column=Column(Integer, ForeignKey("workflows.id", ondelete="CASCADE"), nullable=False)
    )
    created_by: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    )
    name: str = Field(default="", sa_column=Column(String(NAME_MAX), nullable=False))
    cron: str = Field(sa_column=Column(String(CRON_MAX), nullable=False))
    timezone: str = Field(sa_column=Column(String(TIMEZONE_MAX), nullable=False))
    enabled: bool = Field(
        default=True, sa_column=Column(Boolean, nullable=False, server_default=true())
    )
    # The workflow input of every run it starts.
    input: Any = Field(default=None, sa_column=Column(json_column_type(), nullable=True))
    # Run the version this tag names (None: the workflow as it is now).
    version_tag: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    grace_seconds: int = Field(
        default=GRACE_DEFAULT_SECONDS, sa_column=Column(Integer, nullable=False)
    )
    misfire_policy: str = Field(
        default=MisfirePolicy.CATCH_UP.value, sa_column=Column(String(16), nullable=False)
    )
    allow_overlap: bool = Field(default=False, sa_column=Column(Boolean, nullable=False))
    retry_attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    retry_backoff_seconds: int = Field(default=60, sa_column=Column(Integer, nullable=False))
    # The next fire time the scheduler owes (UTC); None while paused.
    next_fire_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime, nullable=True)
    )
    last_fire_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime, nullable=True)
    )
    # Bumped by every change, so a scheduler holding an older revision reloads it.
    revision: int = Field(default=1, sa_column=Column(Integer, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class ScheduleFire(SQLModel, table=True):
    """One fire time of a schedule: run, retried or missed (never two rows for one time)."""

    __tablename__ = "schedule_fires"
    __table_args__ = (
        UniqueConstraint("schedule_id", "fire_time", name="uq_schedule_fires_time"),
        Index("ix_schedule_fires_schedule_id_id", "schedule_id", "id"),
        Index("ix_schedule_fires_next_retry_at", "next_retry_at"),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    schedule_id: int = Field(
        sa_column=Column(Integer, ForeignKey("schedules.id", ondelete="CASCADE"), nullable=False)
    )
    fire_time: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    status: str = Field(sa_column=Column(String(16), nullable=False))
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # When the (latest) attempt's execution was started, and how late that was.
    started_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, nullable=True))
    lag_ms: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    # The latest attempt's execution.
    execution_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("executions.id", ondelete="SET NULL"), nullable=True),
    )
    attempt: int = Field(default=1, sa_column=Column(Integer, nullable=False))
    next_retry_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime, nullable=True)
    )
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
