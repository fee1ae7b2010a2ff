"""Schedule routes: list, create (on a workflow), read, change, pause, resume, delete,
history, and the preview of a cron's next fire times."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from app.api.authorization import Caller
from app.api.params import MAX_ID, Limit, Offset, WorkflowIdPath
from app.api.schemas import ErrorResponse
from app.api.strict_json import StrictJSONRoute
from app.models.schedule import (
    ScheduleCreate,
    ScheduleFirePublic,
    SchedulePreview,
    SchedulePreviewRequest,
    SchedulePublic,
    SchedulesPage,
    ScheduleUpdate,
)
from app.services import schedules
from app.services.unit_of_work import session_scope

router = APIRouter(
    route_class=StrictJSONRoute,
    tags=["schedules"],
    responses={
        404: {"model": ErrorResponse, "description": "No such schedule or workflow."},
        422: {"model": ErrorResponse, "description": "Invalid request."},
    },
)

ScheduleIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Schedule id.")]


@router.get("/api/schedules", response_model=SchedulesPage, summary="List schedules")
def list_schedules(
    caller: Caller,
    workflow_id: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Only this workflow's schedules.")
    ] = None,
    enabled: Annotated[
        bool | None, Query(description="Only active (true) or paused (false) ones.")
    ] = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> SchedulesPage:
    """The schedules of the workflows the caller may read, soonest next fire first."""
    with session_scope(read_only=True) as session:
        items = schedules.list_schedules(
            session,
            principal=caller,
            workflow_id=workflow_id,
            enabled=enabled,
            limit=limit,
            offset=offset,
        )
        total = schedules.count_schedules(
            session, principal=caller, workflow_id=workflow_id, enabled=enabled
        )
    return SchedulesPage(items=items, total=total)


@router.post(
    "/api/workflows/{workflow_id}/schedules",
    response_model=SchedulePublic,
    status_code=status.HTTP_201_CREATED,
    summary="Create a schedule",
)
def create_schedule(
    caller: Caller, workflow_id: WorkflowIdPath, data: ScheduleCreate
) -> SchedulePublic:
    """Add a cron schedule to the workflow; a `version_tag` must name one of its tags."""
    with session_scope() as session:
        return schedules.create_schedule(
            session, principal=caller, workflow_id=workflow_id, data=data
        )


@router.post("/api/schedules/preview", response_model=SchedulePreview, summary="Preview a cron")
def preview_schedule(caller: Caller, data: SchedulePreviewRequest) -> SchedulePreview:
    """The cron in words and its next fire times (UTC, its timezone, the viewer's); nothing
    is saved."""
    return schedules.preview_schedule(data)


@router.get("/api/schedules/{schedule_id}", response_model=SchedulePublic, summary="Get a schedule")
def get_schedule(caller: Caller, schedule_id: ScheduleIdPath) -> SchedulePublic:
    """One schedule with its next fire time and last result."""
    with session_scope(read_only=True) as session:
        return schedules.get_schedule(session, principal=caller, schedule_id=schedule_id)


@router.patch(
    "/api/schedules/{schedule_id}", response_model=SchedulePublic, summary="Change a schedule"
)
def update_schedule(
    caller: Caller, schedule_id: ScheduleIdPath, data: ScheduleUpdate
) -> SchedulePublic:
    """Change only the fields sent; the next fire time follows the new settings."""
    with session_scope() as session:
        return schedules.update_schedule(
            session, principal=caller, schedule_id=schedule_id, data=data
        )


@router.delete(
    "/api/schedules/{schedule_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Delete a schedule",
)
def delete_schedule(caller: Caller, schedule_id: ScheduleIdPath) -> None:
    """Delete the schedule and its history."""
    with session_scope() as session:
        schedules.delete_schedule(session, principal=caller, schedule_id=schedule_id)


@router.post("/api/schedules/{schedule_id}/pause", response_model=SchedulePublic, summary="Pause")
def pause_schedule(caller: Caller, schedule_id: ScheduleIdPath) -> SchedulePublic:
    """Stop firing until resumed (already paused: no change)."""
    with session_scope() as session:
        return schedules.set_schedule_enabled(
            session, principal=caller, schedule_id=schedule_id, enabled=False
        )


@router.post("/api/schedules/{schedule_id}/resume", response_model=SchedulePublic, summary="Resume")
def resume_schedule(caller: Caller, schedule_id: ScheduleIdPath) -> SchedulePublic:
    """Fire again from the next fire time after now (times missed while paused are not run)."""
    with session_scope() as session:
        return schedules.set_schedule_enabled(
            session, principal=caller, schedule_id=schedule_id, enabled=True
        )


@router.get(
    "/api/schedules/{schedule_id}/history",
    response_model=list[ScheduleFirePublic],
    summary="Schedule history",
)
def schedule_history(
    caller: Caller, schedule_id: ScheduleIdPath, limit: Limit = 50
) -> list[ScheduleFirePublic]:
    """The schedule's fire times, newest first: started (with the execution's status),
    retrying or missed (with why)."""
    with session_scope(read_only=True) as session:
        return schedules.schedule_history(
            session, principal=caller, schedule_id=schedule_id, limit=limit
        )
