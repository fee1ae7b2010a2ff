"""What the monitoring page and the readiness check show: one snapshot of the instance's health.

Built by `app.services.monitoring_snapshot.MONITORING_SNAPSHOT`; durations are milliseconds,
sizes bytes, times UTC.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

CheckStatus = Literal["ok", "warning", "error"]


class HealthCheck(BaseModel):
    """One check of the instance: what was checked, how it went, and why."""

    name: str = Field(description="database, migrations, scheduler, disk, ...")
    status: CheckStatus
    detail: str = Field(description="What was found, e.g. '3.2 ms' or 'no scheduler leader'.")
    required: bool = Field(
        description="The instance cannot serve without it: readiness fails when it is `error`."
    )


class Readiness(BaseModel):
    """Whether this process may serve, with each check."""

    status: Literal["ready", "not_ready"] = Field(
        description="`not_ready` (HTTP 503) when a required check is `error`."
    )
    checks: list[HealthCheck]


class DatabaseHealth(BaseModel):
    """The database: how fast a trivial query answers and how much disk it takes."""

    dialect: str
    latency_ms: float
    size_bytes: int | None = Field(description="None when the database cannot tell.")


class SchedulerHealth(BaseModel):
    """The schedules' firing runtime across the processes serving the database."""

    enabled: bool = Field(description="Whether this process competes to fire schedules.")
    leader: bool | None = Field(
        description="Whether some process leads (fires schedules); None when it cannot be told."
    )
    leader_here: bool = Field(description="Whether this process is the leader.")
    jobs: int = Field(description="Enabled schedules.")
    last_fire_at: datetime | None = Field(description="The newest fire time recorded.")
    missed_24h: int = Field(description="Fire times recorded as missed in the last 24 hours.")
    overdue: int = Field(description="Enabled schedules past their fire time and grace.")
    overdue_ids: list[int] = Field(default_factory=list)


class RunnerHealth(BaseModel):
    """The execution runner: what waits, what runs, how fast runs finish."""

    queued: int
    running: int
    paused: int
    finished_last_minute: int
    oldest_queued_age_s: float | None = Field(description="None when nothing is queued.")


class DeploymentHealth(BaseModel):
    """One LLM deployment: its circuit breaker and its last hour of calls."""

    deployment: str
    breaker_state: str = Field(description="closed, open or half_open.")
    calls_last_hour: int = Field(description="Answered calls in the ledger.")
    errors_last_hour: int = Field(description="Failed attempts (fallback events from it).")
    error_rate_last_hour: float | None = Field(
        description="errors / (calls + errors); None without traffic."
    )
    p50_latency_ms: float | None
    p99_latency_ms: float | None


class ProcessHealth(BaseModel):
    """The process that built the snapshot."""

    pid: int
    rss_bytes: int
    cpu_percent: float = Field(description="CPU use since the previous snapshot (100 = 1 core).")


class ErrorEventPublic(BaseModel):
    """One occurrence of an error, with what it happened to."""

    id: int
    group_id: int
    occurred_at: datetime
    message: str
    stack: str | None
    execution_id: int | None
    workflow_id: int | None
    node_id: str | None
    context: dict[str, Any] | None


class ErrorGroupPublic(BaseModel):
    """One kind of error (a fingerprint): how often, when, and its newest occurrence."""

    id: int
    source: str = Field(description="node, execution, api, scheduler, webhook or llm.")
    error_type: str
    message: str
    count: int
    first_seen: datetime
    last_seen: datetime
    latest: ErrorEventPublic | None


class ThroughputPoint(BaseModel):
    """Executions that finished in one bucket (a minute or an hour) starting at `start`."""

    start: datetime
    finished: int
    failed: int
    p50_duration_ms: float | None
    p99_duration_ms: float | None


class MonitoringSnapshot(BaseModel):
    """Everything the monitoring page shows, read at `taken_at`."""

    taken_at: datetime
    status: CheckStatus = Field(description="The worst status of the checks.")
    checks: list[HealthCheck]
    database: DatabaseHealth
    scheduler: SchedulerHealth
    runner: RunnerHealth
    deployments: list[DeploymentHealth]
    process: ProcessHealth
    disk_free_bytes: int
    disk_total_bytes: int
    errors: list[ErrorGroupPublic] = Field(description="Recent error groups, newest first.")
    throughput_minutes: list[ThroughputPoint] = Field(
        description="The last hour, per minute, oldest first (60 points)."
    )
    throughput_hours: list[ThroughputPoint] = Field(
        description="The last day, per hour, oldest first (24 points)."
    )
