"""How the monitoring page shapes a snapshot: sizes, ages, deployments merged with the live
breakers, error groups flattened, and the charts' buckets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.models.llm import BreakerStatePublic
from app.models.monitoring import (
    DatabaseHealth,
    DeploymentHealth,
    ErrorEventPublic,
    ErrorGroupPublic,
    HealthCheck,
    MonitoringSnapshot,
    ProcessHealth,
    RunnerHealth,
    SchedulerHealth,
)
from app.ui.state import monitoring_views as views
from app.ui.state.monitoring_charts import SeriesPoint, latency_figure, throughput_figure

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def snapshot(**changes: object) -> MonitoringSnapshot:
    base = MonitoringSnapshot(
        taken_at=NOW,
        status="warning",
        checks=[
            HealthCheck(name="database", status="ok", detail="SELECT 1 in 0.2 ms", required=True),
            HealthCheck(name="scheduler", status="warning", detail="no leader", required=False),
            HealthCheck(name="disk", status="error", detail="100 MB free", required=False),
        ],
        database=DatabaseHealth(dialect="postgresql", latency_ms=0.25, size_bytes=5 * 1024**2),
        scheduler=SchedulerHealth(
            enabled=True,
            leader=False,
            leader_here=False,
            jobs=3,
            last_fire_at=NOW - timedelta(minutes=7),
            missed_24h=2,
            overdue=1,
        ),
        runner=RunnerHealth(
            queued=4, running=2, paused=0, finished_last_minute=9, oldest_queued_age_s=75.0
        ),
        deployments=[
            DeploymentHealth(
                deployment="openai/gpt-4o",
                breaker_state="closed",
                calls_last_hour=18,
                errors_last_hour=2,
                error_rate_last_hour=0.1,
                p50_latency_ms=420.0,
                p99_latency_ms=1800.0,
            )
        ],
        process=ProcessHealth(pid=7, rss_bytes=300 * 1024**2, cpu_percent=12.4),
        disk_free_bytes=10 * 1024**3,
        disk_total_bytes=100 * 1024**3,
        errors=[],
        throughput_minutes=[],
        throughput_hours=[],
    )
    return base.model_copy(update=changes)


def test_sizes_and_ages_read_like_people_write_them() -> None:
    assert views.format_bytes(None) == "—"
    assert views.format_bytes(512) == "512 B"
    assert views.format_bytes(1536) == "1.5 KB"
    assert views.format_bytes(300 * 1024**2) == "300 MB"
    assert views.format_age(None) == "—"
    assert views.format_age(75.0) == "1 m 15 s"
    assert views.time_ago(None, NOW) == "never"
    assert views.time_ago(NOW - timedelta(seconds=20), NOW) == "just now"
    assert views.time_ago(NOW - timedelta(minutes=7), NOW) == "7 min ago"
    assert views.time_ago(NOW - timedelta(hours=5), NOW) == "5 h ago"


def test_cards_say_what_needs_attention() -> None:
    shot = snapshot()
    assert [(c.label, c.status) for c in views.check_rows(shot)] == [
        ("Database", "ok"),
        ("Scheduler", "warning"),
        ("Disk", "error"),
    ]
    scheduler = {row.label: row for row in views.scheduler_figures(shot, NOW)}
    assert scheduler["Leader"].value == "none"
    assert scheduler["Leader"].tone == "red"  # jobs wait for a leader
    assert scheduler["Last fire"].value == "7 min ago"
    assert (scheduler["Missed (24 h)"].value, scheduler["Missed (24 h)"].tone) == ("2", "amber")
    runner = {row.label: row.value for row in views.runner_figures(shot)}
    assert runner["Oldest queued"] == "1 m 15 s"
    system = {row.label: row for row in views.system_figures(shot)}
    assert system["Disk free"].value == "10.0 GB of 100 GB"
    assert system["Disk free"].tone == "red"  # as its check
    database = {row.label: (row.value, row.tone) for row in views.database_figures(shot)}
    assert database == {
        "Query latency": ("0.25 ms", ""),
        "Size on disk": ("5.0 MB", ""),
        "Engine": ("PostgreSQL", ""),
    }


def test_deployments_merge_the_snapshot_with_the_live_breakers() -> None:
    breakers = [
        BreakerStatePublic(deployment="openai/gpt-4o", phase="open", failures_in_window=5),
        BreakerStatePublic(deployment="anthropic/claude", phase="half_open", failures_in_window=1),
    ]
    rows = views.deployment_rows(snapshot(), breakers, {"openai/gpt-4o": "Timed out"})
    by_name = {row.deployment: row for row in rows}
    gpt = by_name["openai/gpt-4o"]
    # The breaker read just now wins over the snapshot's older "closed".
    assert (gpt.phase, gpt.failures, gpt.last_error) == ("open", 5, "Timed out")
    assert (gpt.calls, gpt.error_rate, gpt.error_tone, gpt.p50, gpt.p99) == (
        "18",
        "10 %",
        "amber",
        "420 ms",
        "1.80 s",
    )
    claude = by_name["anthropic/claude"]
    assert (claude.phase, claude.calls, claude.error_rate, claude.p50) == (
        "half_open",
        "—",
        "—",
        "—",
    )
    assert [row.deployment for row in views.deployment_rows(None, [], {})] == []


def test_an_error_group_carries_its_latest_occurrence() -> None:
    latest = ErrorEventPublic(
        id=3,
        group_id=1,
        occurred_at=NOW,
        message="connection refused",
        stack="Traceback (most recent call last): ...",
        execution_id=42,
        workflow_id=5,
        node_id="fetch",
        context={"url": "http://127.0.0.1:9/"},
    )
    group = ErrorGroupPublic(
        id=1,
        source="node",
        error_type="ConnectError",
        message="connection refused",
        count=3,
        first_seen=NOW - timedelta(hours=1),
        last_seen=NOW,
        latest=latest,
    )
    row = views.error_group_row(group)
    assert (row.execution_id, row.node_id, row.count) == (42, "fetch", 3)
    assert row.stack.startswith("Traceback")
    assert '"url": "http://127.0.0.1:9/"' in row.context
    bare = views.error_group_row(group.model_copy(update={"latest": None}))
    assert (bare.execution_id, bare.stack, bare.context) == (0, "", "")


def test_charts_stack_successes_on_failures_and_say_when_empty() -> None:
    points = [
        SeriesPoint(NOW, finished=5, failed=2, p50_ms=1500.0, p99_ms=4000.0),
        SeriesPoint(NOW + timedelta(minutes=1), finished=0, failed=0, p50_ms=None, p99_ms=None),
    ]
    throughput = throughput_figure(points, hour=True)
    assert [(bar.name, list(bar.y)) for bar in throughput.data] == [
        ("Succeeded", [3, 0]),
        ("Failed", [2, 0]),
    ]
    assert not throughput.layout.annotations
    latency = latency_figure(points, hour=True)
    assert [list(line.y) for line in latency.data] == [[1.5, None], [4.0, None]]
    assert list(latency.layout.yaxis.range) == [0, 4.6]  # the slowest point has headroom
    empty = throughput_figure(points[1:], hour=False)
    assert empty.layout.annotations[0].text == "No execution finished in the last day"
