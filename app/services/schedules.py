"""Schedules of a workflow: create, change, pause, resume and delete (the reads are in
`schedule_reads` and exported here too).

Each change is one transaction with its audit row (`schedule.create`, `.update`, `.pause`,
`.resume`, `.delete`). It bumps the schedule's `revision`, so a scheduler holding an older
one reloads it, and recomputes `next_fire_at`: the first fire time after now, or None while
paused. Changing needs CHANGE on the workflow; a workflow the caller may not see is a 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, delete

from app.engine.cron_times import next_fire_times
from app.models.schedule import (
    Schedule,
    ScheduleCreate,
    ScheduleFire,
    SchedulePublic,
    ScheduleUpdate,
)
from app.models.types import utc_now
from app.services.access import Action
from app.services.audit import record_audit
from app.services.principal import Principal
from app.services.schedule_reads import (
    count_schedules,
    get_schedule,
    list_schedules,
    load_schedule,
    preview_schedule,
    schedule_history,
    schedule_public,
)
from app.services.version_tags import check_tag_exists
from app.services.workflows import authorized_workflow

__all__ = [
    "count_schedules",
    "create_schedule",
    "delete_schedule",
    "get_schedule",
    "list_schedules",
    "preview_schedule",
    "schedule_history",
    "set_schedule_enabled",
    "update_schedule",
]

# Settings whose old and new values the audit row records (`input` is only said to change:
# it can be large).
AUDITED = (
    "name",
    "cron",
    "timezone",
    "enabled",
    "version_tag",
    "grace_seconds",
    "misfire_policy",
    "allow_overlap",
    "retry_attempts",
    "retry_backoff_seconds",
)
# Sent as null, these are stored as null; the other fields keep their value.
NULLABLE = frozenset({"input", "version_tag"})


def next_fire_at(schedule: Schedule, now: datetime) -> datetime | None:
    """The first fire time after `now`; None while paused (or when it never fires again)."""
    if not schedule.enabled:
        return None
    times = next_fire_times(schedule.cron, schedule.timezone, after=now, count=1)
    return times[0] if times else None


def _changed(schedule: Schedule, now: datetime) -> None:
    schedule.revision += 1
    schedule.updated_at = now
    schedule.next_fire_at = next_fire_at(schedule, now)


def _audit(
    session: Session, principal: Principal, action: str, schedule: Schedule, detail: dict[str, Any]
) -> None:
    record_audit(
        session,
        actor=principal,
        action=f"schedule.{action}",
        object_type="schedule",
        object_id=schedule.id or "",
        detail={"workflow_id": schedule.workflow_id, **detail},
    )


def create_schedule(
    session: Session, *, principal: Principal, workflow_id: int, data: ScheduleCreate
) -> SchedulePublic:
    """Add a schedule to the workflow.

    Raises:
        NotFoundError: no such workflow, or the caller may not see it.
        PermissionDeniedError: the caller may not change the workflow.
        InvalidInputError: `version_tag` names no tag of the workflow.
    """
    workflow, _ = authorized_workflow(session, principal, workflow_id, Action.CHANGE)
    check_tag_exists(session, workflow_id=workflow_id, tag=data.version_tag)
    now = utc_now()
    schedule = Schedule(
        workflow_id=workflow_id,
        created_by=principal.user_id or None,
        **data.model_dump(mode="json"),
        created_at=now,
        updated_at=now,
    )
    schedule.input = data.input  # as sent, not re-encoded
    schedule.next_fire_at = next_fire_at(schedule, now)
    session.add(schedule)
    session.flush()
    _audit(session, principal, "create", schedule, {key: getattr(schedule, key) for key in AUDITED})
    return schedule_public(session, schedule, workflow)


def update_schedule(
    session: Session, *, principal: Principal, schedule_id: int, data: ScheduleUpdate
) -> SchedulePublic:
    """Change the fields sent in `data` (see `ScheduleUpdate`).

    Raises:
        NotFoundError: no such schedule, or the caller may not see its workflow.
        PermissionDeniedError: the caller may not change the workflow.
        InvalidInputError: `version_tag` names no tag of the workflow.
    """
    schedule, workflow = load_schedule(session, principal, schedule_id, Action.CHANGE, lock=True)
    sent = {
        key: getattr(data, key)
        for key in data.model_fields_set
        if getattr(data, key) is not None or key in NULLABLE
    }
    if "version_tag" in sent:
        check_tag_exists(session, workflow_id=schedule.workflow_id, tag=sent["version_tag"])
    changes: dict[str, Any] = {}
    for key, value in sent.items():
        stored = value.value if key == "misfire_policy" else value
        if getattr(schedule, key) != stored:
            changes[key] = [getattr(schedule, key), stored] if key in AUDITED else "changed"
            setattr(schedule, key, stored)
    if changes:
        _changed(schedule, utc_now())
        session.add(schedule)
        session.flush()
        _audit(session, principal, "update", schedule, changes)
    return schedule_public(session, schedule, workflow)


def set_schedule_enabled(
    session: Session, *, principal: Principal, schedule_id: int, enabled: bool
) -> SchedulePublic:
    """Resume (True) or pause (False) the schedule; already so, nothing changes.

    A resumed schedule fires next at its first fire time after now: what it would have
    fired while paused is not caught up.

    Raises:
        NotFoundError: no such schedule, or the caller may not see its workflow.
        PermissionDeniedError: the caller may not change the workflow.
    """
    schedule, workflow = load_schedule(session, principal, schedule_id, Action.CHANGE, lock=True)
    if schedule.enabled != enabled:
        schedule.enabled = enabled
        _changed(schedule, utc_now())
        session.add(schedule)
        session.flush()
        action = "resume" if enabled else "pause"
        _audit(
            session,
            principal,
            action,
            schedule,
            {"next_fire_at": schedule.next_fire_at and schedule.next_fire_at.isoformat()},
        )
    return schedule_public(session, schedule, workflow)


def delete_schedule(session: Session, *, principal: Principal, schedule_id: int) -> None:
    """Delete the schedule and its fire history.

    Raises:
        NotFoundError: no such schedule, or the caller may not see its workflow.
        PermissionDeniedError: the caller may not change the workflow.
    """
    schedule, _ = load_schedule(session, principal, schedule_id, Action.CHANGE, lock=True)
    _audit(session, principal, "delete", schedule, {"name": schedule.name, "cron": schedule.cron})
    session.exec(delete(ScheduleFire).where(col(ScheduleFire.schedule_id) == schedule_id))
    session.delete(schedule)
    session.flush()
