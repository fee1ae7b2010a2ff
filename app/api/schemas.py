"""Request and response bodies that exist only at the HTTP edge (the rest come from app.models)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.models.workflow import ProblemPublic


class ErrorResponse(BaseModel):
    """Every 4xx answer: a summary and, for validation errors, every problem found."""

    detail: str
    problems: list[ProblemPublic] = Field(default_factory=list)


class ValidateRequest(BaseModel):
    """An unsaved workflow document to validate."""

    model_config = ConfigDict(extra="forbid")

    definition: dict[str, Any] = Field(description="The workflow document (`schema`, `nodes`...).")


class ValidationResult(BaseModel):
    """The outcome of validating a workflow document."""

    valid: bool
    problems: list[ProblemPublic]


class ExecuteRequest(BaseModel):
    """Input of a manual run: the trigger payload."""

    model_config = ConfigDict(extra="forbid")

    input: Any = Field(default=None, description="Payload handed to the trigger node.")


class ExecutionStarted(BaseModel):
    """A queued execution; poll `GET /api/executions/{execution_id}` for its progress."""

    execution_id: int
    workflow_id: int
    status: str


class SchedulesHealth(BaseModel):
    """The schedules' self-check."""

    status: str = Field(
        description="`ok`, or `overdue` when an enabled schedule is past its fire time plus "
        "its grace time and a few seconds without having fired (no scheduler leader, or it "
        "is stuck)."
    )
    overdue: list[int] = Field(default_factory=list, description="Ids of the overdue schedules.")


class HealthStatus(BaseModel):
    """Liveness of the app and its database."""

    status: str = Field(description="`ok` when every check passes, else `degraded`.")
    database: str = Field(description="`ok`, or the reason the database check failed.")
    version: str
    event_loop_lag_p99_ms: float | None = Field(
        default=None,
        description="How late the serving event loop woke up over the last minute (p99, "
        "ms); high values mean something blocks it. None when no serving loop is probed.",
    )
    schedules: SchedulesHealth | None = Field(
        default=None, description="The schedules' self-check; None when the database is down."
    )
