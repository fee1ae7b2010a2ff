"""Cron schedules of a workflow and the record of every fire time.

`schedule_fires` has one row per (schedule, fire time), made unique by the database: two
scheduler processes that both try to fire the same time insert one row between them, and
only the one whose insert won starts an execution.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, ConfigDict, StrictBool
from pydantic import Field as PydanticField
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

from app.engine.cron_times import check_cron, check_timezone, timezone_names
from app.models.types import UTCDateTime, json_column_type
from app.models.version import TAG_PATTERN

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


# Schemas ---------------------------------------------------------------------------------

PREVIEW_MAX = 20
NO_NUL_PATTERN = "^[^\\x00]*$"


def clean_schedule_name(value: str) -> str:
    """Trim a schedule name (it may be empty); raises ValueError on NUL characters."""
    if "\x00" in value:
        raise ValueError("name must not contain NUL characters")
    return value.strip()


ScheduleName = Annotated[
    str,
    PydanticField(max_length=NAME_MAX, json_schema_extra={"pattern": NO_NUL_PATTERN}),
    AfterValidator(clean_schedule_name),
]
CronText = Annotated[
    str,
    PydanticField(
        min_length=1,
        max_length=CRON_MAX,
        description=(
            "5 fields (minute hour day-of-month month weekday), or 6 with a seconds field"
            " first (`*/5 * * * * *`)."
        ),
        examples=["0 9 * * 1", "*/5 * * * * *"],
    ),
    AfterValidator(check_cron),
]
TimezoneName = Annotated[
    str,
    PydanticField(
        min_length=1,
        max_length=TIMEZONE_MAX,
        description="An IANA timezone; the cron's wall-clock times are in it.",
        examples=["UTC", "Europe/Berlin"],
        json_schema_extra={"enum": list(timezone_names())},
    ),
    AfterValidator(check_timezone),
]
VersionTagName = Annotated[
    str | None,
    PydanticField(
        pattern=TAG_PATTERN, description="Run the version this tag names; null: the newest."
    ),
]
GraceSeconds = Annotated[
    int,
    PydanticField(
        ge=1,
        le=GRACE_MAX_SECONDS,
        description="How late a fire may still start; later, it is recorded as missed.",
    ),
]
RetryAttempts = Annotated[
    int,
    PydanticField(ge=0, le=RETRY_ATTEMPTS_MAX, description="Retries of a failed run (0: none)."),
]
RetryBackoff = Annotated[
    int,
    PydanticField(
        ge=1,
        le=RETRY_BACKOFF_MAX_SECONDS,
        description="Seconds to wait before retrying a failed run.",
    ),
]


class ScheduleCreate(SQLModel):
    """What it takes to create a schedule (only `cron` has no default)."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]  # SQLModel's ConfigDict

    name: ScheduleName = ""
    cron: CronText
    timezone: TimezoneName = "UTC"
    enabled: StrictBool = True
    input: Any = Field(default=None, description="The workflow input of every run.")
    version_tag: VersionTagName = None
    grace_seconds: GraceSeconds = GRACE_DEFAULT_SECONDS
    misfire_policy: MisfirePolicy = MisfirePolicy.CATCH_UP
    allow_overlap: StrictBool = False
    retry_attempts: RetryAttempts = 0
    retry_backoff_seconds: RetryBackoff = 60


class ScheduleUpdate(SQLModel):
    """A change to a schedule: only the fields sent change.

    `input` and `version_tag` sent as null are stored as null (no input, the newest version).
    """

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]  # SQLModel's ConfigDict

    name: ScheduleName | None = None
    cron: CronText | None = None
    timezone: TimezoneName | None = None
    enabled: StrictBool | None = None
    input: Any = None
    version_tag: VersionTagName = None
    grace_seconds: GraceSeconds | None = None
    misfire_policy: MisfirePolicy | None = None
    allow_overlap: StrictBool | None = None
    retry_attempts: RetryAttempts | None = None
    retry_backoff_seconds: RetryBackoff | None = None


class SchedulePublic(SQLModel):
    """A schedule as callers see it, with its workflow, owner, sentence and last result."""

    id: int
    workflow_id: int
    workflow_name: str
    owner_id: int | None = Field(default=None, description="The workflow's owner.")
    owner_name: str = Field(default="", description="The owner's name (or e-mail).")
    created_by: int | None = None
    name: str
    cron: str
    timezone: str
    description: str = Field(description='The cron in words: "At 09:00 on Monday, UTC".')
    enabled: bool
    input: Any = None
    version_tag: str | None = None
    grace_seconds: int
    misfire_policy: MisfirePolicy
    allow_overlap: bool
    retry_attempts: int
    retry_backoff_seconds: int
    next_fire_at: datetime | None = Field(default=None, description="None while paused.")
    last_fire_at: datetime | None = None
    last_status: FireStatus | None = Field(
        default=None, description="What became of the latest fire time (None: none yet)."
    )
    last_execution_id: int | None = None
    last_execution_status: str | None = Field(
        default=None, description="The status of the latest fire's execution, if it ran."
    )
    revision: int
    created_at: datetime
    updated_at: datetime


class ScheduleFirePublic(SQLModel):
    """One fire time in a schedule's history."""

    id: int
    fire_time: datetime
    status: FireStatus
    reason: str | None = None
    started_at: datetime | None = None
    lag_ms: int | None = Field(default=None, description="How late the run started.")
    execution_id: int | None = None
    execution_status: str | None = None
    attempt: int
    next_retry_at: datetime | None = None


class SchedulesPage(SQLModel):
    """One page of schedules and the total that match."""

    items: list[SchedulePublic]
    total: int


class SchedulePreviewRequest(SQLModel):
    """A cron and timezone to preview (nothing is saved)."""

    model_config = ConfigDict(extra="forbid")  # type: ignore[assignment]  # SQLModel's ConfigDict

    cron: CronText
    timezone: TimezoneName = "UTC"
    count: int = Field(default=5, ge=1, le=PREVIEW_MAX)
    viewer_timezone: TimezoneName | None = Field(
        default=None, description="Also show the times in this timezone (the viewer's)."
    )


class FireTimePreview(SQLModel):
    """One upcoming fire time, in UTC, the schedule's timezone and the viewer's."""

    utc: datetime
    local: str = Field(description="ISO 8601 in the schedule's timezone.")
    viewer: str | None = Field(default=None, description="ISO 8601 in the viewer's timezone.")


class SchedulePreview(SQLModel):
    """The cron in words and its next fire times."""

    description: str
    next: list[FireTimePreview]
