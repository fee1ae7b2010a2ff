"""Webhook management routes: CRUD, secret regenerate, test event, call log, mapping preview.

Requests to a webhook itself go to `/api/hooks/{public_id}` (`app/api/hooks.py`). A secret
is answered only by the create, regenerate and signature-mode change answers.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status

from app.api.authorization import Caller
from app.api.params import MAX_ID, Limit, Offset, WorkflowIdPath
from app.api.schemas import ErrorResponse
from app.api.strict_json import StrictJSONRoute
from app.models.webhook import CALL_LOG_KEPT
from app.models.webhook_schemas import (
    MappingPreview,
    MappingPreviewRequest,
    SecretRegenerate,
    WebhookCallPublic,
    WebhookCreate,
    WebhookCreated,
    WebhookPublic,
    WebhooksPage,
    WebhookUpdate,
)
from app.services import webhook_calls, webhook_test_event, webhooks
from app.services.unit_of_work import session_scope

router = APIRouter(
    prefix="/api",
    route_class=StrictJSONRoute,
    tags=["webhooks"],
    responses={
        404: {"model": ErrorResponse, "description": "No such webhook or workflow."},
        422: {"model": ErrorResponse, "description": "Invalid request."},
    },
)

WebhookIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Webhook id.")]
CallsLimit = Annotated[int, Query(ge=1, le=CALL_LOG_KEPT, description="Calls to return.")]
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorResponse, "description": "The webhook has no secret."}
}


@router.get("/webhooks", response_model=WebhooksPage, summary="List webhooks")
def list_webhooks(
    caller: Caller,
    workflow_id: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Only this workflow's webhooks.")
    ] = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> WebhooksPage:
    """The webhooks of the workflows the caller may see, newest first (never a secret)."""
    with session_scope(read_only=True) as session:
        return webhooks.list_webhooks(
            session, principal=caller, workflow_id=workflow_id, limit=limit, offset=offset
        )


@router.post(
    "/workflows/{workflow_id}/webhooks",
    response_model=WebhookCreated,
    status_code=status.HTTP_201_CREATED,
    summary="Create a webhook",
)
def create_webhook(
    caller: Caller, workflow_id: WorkflowIdPath, data: WebhookCreate
) -> WebhookCreated:
    """A new webhook on the workflow; the answer holds its secret, shown this once."""
    with session_scope() as session:
        return webhooks.create_webhook(
            session, principal=caller, workflow_id=workflow_id, data=data
        )


@router.post(
    "/webhooks/mapping-preview", response_model=MappingPreview, summary="Preview a mapping"
)
def preview_mapping(caller: Caller, data: MappingPreviewRequest) -> MappingPreview:
    """The workflow input a mapping makes of a sample request, or why it fails on it."""
    return webhook_calls.preview_webhook_mapping(data=data)


@router.get("/webhooks/{webhook_id}", response_model=WebhookPublic, summary="Get a webhook")
def get_webhook(caller: Caller, webhook_id: WebhookIdPath) -> WebhookPublic:
    """One webhook with every setting (never its secret)."""
    with session_scope(read_only=True) as session:
        return webhooks.get_webhook(session, principal=caller, webhook_id=webhook_id)


@router.patch("/webhooks/{webhook_id}", response_model=WebhookCreated, summary="Change a webhook")
def update_webhook(
    caller: Caller, webhook_id: WebhookIdPath, data: WebhookUpdate
) -> WebhookCreated:
    """Change the settings sent (`enabled` too). A new `signature_mode` comes with a new
    secret, answered this once in `secret` (null otherwise); the old one stops at once."""
    with session_scope() as session:
        return webhooks.update_webhook(session, principal=caller, webhook_id=webhook_id, data=data)


@router.delete("/webhooks/{webhook_id}", response_model=WebhookPublic, summary="Delete a webhook")
def delete_webhook(caller: Caller, webhook_id: WebhookIdPath) -> WebhookPublic:
    """Delete a webhook and its call log; answers it as it was."""
    with session_scope() as session:
        return webhooks.delete_webhook(session, principal=caller, webhook_id=webhook_id)


@router.post(
    "/webhooks/{webhook_id}/secret",
    response_model=WebhookCreated,
    summary="Regenerate the secret",
    responses=CONFLICT,
)
def regenerate_secret(
    caller: Caller, webhook_id: WebhookIdPath, data: SecretRegenerate
) -> WebhookCreated:
    """A new secret, shown this once; the old one keeps working for `grace_seconds`."""
    with session_scope() as session:
        return webhooks.regenerate_secret(
            session, principal=caller, webhook_id=webhook_id, grace_seconds=data.grace_seconds
        )


@router.post(
    "/webhooks/{webhook_id}/test",
    response_model=WebhookCallPublic,
    summary="Send a test event",
    responses={409: {"model": ErrorResponse, "description": "The webhook went away meanwhile."}},
)
async def send_test_event(caller: Caller, webhook_id: WebhookIdPath) -> WebhookCallPublic:
    """The server signs a sample request with the webhook's secret and sends it through the
    webhook; answers the call as logged (`test` true), with the run it started."""
    return await webhook_test_event.send_test_event(principal=caller, webhook_id=webhook_id)


@router.get(
    "/webhooks/{webhook_id}/calls",
    response_model=list[WebhookCallPublic],
    summary="List a webhook's calls",
)
def list_calls(
    caller: Caller, webhook_id: WebhookIdPath, limit: CallsLimit = CALL_LOG_KEPT
) -> list[WebhookCallPublic]:
    """The newest calls first: time, address, status, reason when refused, mapped input and
    the run started with its status."""
    with session_scope(read_only=True) as session:
        return webhook_calls.list_webhook_calls(
            session, principal=caller, webhook_id=webhook_id, limit=limit
        )


@router.get(
    "/webhooks/{webhook_id}/mapping-preview",
    response_model=MappingPreview,
    summary="The last call's mapped input",
)
def last_call_mapping(caller: Caller, webhook_id: WebhookIdPath) -> MappingPreview:
    """The input the last real call (not a test event) gave its run, or why there is none."""
    with session_scope(read_only=True) as session:
        return webhook_calls.last_call_mapping(session, principal=caller, webhook_id=webhook_id)
