"""The schedule pages' calls to the schedule services (each on a worker thread via `run_db`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from app.models.schedule import (
    ScheduleCreate,
    ScheduleFirePublic,
    SchedulePublic,
    ScheduleUpdate,
)
from app.services import schedule_reads, schedules, versions, workflows
from app.services.access import Action
from app.services.errors import NotFoundError
from app.services.principal import Principal
from app.services.schedule_health import schedule_health
from app.services.unit_of_work import session_scope
from app.ui.state.schedule_views import wall_clock

# The workflow filter offers the workflows of this many schedules at most.
FILTER_SCAN = 500
# Tags are looked for in this many of a workflow's newest versions.
TAG_SCAN = 200


@dataclass(frozen=True)
class SchedulesRead:
    """A page of schedules, how many match, the workflows the filter offers, and which of
    the page's workflows the caller may change."""

    items: list[SchedulePublic]
    total: int
    workflows: list[tuple[int, str]]
    changeable: set[int]


def changeable_workflows(session: Session, principal: Principal, ids: set[int]) -> set[int]:
    """Which of these workflows `principal` may change (so change the schedules of)."""
    found = set()
    for workflow_id in ids:
        try:
            _, access = workflows.authorized_workflow(session, principal, workflow_id, Action.READ)
        except NotFoundError:
            continue
        if Action.CHANGE in access:
            found.add(workflow_id)
    return found


def read_schedules(
    principal: Principal, workflow_id: int, enabled: bool | None, offset: int, limit: int
) -> SchedulesRead:
    """A filtered page of the schedules `principal` may see (`workflow_id` 0: every one)."""
    with session_scope(read_only=True) as session:
        wanted = workflow_id or None
        items = schedule_reads.list_schedules(
            session,
            principal=principal,
            workflow_id=wanted,
            enabled=enabled,
            offset=offset,
            limit=limit,
        )
        total = schedule_reads.count_schedules(
            session, principal=principal, workflow_id=wanted, enabled=enabled
        )
        every = schedule_reads.list_schedules(session, principal=principal, limit=FILTER_SCAN)
        changeable = changeable_workflows(session, principal, {i.workflow_id for i in items})
    names = {item.workflow_id: item.workflow_name for item in every}
    offered = sorted(names.items(), key=lambda pair: pair[1].lower())
    return SchedulesRead(items, total, offered, changeable)


def read_workflow_schedules(principal: Principal, workflow_id: int) -> list[SchedulePublic]:
    """Every schedule of one workflow, soonest first."""
    with session_scope(read_only=True) as session:
        return schedule_reads.list_schedules(
            session, principal=principal, workflow_id=workflow_id, limit=schedule_reads.MAX_PAGE
        )


def read_history(principal: Principal, schedule_id: int, limit: int) -> list[ScheduleFirePublic]:
    """A schedule's latest fire times, newest first."""
    with session_scope(read_only=True) as session:
        return schedule_reads.schedule_history(
            session, principal=principal, schedule_id=schedule_id, limit=limit
        )


def read_tags(principal: Principal, workflow_id: int) -> list[str]:
    """The tags of the workflow's newest versions, sorted."""
    with session_scope(read_only=True) as session:
        page = versions.list_versions(
            session, principal=principal, workflow_id=workflow_id, limit=TAG_SCAN
        )
    return sorted({tag for item in page.items for tag in item.tags})


def create(principal: Principal, workflow_id: int, data: ScheduleCreate) -> SchedulePublic:
    """Add a schedule to the workflow."""
    with session_scope() as session:
        return schedules.create_schedule(
            session, principal=principal, workflow_id=workflow_id, data=data
        )


def update(principal: Principal, schedule_id: int, data: ScheduleUpdate) -> SchedulePublic:
    """Change a schedule (the fields set in `data`)."""
    with session_scope() as session:
        return schedules.update_schedule(
            session, principal=principal, schedule_id=schedule_id, data=data
        )


def set_enabled(principal: Principal, schedule_id: int, enabled: bool) -> SchedulePublic:
    """Resume (True) or pause (False) a schedule."""
    with session_scope() as session:
        return schedules.set_schedule_enabled(
            session, principal=principal, schedule_id=schedule_id, enabled=enabled
        )


def remove(principal: Principal, schedule_id: int) -> None:
    """Delete a schedule (its fire history goes with it)."""
    with session_scope() as session:
        schedules.delete_schedule(session, principal=principal, schedule_id=schedule_id)


def overdue_alerts(principal: Principal, viewer_timezone: str) -> list[str]:
    """One sentence per schedule the self-check finds overdue (none while firing works).

    The self-check sees every schedule; a schedule `principal` may not read is named by
    its id only.
    """
    health = schedule_health()
    if not health.overdue:
        return []
    alerts = []
    with session_scope(read_only=True) as session:
        for item in health.overdue:
            try:
                schedule_reads.get_schedule(session, principal=principal, schedule_id=item.id)
                name = f"{item.name!r}" if item.name else f"#{item.id}"
            except NotFoundError:
                name = f"#{item.id}"
            alerts.append(
                f"Schedule {name} should have fired at "
                f"{wall_clock(item.next_fire_at, viewer_timezone or 'UTC')} and did not: "
                "the scheduler is not running"
            )
    return alerts
