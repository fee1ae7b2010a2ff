"""The monitoring snapshot on seeded executions, LLM calls, breakers, schedules and errors."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert
from sqlmodel import Session

from app.models.cost import LLMCall
from app.models.error_log import ErrorEvent, ErrorGroup
from app.models.execution import Execution
from app.models.llm import LLMBreaker, LLMFallbackEvent
from app.models.schedule import FireStatus, ScheduleFire
from app.models.types import utc_now
from app.services.errors import InvalidInputError, NotFoundError
from app.services.monitoring_series import percentile
from app.services.monitoring_snapshot import ERROR_GROUP_EVENTS, MONITORING_SNAPSHOT
from tests.records import make_workflow
from tests.services.schedule_builders import add_schedule


def _execution(session: Session, workflow_id: int, status: str, **times: Any) -> None:
    now = utc_now()
    session.execute(
        insert(Execution),
        [
            {
                "workflow_id": workflow_id,
                "workflow_name": "Flow",
                "definition": {},
                "status": status,
                "trigger": "manual",
                "created_at": times.pop("created_at", now),
                **times,
            }
        ],
    )


def _call(session: Session, deployment: str, latency_ms: int, at: datetime) -> None:
    session.add(
        LLMCall(
            created_at=at,
            provider="openai",
            model="gpt-4o",
            deployment=deployment,
            latency_ms=latency_ms,
        )
    )


def _seed(session: Session, now: datetime) -> int:
    # Written through their own transactions first: the session then holds SQLite's lock.
    workflow_id = make_workflow(name="Seeded")
    schedule_id = add_schedule(workflow_id, next_fire_at=now - timedelta(hours=1), grace_seconds=60)
    _execution(session, workflow_id, "queued", created_at=now - timedelta(seconds=90))
    _execution(session, workflow_id, "queued", created_at=now - timedelta(seconds=10))
    _execution(session, workflow_id, "running", started_at=now - timedelta(seconds=5))
    ran = now - timedelta(seconds=20)
    _execution(
        session, workflow_id, "succeeded", started_at=ran - timedelta(seconds=2), finished_at=ran
    )
    _execution(
        session, workflow_id, "failed", started_at=ran - timedelta(seconds=4), finished_at=ran
    )
    _execution(session, workflow_id, "crashed", finished_at=ran)  # never started: no duration
    two_hours = now - timedelta(hours=2)
    _execution(
        session,
        workflow_id,
        "succeeded",
        started_at=two_hours - timedelta(seconds=1),
        finished_at=two_hours,
    )
    for latency in range(1, 101):
        _call(session, "openai/gpt-4o", latency, now - timedelta(minutes=5))
    _call(session, "openai/gpt-4o", 5000, now - timedelta(hours=2))
    session.add(
        LLMBreaker(
            deployment="anthropic/claude", phase="open", failures=[], updated_at=now.timestamp()
        )
    )
    for reason in ("server_error", "timeout", "breaker_open"):
        session.add(LLMFallbackEvent(at=now, from_deployment="openai/gpt-4o", reason=reason))
    for hours, status in ((1, FireStatus.MISSED), (2, FireStatus.MISSED), (30, FireStatus.MISSED)):
        fired = now - timedelta(hours=hours)
        session.add(
            ScheduleFire(
                schedule_id=schedule_id, fire_time=fired, status=status.value, created_at=fired
            )
        )
    group = ErrorGroup(
        fingerprint="f" * 64,
        source="node",
        error_type="ValueError",
        message="bad value",
        count=3,
        first_seen=now - timedelta(hours=1),
        last_seen=now,
    )
    session.add(group)
    session.flush()
    for number in range(3):
        session.add(
            ErrorEvent(
                group_id=group.id,
                occurred_at=now - timedelta(minutes=3 - number),
                message=f"bad value {number}",
                stack="Traceback ...",
                execution_id=7,
                node_id="n1",
                context={"attempt": number},
            )
        )
    session.commit()
    assert group.id is not None
    return group.id


def test_the_snapshot_reports_every_part(session: Session) -> None:
    now = utc_now()
    group_id = _seed(session, now)

    snapshot = MONITORING_SNAPSHOT(session)

    names = {check.name: check for check in snapshot.checks}
    assert set(names) == {"database", "migrations", "scheduler", "disk"}
    assert names["migrations"].status == "ok"
    assert names["scheduler"].status == "error"  # one schedule is an hour overdue
    assert snapshot.status == "error"
    assert snapshot.database.latency_ms >= 0
    assert snapshot.database.size_bytes and snapshot.database.size_bytes > 0
    assert snapshot.scheduler.jobs == 1
    assert snapshot.scheduler.missed_24h == 2
    assert snapshot.scheduler.overdue == 1
    assert snapshot.scheduler.last_fire_at == now - timedelta(hours=1)
    runner = snapshot.runner
    assert (runner.queued, runner.running, runner.paused) == (2, 1, 0)
    assert runner.finished_last_minute == 3
    assert runner.oldest_queued_age_s is not None and runner.oldest_queued_age_s >= 90
    deployments = {d.deployment: d for d in snapshot.deployments}
    assert list(deployments) == ["anthropic/claude", "openai/gpt-4o"]  # open first
    assert deployments["anthropic/claude"].breaker_state == "open"
    assert deployments["anthropic/claude"].error_rate_last_hour is None
    gpt = deployments["openai/gpt-4o"]
    assert gpt.breaker_state == "closed"
    assert (gpt.calls_last_hour, gpt.errors_last_hour) == (100, 2)  # breaker_open is no call
    assert gpt.error_rate_last_hour == pytest.approx(2 / 102)
    assert (gpt.p50_latency_ms, gpt.p99_latency_ms) == (50.0, 99.0)
    assert snapshot.process.rss_bytes > 0
    assert snapshot.disk_free_bytes > 0
    assert snapshot.disk_total_bytes >= snapshot.disk_free_bytes
    [error] = snapshot.errors
    assert (error.id, error.count, error.source) == (group_id, 3, "node")
    assert error.latest is not None and error.latest.message == "bad value 2"
    assert error.latest.context == {"attempt": 2}
    minutes, hours = snapshot.throughput_minutes, snapshot.throughput_hours
    assert len(minutes) == 60 and len(hours) == 24
    # The last bucket holds the snapshot's own time (a minute may have begun since `now`).
    taken = snapshot.taken_at
    assert now <= taken and minutes[-1].start <= taken < minutes[-1].start + timedelta(minutes=1)
    assert sum(p.finished for p in minutes) == 3
    assert sum(p.failed for p in minutes) == 2  # failed and crashed
    recent = [p for p in minutes if p.finished]
    assert [(p.p50_duration_ms, p.p99_duration_ms) for p in recent] == [(2000.0, 4000.0)]
    assert sum(p.finished for p in hours) == 4


def test_error_group_events_lists_the_newest_first(session: Session) -> None:
    group_id = _seed(session, utc_now())

    events = ERROR_GROUP_EVENTS(session, group_id=group_id, limit=2)

    assert [event.message for event in events] == ["bad value 2", "bad value 1"]
    assert events[0].stack == "Traceback ..." and events[0].node_id == "n1"
    with pytest.raises(InvalidInputError):
        ERROR_GROUP_EVENTS(session, group_id=group_id, limit=0)
    with pytest.raises(NotFoundError):
        ERROR_GROUP_EVENTS(session, group_id=group_id + 1, limit=5)


def test_percentile_is_nearest_rank() -> None:
    assert percentile([], 0.5) is None
    assert percentile([10.0], 0.99) == 10.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.0
    assert percentile([float(v) for v in range(1, 101)], 0.99) == 99.0
