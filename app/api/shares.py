"""Sharing routes: who a workflow or orchestration is shared with, share, unshare."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from app.api.authorization import Caller
from app.api.params import MAX_ID, WorkflowIdPath
from app.api.schemas import ErrorResponse
from app.api.strict_json import StrictJSONRoute
from app.models.sharing import ShareCreate, SharePublic
from app.services import sharing
from app.services.unit_of_work import session_scope

router = APIRouter(
    prefix="/api/workflows",
    route_class=StrictJSONRoute,
    tags=["sharing"],
    responses={
        404: {"model": ErrorResponse, "description": "No such workflow, user or share."},
        422: {"model": ErrorResponse, "description": "Invalid request."},
    },
)

UserIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="The user's id.")]


@router.get("/{workflow_id}/shares", response_model=list[SharePublic], summary="List shares")
def list_shares(caller: Caller, workflow_id: WorkflowIdPath) -> list[SharePublic]:
    """The users the workflow (or orchestration) is shared with, and as what."""
    with session_scope(read_only=True) as session:
        return sharing.list_shares(session, principal=caller, workflow_id=workflow_id)


@router.put("/{workflow_id}/shares", response_model=list[SharePublic], summary="Share")
def share(caller: Caller, workflow_id: WorkflowIdPath, data: ShareCreate) -> list[SharePublic]:
    """Share with a user by e-mail as `viewer` or `editor` (again: change the permission).
    Only the owner of the workflow and admins may share it."""
    with session_scope() as session:
        return sharing.share_workflow(session, principal=caller, workflow_id=workflow_id, data=data)


@router.delete(
    "/{workflow_id}/shares/{user_id}", response_model=list[SharePublic], summary="Unshare"
)
def unshare(caller: Caller, workflow_id: WorkflowIdPath, user_id: UserIdPath) -> list[SharePublic]:
    """End a user's share; answers the shares left."""
    with session_scope() as session:
        return sharing.unshare_workflow(
            session, principal=caller, workflow_id=workflow_id, user_id=user_id
        )
