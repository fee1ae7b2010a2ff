"""What the monitoring page shows, shaped from a `MonitoringSnapshot`: rows of plain text.

Formatting happens here (once per refresh) so the page only lays values out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from app.models.llm import BreakerStatePublic
from app.models.monitoring import ErrorEventPublic, ErrorGroupPublic, MonitoringSnapshot
from app.ui.state.display import format_ms, iso, pretty

MISSING = "—"
STATUS_TONES = {"warning": "amber", "error": "red"}
CHECK_LABELS = {"database": "Database", "migrations": "Migrations", "disk": "Disk"}


@dataclass
class CheckRow:
    """One health check: its name, ok / warning / error, and what was found."""

    name: str
    label: str
    status: str
    detail: str


@dataclass
class FigureRow:
    """One labelled figure of a health card ("Latency", "3.2 ms")."""

    label: str
    value: str
    tone: str = ""


@dataclass
class DeploymentRow:
    """One LLM deployment: the breaker (live) and its last hour of calls."""

    deployment: str
    phase: str
    failures: int
    opened_at: str
    last_error: str
    calls: str
    error_rate: str
    error_tone: str
    p50: str
    p99: str


@dataclass
class ErrorEventRow:
    """One occurrence of an error with what it happened to."""

    id: int
    at: str
    message: str
    stack: str
    context: str
    execution_id: int
    node_id: str


@dataclass
class ErrorGroupRow:
    """One kind of error: how often, when last, and its newest occurrence."""

    id: int
    source: str
    error_type: str
    message: str
    count: int
    first_seen: str
    last_seen: str
    # The newest occurrence, flattened ("" / 0 when the group has none).
    stack: str
    context: str
    execution_id: int
    node_id: str


def format_bytes(size: int | None) -> str:
    """A byte count the way people read it: "812 KB", "1.4 GB" (binary units)."""
    if size is None:
        return MISSING
    value = float(size)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" or value >= 100 else f"{value:.1f} {unit}"
        value /= 1024
    return MISSING  # not reached: the loop returns at TB


def format_age(seconds: float | None) -> str:
    """An age in seconds as a duration ("—" when there is none)."""
    return MISSING if seconds is None else format_ms(seconds * 1000)


def time_ago(at: datetime | None, now: datetime) -> str:
    """How long ago, coarsely: "just now", "4 min ago", "3 h ago", "2 d ago"."""
    if at is None:
        return "never"
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    seconds = max(0.0, (now - at).total_seconds())
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    return f"{int(seconds // 86400)} d ago"


def check_rows(snapshot: MonitoringSnapshot) -> list[CheckRow]:
    """The checks strip, in the snapshot's order."""
    return [
        CheckRow(
            name=check.name,
            label=CHECK_LABELS.get(check.name, check.name.replace("_", " ").capitalize()),
            status=check.status,
            detail=check.detail,
        )
        for check in snapshot.checks
    ]


def _check_tone(snapshot: MonitoringSnapshot, name: str) -> str:
    """The colour of a figure whose check is not ok ("" when ok or absent)."""
    status = next((check.status for check in snapshot.checks if check.name == name), "ok")
    return STATUS_TONES.get(status, "")


def database_figures(snapshot: MonitoringSnapshot) -> list[FigureRow]:
    """Query latency (toned as the database check), size on disk and the engine."""
    database = snapshot.database
    return [
        FigureRow(
            "Query latency", format_ms(database.latency_ms), _check_tone(snapshot, "database")
        ),
        FigureRow("Size on disk", format_bytes(database.size_bytes)),
        FigureRow("Engine", "PostgreSQL" if database.dialect == "postgresql" else "SQLite"),
    ]


def scheduler_figures(snapshot: MonitoringSnapshot, now: datetime) -> list[FigureRow]:
    """Leader, jobs, last fire, misses in 24 h and overdue schedules."""
    scheduler = snapshot.scheduler
    if scheduler.leader is None:
        leader = FigureRow("Leader", "unknown", "amber")
    elif scheduler.leader:
        leader = FigureRow("Leader", "this process" if scheduler.leader_here else "elected")
    else:
        leader = FigureRow("Leader", "none", "red" if scheduler.jobs else "")
    return [
        FigureRow("Firing here", "yes" if scheduler.enabled else "no"),
        leader,
        FigureRow("Jobs", str(scheduler.jobs)),
        FigureRow("Last fire", time_ago(scheduler.last_fire_at, now)),
        FigureRow(
            "Missed (24 h)", str(scheduler.missed_24h), "amber" if scheduler.missed_24h else ""
        ),
        FigureRow("Overdue", str(scheduler.overdue), "red" if scheduler.overdue else ""),
    ]


