"""Schedules: create, change, pause, resume, delete, history and preview, with access by
the workflow's owner, a shared viewer and editor and a stranger, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError
from sqlmodel import Session, col, select

from app.models.account import Role, User
from app.models.audit import AuditEvent
from app.models.execution import Execution
from app.models.schedule import (
    FireStatus,
    Schedule,
    ScheduleCreate,
    ScheduleFire,
    SchedulePreviewRequest,
    ScheduleUpdate,
)
from app.models.sharing import ShareCreate, SharePermission
from app.models.types import utc_now
from app.models.workflow import WorkflowCreate
from app.services import schedules, sharing, version_tags, workflows
from app.services.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from app.services.principal import Principal, principal_of
from tests.credentials import password_hash
from tests.documents import greeting


def _user(session: Session, email: str, role: Role = Role.EDITOR) -> Principal:
    now = utc_now()
    user = User(
        email=email,
        name=email.split("@")[0].title(),
        password_hash=password_hash(),
        role=role.value,
        created_at=now,
        updated_at=now,
    )
    session.add(user)
    session.flush()
    return principal_of(user)


@pytest.fixture
def eve(session: Session) -> Principal:
    return _user(session, "eve@example.com")


@pytest.fixture
def workflow_id(session: Session, eve: Principal) -> int:
    created = workflows.create_workflow(
        session, principal=eve, data=WorkflowCreate(name="Eve's", definition=greeting())
    )
    return created.id


def _create(session: Session, who: Principal, workflow_id: int, **fields: object) -> int:
    data = ScheduleCreate.model_validate({"cron": "0 9 * * 1", **fields})
    return schedules.create_schedule(session, principal=who, workflow_id=workflow_id, data=data).id


@pytest.fixture
def midweek_clock(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """The schedule service's clock stopped at a Wednesday, 10:15 UTC.

    For tests that compare next fire times, which tie at some instants of a real clock.
    """
    now = datetime(2026, 3, 4, 10, 15, tzinfo=UTC)
    monkeypatch.setattr(schedules, "utc_now", lambda: now)
    return now


def _audits(session: Session, schedule_id: int) -> list[AuditEvent]:
    return list(
        session.exec(
            select(AuditEvent)
            .where(AuditEvent.object_type == "schedule", AuditEvent.object_id == str(schedule_id))
            .order_by(col(AuditEvent.id))
        ).all()
    )


def test_create_reads_back_with_its_sentence_owner_and_next_fire(
    session: Session, eve: Principal, workflow_id: int
) -> None:
    before = utc_now()
    created = schedules.create_schedule(
        session,
        principal=eve,
        workflow_id=workflow_id,
        data=ScheduleCreate(
            name="  Weekly report ", cron="0 9 * * 1", timezone="Europe/Berlin", input={"a": 1}
        ),
    )
    assert created.name == "Weekly report" and created.workflow_name == "Eve's"
    assert created.owner_id == eve.user_id and created.owner_name == "Eve"
    assert created.description == "At 09:00 on Monday, Europe/Berlin"
    assert created.input == {"a": 1} and created.revision == 1 and created.enabled
    assert created.last_status is None
    assert created.next_fire_at is not None
    assert before < created.next_fire_at <= before + timedelta(days=7)
    local = created.next_fire_at.astimezone(ZoneInfo("Europe/Berlin"))
    assert (local.weekday(), local.hour, local.minute) == (0, 9, 0)
    assert schedules.get_schedule(session, principal=eve, schedule_id=created.id) == created
    [audit] = _audits(session, created.id)
    assert audit.action == "schedule.create" and audit.detail["cron"] == "0 9 * * 1"


def test_a_created_paused_schedule_owes_no_fire(
    session: Session, eve: Principal, workflow_id: int
) -> None:
    schedule_id = _create(session, eve, workflow_id, enabled=False)
    assert (
        schedules.get_schedule(session, principal=eve, schedule_id=schedule_id).next_fire_at is None
    )


def test_update_changes_only_what_was_sent_bumps_the_revision_and_audits_it(
    session: Session, eve: Principal, workflow_id: int, midweek_clock: datetime
) -> None:
    schedule_id = _create(session, eve, workflow_id, name="Report", input={"x": 1})
    first = schedules.get_schedule(session, principal=eve, schedule_id=schedule_id)
    updated = schedules.update_schedule(
        session,
        principal=eve,
        schedule_id=schedule_id,
        data=ScheduleUpdate(cron="*/5 * * * * *", retry_attempts=3),
    )
    assert updated.cron == "*/5 * * * * *" and updated.retry_attempts == 3
    assert updated.name == "Report" and updated.input == {"x": 1}
    assert updated.revision == first.revision + 1 and updated.updated_at >= first.updated_at
    assert updated.next_fire_at is not None and first.next_fire_at is not None
    assert updated.next_fire_at < first.next_fire_at  # every 5 s is sooner than Monday 9:00
    assert updated.next_fire_at.second % 5 == 0
    # Null clears input; an unchanged value is no change (no revision, no audit row).
    cleared = schedules.update_schedule(
        session, principal=eve, schedule_id=schedule_id, data=ScheduleUpdate(input=None)
    )
    assert cleared.input is None and cleared.revision == first.revision + 2
    same = schedules.update_schedule(
        session, principal=eve, schedule_id=schedule_id, data=ScheduleUpdate(retry_attempts=3)
    )
    assert same.revision == cleared.revision
    actions = [(a.action, a.detail) for a in _audits(session, schedule_id)]
    assert actions[1:] == [
        (
            "schedule.update",
            {
                "workflow_id": workflow_id,
                "cron": ["0 9 * * 1", "*/5 * * * * *"],
                "retry_attempts": [0, 3],
            },
        ),
        ("schedule.update", {"workflow_id": workflow_id, "input": "changed"}),
    ]


def test_pause_clears_the_next_fire_and_resume_sets_it(
    session: Session, eve: Principal, workflow_id: int
) -> None:
    schedule_id = _create(session, eve, workflow_id, cron="* * * * *")
    paused = schedules.set_schedule_enabled(
        session, principal=eve, schedule_id=schedule_id, enabled=False
    )
    assert not paused.enabled and paused.next_fire_at is None and paused.revision == 2
    again = schedules.set_schedule_enabled(
        session, principal=eve, schedule_id=schedule_id, enabled=False
    )
    assert again.revision == 2
    before = utc_now()
    resumed = schedules.set_schedule_enabled(
        session, principal=eve, schedule_id=schedule_id, enabled=True
    )
    assert resumed.enabled and resumed.revision == 3
    assert resumed.next_fire_at is not None
    assert before < resumed.next_fire_at <= before + timedelta(minutes=1)
    assert [a.action for a in _audits(session, schedule_id)] == [
        "schedule.create",
        "schedule.pause",
        "schedule.resume",
    ]
    listed = schedules.list_schedules(session, principal=eve, enabled=False)
    assert listed == []


def test_delete_removes_the_schedule_and_its_history(
    session: Session, eve: Principal, workflow_id: int
) -> None:
    schedule_id = _create(session, eve, workflow_id)
    _fire(session, schedule_id, datetime(2025, 1, 6, 8, tzinfo=UTC), FireStatus.MISSED)
    schedules.delete_schedule(session, principal=eve, schedule_id=schedule_id)
    assert session.get(Schedule, schedule_id) is None
    assert session.exec(select(ScheduleFire)).all() == []
    with pytest.raises(NotFoundError, match=f"Schedule {schedule_id} not found"):
        schedules.get_schedule(session, principal=eve, schedule_id=schedule_id)
    assert _audits(session, schedule_id)[-1].action == "schedule.delete"


def test_a_version_tag_must_exist_on_the_workflow(
    session: Session, eve: Principal, workflow_id: int
) -> None:
    with pytest.raises(InvalidInputError, match="no version tag 'production'"):
        _create(session, eve, workflow_id, version_tag="production")
    assert session.exec(select(Schedule)).all() == []
    version_tags.tag_version(
        session, principal=eve, workflow_id=workflow_id, name="production", number=1
    )
    schedule_id = _create(session, eve, workflow_id, version_tag="production")
    with pytest.raises(InvalidInputError, match="no version tag 'staging'"):
        schedules.update_schedule(
            session,
            principal=eve,
            schedule_id=schedule_id,
            data=ScheduleUpdate(version_tag="staging"),
        )
    newest = schedules.update_schedule(
        session, principal=eve, schedule_id=schedule_id, data=ScheduleUpdate(version_tag=None)
    )
    assert newest.version_tag is None


@pytest.mark.parametrize(
    "fields",
    [
        {"cron": "0 9 * *"},
        {"cron": "0 0 30 2 *"},
        {"timezone": "Mars/Olympus"},
        {"grace_seconds": 0},
        {"retry_attempts": 11},
        {"retry_backoff_seconds": 86_401},
        {"enabled": "yes"},
        {"misfire_policy": "sometimes"},
        {"unknown": 1},
    ],
)
def test_bad_settings_are_refused_by_the_schema(fields: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        ScheduleCreate.model_validate({"cron": "0 9 * * 1", **fields})


def _fire(
    session: Session,
    schedule_id: int,
    when: datetime,
    status: FireStatus,
    execution_id: int | None = None,
) -> None:
    session.add(
        ScheduleFire(
            schedule_id=schedule_id,
            fire_time=when,
            status=status.value,
            reason="down" if status is FireStatus.MISSED else None,
            execution_id=execution_id,
            started_at=when + timedelta(milliseconds=40) if execution_id else None,
            lag_ms=40 if execution_id else None,
            created_at=utc_now(),
        )
    )
    session.flush()


def test_history_is_newest_first_with_execution_status_and_the_last_result_shows(
    session: Session, eve: Principal, workflow_id: int
) -> None:
    schedule_id = _create(session, eve, workflow_id)
    now = utc_now()
    execution = Execution(
        workflow_id=workflow_id,
        workflow_name="Eve's",
        definition=greeting(),
        status="succeeded",
        trigger="schedule",
        created_at=now,
    )
    session.add(execution)
    session.flush()
    monday = datetime(2025, 1, 6, 8, tzinfo=UTC)
    _fire(session, schedule_id, monday, FireStatus.MISSED)
    _fire(session, schedule_id, monday + timedelta(days=7), FireStatus.STARTED, execution.id)
    history = schedules.schedule_history(session, principal=eve, schedule_id=schedule_id)
    assert [(f.status, f.execution_status) for f in history] == [
        (FireStatus.STARTED, "succeeded"),
        (FireStatus.MISSED, None),
    ]
    assert history[0].lag_ms == 40 and history[1].reason == "down"
    assert (
        len(schedules.schedule_history(session, principal=eve, schedule_id=schedule_id, limit=1))
        == 1
    )
    shown = schedules.get_schedule(session, principal=eve, schedule_id=schedule_id)
    assert shown.last_status is FireStatus.STARTED
    assert shown.last_execution_id == execution.id and shown.last_execution_status == "succeeded"
    [listed] = schedules.list_schedules(session, principal=eve)
    assert listed == shown


def test_access_follows_the_workflow(session: Session, eve: Principal, workflow_id: int) -> None:
    schedule_id = _create(session, eve, workflow_id)
    viewer = _user(session, "vic@example.com")
    editor = _user(session, "ed@example.com")
    stranger = _user(session, "stan@example.com")
    for email, permission in (
        ("vic@example.com", SharePermission.VIEWER),
        ("ed@example.com", SharePermission.EDITOR),
    ):
        sharing.share_workflow(
            session,
            principal=eve,
            workflow_id=workflow_id,
            data=ShareCreate(email=email, permission=permission),
        )
    # The stranger sees nothing and may do nothing: every call is a 404.
    assert schedules.list_schedules(session, principal=stranger) == []
    assert schedules.count_schedules(session, principal=stranger) == 0
    for call in _calls(session, stranger, workflow_id, schedule_id):
        with pytest.raises(NotFoundError):
            call()
    # The viewer reads but changes nothing (403).
    assert (
        schedules.get_schedule(session, principal=viewer, schedule_id=schedule_id).id == schedule_id
    )
    assert schedules.schedule_history(session, principal=viewer, schedule_id=schedule_id) == []
    assert [s.id for s in schedules.list_schedules(session, principal=viewer)] == [schedule_id]
    for call in _calls(session, viewer, workflow_id, schedule_id):
        with pytest.raises(PermissionDeniedError):
            call()
    # The editor changes it.
    for call in _calls(session, editor, workflow_id, schedule_id):
        call()
    assert schedules.count_schedules(session, principal=eve) == 1  # created one, deleted one


def _calls(
    session: Session, who: Principal, workflow_id: int, schedule_id: int
) -> list[Callable[[], Any]]:
    return [
        lambda: _create(session, who, workflow_id),
        lambda: schedules.update_schedule(
            session, principal=who, schedule_id=schedule_id, data=ScheduleUpdate(name="Mine")
        ),
        lambda: schedules.set_schedule_enabled(
            session, principal=who, schedule_id=schedule_id, enabled=False
        ),
        lambda: schedules.delete_schedule(session, principal=who, schedule_id=schedule_id),
    ]


def test_lists_filter_by_workflow_and_state_and_skip_deleted_workflows(
    session: Session, eve: Principal, workflow_id: int, midweek_clock: datetime
) -> None:
    # Lists go by next fire time. In the last minute of an hour the every-minute and the
    # hourly schedule would fire at the same instant: the clock says mid-hour.
    other = workflows.create_workflow(
        session, principal=eve, data=WorkflowCreate(name="Other", definition=greeting())
    ).id
    hourly = _create(session, eve, workflow_id, cron="0 * * * *")
    paused = _create(session, eve, workflow_id, enabled=False)
    elsewhere = _create(session, eve, other, cron="* * * * *")
    assert [s.id for s in schedules.list_schedules(session, principal=eve)] == [
        elsewhere,
        hourly,
        paused,
    ]
    by_workflow = schedules.list_schedules(session, principal=eve, workflow_id=workflow_id)
    assert [s.id for s in by_workflow] == [hourly, paused]
    assert [s.id for s in schedules.list_schedules(session, principal=eve, enabled=True)] == [
        elsewhere,
        hourly,
    ]
    assert [s.id for s in schedules.list_schedules(session, principal=eve, limit=1, offset=1)] == [
        hourly
    ]
    assert schedules.count_schedules(session, principal=eve, workflow_id=workflow_id) == 2
    with pytest.raises(InvalidInputError):
        schedules.list_schedules(session, principal=eve, limit=0)
    workflows.delete_workflow(session, principal=eve, workflow_id=other)
    assert elsewhere not in [s.id for s in schedules.list_schedules(session, principal=eve)]
    with pytest.raises(NotFoundError):
        schedules.get_schedule(session, principal=eve, schedule_id=elsewhere)


def test_preview_gives_the_sentence_and_times_in_both_timezones() -> None:
    preview = schedules.preview_schedule(
        SchedulePreviewRequest(
            cron="30 2 * * *",
            timezone="Europe/Berlin",
            count=3,
            viewer_timezone="America/New_York",
        ),
        now=datetime(2025, 3, 28, 12, tzinfo=UTC),
    )
    assert preview.description == "At 02:30 every day, Europe/Berlin"
    assert [p.utc for p in preview.next] == [
        datetime(2025, 3, 29, 1, 30, tzinfo=UTC),
        datetime(2025, 3, 30, 1, 0, tzinfo=UTC),  # 02:30 does not exist that night: 03:00
        datetime(2025, 3, 31, 0, 30, tzinfo=UTC),
    ]
    assert [p.local for p in preview.next] == [
        "2025-03-29T02:30:00+01:00",
        "2025-03-30T03:00:00+02:00",
        "2025-03-31T02:30:00+02:00",
    ]
    assert preview.next[0].viewer == "2025-03-28T21:30:00-04:00"
    alone = schedules.preview_schedule(SchedulePreviewRequest(cron="* * * * *"))
    assert len(alone.next) == 5 and alone.next[0].viewer is None
