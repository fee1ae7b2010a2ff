"""`POST /api/hooks/{public_id}`: the public end of a webhook.

No API key or session: the request's signature is its authentication (Standard Webhooks,
GitHub style or a static token, as the webhook says). The body is streamed and counted, so
one over the webhook's limit is refused (413) before it is read whole; every check and the
run it starts are the service's (`app/services/webhook_receiver.py`).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from app.api.error_handlers import error_response
from app.api.schemas import ErrorResponse
from app.services.error_capture import capture_error
from app.services.webhook_metrics import count_webhook_call
from app.services.webhook_receiver import receive_webhook
from app.services.webhook_request import (
    BodyTooLargeError,
    ReadBody,
    WebhookRequest,
    query_values,
)

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api/hooks", tags=["webhooks"])


class HookAccepted(BaseModel):
    """The run a webhook call started (or, for a replayed webhook-id, the first call's)."""

    execution_id: int


class HookRunDetail(BaseModel):
    """Respond mode `output`: the run did not succeed (502) or not in time (504)."""

    execution_id: int
    detail: str


_BODY = {
    "description": "Any body: JSON, a form (urlencoded) or raw bytes (text, or base64 when "
    "binary), signed as the webhook's signature mode says.",
    "required": False,
    "content": {
        "application/json": {"schema": {}},
        "application/x-www-form-urlencoded": {"schema": {"type": "object"}},
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
    },
}
_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "Respond mode `output`: the run's output once it succeeded."},
    202: {"model": HookAccepted, "description": "Accepted: the run started (asynchronous)."},
    400: {"model": ErrorResponse, "description": "A JSON body that is not valid JSON."},
    401: {"model": ErrorResponse, "description": "Missing or wrong signature or token."},
    403: {"model": ErrorResponse, "description": "The caller's address is not allowed."},
    404: {"model": ErrorResponse, "description": "No such webhook, or it is disabled."},
    413: {"model": ErrorResponse, "description": "Body over the webhook's limit."},
    422: {"model": ErrorResponse, "description": "The mapping or the workflow cannot run."},
    429: {"model": ErrorResponse, "description": "Rate limit reached (see Retry-After)."},
    502: {"model": HookRunDetail, "description": "Respond mode `output`: the run failed."},
    504: {"model": HookRunDetail, "description": "Respond mode `output`: not done in time."},
}


def _reader(request: Request) -> ReadBody:
    """Reads the request's body as it streams in, refusing it once it passes `limit`."""

    async def read_body(limit: int) -> bytes:
        chunks = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise BodyTooLargeError
            chunks.append(chunk)
        return b"".join(chunks)

    return read_body


@router.post(
    "/{public_id}",
    summary="Call a webhook",
    status_code=202,
    response_model=HookAccepted,
    responses=_RESPONSES,
    openapi_extra={"requestBody": _BODY, "x-authentication": "request signature"},
)
async def call_hook(public_id: str, request: Request) -> JSONResponse:
    """Start a run of the webhook's workflow with the request mapped to its input.

    Public: no credentials, the signature proves the sender. Answers 202
    `{"execution_id": N}` at once (a replayed `webhook-id` gets its first answer again and
    starts nothing), or, in respond mode `output`, the run's output (504 past the webhook's
    time limit).
    """
    parsed: dict[str, list[str]] = {}
    for name, value in request.query_params.multi_items():
        parsed.setdefault(name, []).append(value)
    try:
        answer = await receive_webhook(
            WebhookRequest(
                public_id=public_id,
                peer=request.client.host if request.client else "",
                headers=dict(request.headers.items()),
                query=query_values(parsed),
                read_body=_reader(request),
            )
        )
    except Exception as exc:
        # Recorded as the webhook's error (not a generic API one), then answered as any 500.
        logger.exception("webhook %s failed", public_id)
        capture_error("webhook", error=exc, context={"webhook": public_id})
        count_webhook_call(500)
        return error_response(500, "Internal server error")
    count_webhook_call(answer.status)
    headers = dict(answer.headers)
    if answer.retry_after is not None:
        headers["Retry-After"] = str(answer.retry_after)
    return JSONResponse(answer.body, status_code=answer.status, headers=headers)