def runner_figures(snapshot: MonitoringSnapshot) -> list[FigureRow]:
    """Queued, running, finished per minute and the oldest queued run's age."""
    runner = snapshot.runner
    return [
        FigureRow("Queued", str(runner.queued)),
        FigureRow("Running", str(runner.running)),
        FigureRow("Paused", str(runner.paused)),
        FigureRow("Finished / min", str(runner.finished_last_minute)),
        FigureRow("Oldest queued", format_age(runner.oldest_queued_age_s)),
    ]


def system_figures(snapshot: MonitoringSnapshot) -> list[FigureRow]:
    """This process's memory and CPU, and the disk's free space (toned as its check)."""
    process, free, total = snapshot.process, snapshot.disk_free_bytes, snapshot.disk_total_bytes
    return [
        FigureRow("Memory (RSS)", format_bytes(process.rss_bytes)),
        FigureRow("CPU", f"{process.cpu_percent:.0f} %"),
        FigureRow(
            "Disk free",
            f"{format_bytes(free)} of {format_bytes(total)}",
            _check_tone(snapshot, "disk"),
        ),
        FigureRow("Process", f"pid {process.pid}"),
    ]


def _percent(rate: float | None) -> str:
    if rate is None:
        return MISSING
    return f"{rate * 100:.1f} %" if rate < 0.1 else f"{rate * 100:.0f} %"


def deployment_rows(
    snapshot: MonitoringSnapshot | None,
    breakers: list[BreakerStatePublic],
    last_errors: dict[str, str],
) -> list[DeploymentRow]:
    """One row per deployment the snapshot or a breaker knows, the breaker's phase live.

    Args:
        snapshot: the latest snapshot (None before the first one).
        breakers: the breakers read just now (fresher than the snapshot).
        last_errors: each deployment's readable last error.
    """
    by_name = {state.deployment: state for state in breakers}
    stats = {row.deployment: row for row in snapshot.deployments} if snapshot else {}
    rows = []
    for name in sorted(set(by_name) | set(stats)):
        breaker, stat = by_name.get(name), stats.get(name)
        rate = stat.error_rate_last_hour if stat else None
        rows.append(
            DeploymentRow(
                deployment=name,
                phase=breaker.phase if breaker else (stat.breaker_state if stat else "closed"),
                failures=breaker.failures_in_window if breaker else 0,
                opened_at=iso(breaker.opened_at) if breaker else "",
                last_error=last_errors.get(name, ""),
                calls=str(stat.calls_last_hour) if stat else MISSING,
                error_rate=_percent(rate),
                error_tone="red" if (rate or 0) >= 0.2 else "amber" if (rate or 0) > 0 else "",
                p50=format_ms(stat.p50_latency_ms) if stat else MISSING,
                p99=format_ms(stat.p99_latency_ms) if stat else MISSING,
            )
        )
    return rows


def error_event_row(event: ErrorEventPublic) -> ErrorEventRow:
    """An occurrence with its stack and context as text."""
    return ErrorEventRow(
        id=event.id,
        at=iso(event.occurred_at),
        message=event.message,
        stack=event.stack or "",
        context=pretty(event.context) if event.context else "",
        execution_id=event.execution_id or 0,
        node_id=event.node_id or "",
    )


def error_group_row(group: ErrorGroupPublic) -> ErrorGroupRow:
    """A group with its newest occurrence's stack, context and execution."""
    latest = error_event_row(group.latest) if group.latest else None
    return ErrorGroupRow(
        id=group.id,
        source=group.source,
        error_type=group.error_type,
        message=group.message,
        count=group.count,
        first_seen=iso(group.first_seen),
        last_seen=iso(group.last_seen),
        stack=latest.stack if latest else "",
        context=latest.context if latest else "",
        execution_id=latest.execution_id if latest else 0,
        node_id=latest.node_id if latest else "",
    )
