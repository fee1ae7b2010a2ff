"""Reading schedules: one, a filtered list, a schedule's fire history, and the preview of a
cron's next fire times (which reads nothing).

A schedule belongs to its workflow: whoever may read the workflow may read its schedules;
anyone else is told it does not exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func
from sqlmodel import Session, col, select

from app.engine.cron_description import describe_cron
from app.engine.cron_times import next_fire_times
from app.models.account import User
from app.models.execution import Execution
from app.models.schedule import (
    FireStatus,
    FireTimePreview,
    MisfirePolicy,
    Schedule,
    ScheduleFire,
    ScheduleFirePublic,
    SchedulePreview,
    SchedulePreviewRequest,
    SchedulePublic,
)
from app.models.types import utc_now
from app.models.workflow import Workflow
from app.services.access import Action, visible_to
from app.services.errors import InvalidInputError, NotFoundError
from app.services.principal import Principal
from app.services.workflows import authorized_workflow

__all__ = [
    "MAX_PAGE",
    "count_schedules",
    "get_schedule",
    "list_schedules",
    "load_schedule",
    "preview_schedule",
    "schedule_history",
    "schedule_public",
]

MAX_PAGE = 500
HISTORY_MAX = 500


def load_schedule(
    session: Session, principal: Principal, schedule_id: int, action: Action, *, lock: bool = False
) -> tuple[Schedule, Workflow]:
    """The schedule and its workflow, when the caller may do `action` with the workflow.

    Args:
        lock: lock the schedule's row for the rest of the transaction (changes).

    Raises:
        NotFoundError: no such schedule, or the caller may not see its workflow.
        PermissionDeniedError: the caller may see it but not do `action`.
    """
    query = select(Schedule).where(col(Schedule.id) == schedule_id)
    schedule = session.exec(query.with_for_update() if lock else query).first()
    if schedule is None:
        raise NotFoundError(f"Schedule {schedule_id} not found")
    try:
        workflow, _ = authorized_workflow(session, principal, schedule.workflow_id, action)
    except NotFoundError as exc:
        raise NotFoundError(f"Schedule {schedule_id} not found") from exc
    return schedule, workflow


def _latest_fires(
    session: Session, schedule_ids: Sequence[int]
) -> dict[int, tuple[ScheduleFire, str | None]]:
    """Each schedule's newest fire and its execution's status."""
    if not schedule_ids:
        return {}
    newest = (
        select(func.max(ScheduleFire.id))
        .where(col(ScheduleFire.schedule_id).in_(schedule_ids))
        .group_by(col(ScheduleFire.schedule_id))
    )
    rows = session.exec(
        select(ScheduleFire, Execution.status)
        .outerjoin(Execution, col(Execution.id) == col(ScheduleFire.execution_id))
        .where(col(ScheduleFire.id).in_(newest))
    ).all()
    return {fire.schedule_id: (fire, status) for fire, status in rows}


def _public(
    schedule: Schedule,
    workflow: Workflow,
    owner: User | None,
    latest: tuple[ScheduleFire, str | None] | None,
) -> SchedulePublic:
    fire, execution_status = latest if latest else (None, None)
    assert schedule.id is not None and workflow.id is not None
    return SchedulePublic(
        id=schedule.id,
        workflow_id=workflow.id,
        workflow_name=workflow.name,
        owner_id=workflow.owner_id,
        owner_name=(owner.name or owner.email) if owner else "",
        created_by=schedule.created_by,
        name=schedule.name,
        cron=schedule.cron,
        timezone=schedule.timezone,
        description=describe_cron(schedule.cron, schedule.timezone),
        enabled=schedule.enabled,
        input=schedule.input,
        version_tag=schedule.version_tag,
        grace_seconds=schedule.grace_seconds,
        misfire_policy=MisfirePolicy(schedule.misfire_policy),
        allow_overlap=schedule.allow_overlap,
        retry_attempts=schedule.retry_attempts,
        retry_backoff_seconds=schedule.retry_backoff_seconds,
        next_fire_at=schedule.next_fire_at,
        last_fire_at=schedule.last_fire_at,
        last_status=FireStatus(fire.status) if fire else None,
        last_execution_id=fire.execution_id if fire else None,
        last_execution_status=execution_status,
        revision=schedule.revision,
        created_at=schedule.created_at,
        updated_at=schedule.updated_at,
    )


def schedule_public(session: Session, schedule: Schedule, workflow: Workflow) -> SchedulePublic:
    """The public view of a loaded schedule (its owner and latest fire read here)."""
    assert schedule.id is not None
    owner = session.get(User, workflow.owner_id) if workflow.owner_id is not None else None
    return _public(
        schedule, workflow, owner, _latest_fires(session, [schedule.id]).get(schedule.id)
    )


def get_schedule(session: Session, *, principal: Principal, schedule_id: int) -> SchedulePublic:
    """One schedule.

    Raises:
        NotFoundError: no such schedule, or the caller may not read its workflow.
    """
    schedule, workflow = load_schedule(session, principal, schedule_id, Action.READ)
    return schedule_public(session, schedule, workflow)


def _conditions(
    principal: Principal, workflow_id: int | None, enabled: bool | None
) -> list[ColumnElement[bool]]:
    conditions = [visible_to(principal), col(Workflow.deleted_at).is_(None)]
    if workflow_id is not None:
        conditions.append(col(Schedule.workflow_id) == workflow_id)
    if enabled is not None:
        conditions.append(col(Schedule.enabled) == enabled)
    return conditions


def list_schedules(
    session: Session,
    *,
    principal: Principal,
    workflow_id: int | None = None,
    enabled: bool | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[SchedulePublic]:
    """The schedules of the workflows the caller may read, soonest next fire first (paused
    ones last), then by id.

    Args:
        workflow_id: only this workflow's.
        enabled: only active (True) or paused (False) ones.
        limit: page size (1..500).
        offset: rows to skip.

    Raises:
        InvalidInputError: limit or offset out of range.
    """
    if offset < 0 or not 1 <= limit <= MAX_PAGE:
        raise InvalidInputError(f"offset must be >= 0 and limit between 1 and {MAX_PAGE}")
    rows = session.exec(
        select(Schedule, Workflow, User)
        .join(Workflow, col(Workflow.id) == col(Schedule.workflow_id))
        .outerjoin(User, col(User.id) == col(Workflow.owner_id))
        .where(*_conditions(principal, workflow_id, enabled))
        .order_by(
            col(Schedule.next_fire_at).is_(None),
            col(Schedule.next_fire_at),
            col(Schedule.id),
        )
        .offset(offset)
        .limit(limit)
    ).all()
    latest = _latest_fires(session, [schedule.id for schedule, _, _ in rows if schedule.id])
    return [
        _public(schedule, workflow, owner, latest.get(schedule.id or 0))
        for schedule, workflow, owner in rows
    ]


def count_schedules(
    session: Session,
    *,
    principal: Principal,
    workflow_id: int | None = None,
    enabled: bool | None = None,
) -> int:
    """How many schedules `list_schedules` would list with these filters, over all pages."""
    return session.exec(
        select(func.count())
        .select_from(Schedule)
        .join(Workflow, col(Workflow.id) == col(Schedule.workflow_id))
        .where(*_conditions(principal, workflow_id, enabled))
    ).one()


def schedule_history(
    session: Session, *, principal: Principal, schedule_id: int, limit: int = 50
) -> list[ScheduleFirePublic]:
    """The schedule's fire times, newest first: run, retrying or missed (with why).

    Raises:
        NotFoundError: no such schedule, or the caller may not read its workflow.
        InvalidInputError: limit out of range.
    """
    if not 1 <= limit <= HISTORY_MAX:
        raise InvalidInputError(f"limit must be between 1 and {HISTORY_MAX}")
    load_schedule(session, principal, schedule_id, Action.READ)
    rows = session.exec(
        select(ScheduleFire, Execution.status)
        .outerjoin(Execution, col(Execution.id) == col(ScheduleFire.execution_id))
        .where(col(ScheduleFire.schedule_id) == schedule_id)
        .order_by(col(ScheduleFire.id).desc())
        .limit(limit)
    ).all()
    return [
        ScheduleFirePublic(
            id=fire.id or 0,
            fire_time=fire.fire_time,
            status=FireStatus(fire.status),
            reason=fire.reason,
            started_at=fire.started_at,
            lag_ms=fire.lag_ms,
            execution_id=fire.execution_id,
            execution_status=status,
            attempt=fire.attempt,
            next_retry_at=fire.next_retry_at,
        )
        for fire, status in rows
    ]


def preview_schedule(
    request: SchedulePreviewRequest, *, now: datetime | None = None
) -> SchedulePreview:
    """The cron in words and its next `count` fire times after `now` (default: the current
    time), each in UTC, in the schedule's timezone and in the viewer's."""
    times = next_fire_times(
        request.cron, request.timezone, after=now or utc_now(), count=request.count
    )
    local = ZoneInfo(request.timezone)
    viewer = ZoneInfo(request.viewer_timezone) if request.viewer_timezone else None
    return SchedulePreview(
        description=describe_cron(request.cron, request.timezone),
        next=[
            FireTimePreview(
                utc=instant,
                local=instant.astimezone(local).isoformat(),
                viewer=instant.astimezone(viewer).isoformat() if viewer else None,
            )
            for instant in times
        ],
    )
