"""A webhook's call log and its mapping test panel.

The log keeps the newest `CALL_LOG_KEPT` calls of each webhook, refused ones with their
reason. The test panel runs a mapping on a sample request, and shows the input the last real
call (not a test event) gave its run: requests' bodies are not kept, only that input.
"""

from __future__ import annotations

from sqlmodel import Session, col, or_, select

from app.models.execution import Execution
from app.models.webhook import CALL_LOG_KEPT, WebhookCall
from app.models.webhook_schemas import MappingPreview, MappingPreviewRequest, WebhookCallPublic
from app.services.access import Action
from app.services.errors import InvalidInputError
from app.services.principal import Principal
from app.services.webhook_mapping import preview_mapping
from app.services.webhooks import authorized_webhook

__all__ = ["last_call_mapping", "list_webhook_calls", "preview_webhook_mapping"]

NO_CALL_YET = "No request has reached this webhook yet (test events do not count)"


def call_public(call: WebhookCall, execution_status: str | None) -> WebhookCallPublic:
    """One row of the call log as callers see it."""
    assert call.id is not None
    return WebhookCallPublic(
        id=call.id,
        received_at=call.received_at,
        ip=call.ip,
        status_code=call.status_code,
        reason=call.reason,
        delivery_id=call.delivery_id,
        execution_id=call.execution_id,
        execution_status=execution_status,
        mapped_input=call.mapped_input,
        test=call.test,
    )


def list_webhook_calls(
    session: Session, *, principal: Principal, webhook_id: int, limit: int = CALL_LOG_KEPT
) -> list[WebhookCallPublic]:
    """The webhook's calls, newest first, with the status of the run each started.

    Args:
        limit: how many (1..`CALL_LOG_KEPT`).

    Raises:
        NotFoundError: no such webhook, or the caller may not see its workflow.
        InvalidInputError: `limit` out of range.
    """
    if not 1 <= limit <= CALL_LOG_KEPT:
        raise InvalidInputError(f"limit must be between 1 and {CALL_LOG_KEPT}")
    authorized_webhook(session, principal, webhook_id, Action.READ)
    rows = session.exec(
        select(WebhookCall, Execution.status)
        .outerjoin(Execution, col(Execution.id) == WebhookCall.execution_id)
        .where(col(WebhookCall.webhook_id) == webhook_id)
        .order_by(col(WebhookCall.id).desc())
        .limit(limit)
    ).all()
    return [call_public(call, status) for call, status in rows]


def preview_webhook_mapping(*, data: MappingPreviewRequest) -> MappingPreview:
    """The workflow input `data.mapping` makes of the sample request in `data`.

    Returns:
        The input, or (as `error`) why the mapping failed on this sample.
    """
    sample = {"body": data.body, "headers": data.headers, "query": data.query}
    try:
        return MappingPreview(input=preview_mapping(data.mapping, sample))
    except InvalidInputError as exc:
        return MappingPreview(error=exc.message)


def last_call_mapping(session: Session, *, principal: Principal, webhook_id: int) -> MappingPreview:
    """The input the webhook's last real call (not a test event) gave its run.

    Returns:
        That input with the call's id and time, or an `error` saying no call came yet.

    Raises:
        NotFoundError: no such webhook, or the caller may not see its workflow.
    """
    authorized_webhook(session, principal, webhook_id, Action.READ)
    call = session.exec(
        select(WebhookCall)
        .where(
            col(WebhookCall.webhook_id) == webhook_id,
            col(WebhookCall.test).is_(False),
            or_(col(WebhookCall.execution_id).is_not(None), col(WebhookCall.status_code) < 300),
        )
        .order_by(col(WebhookCall.id).desc())
        .limit(1)
    ).first()
    if call is None:
        return MappingPreview(error=NO_CALL_YET)
    return MappingPreview(input=call.mapped_input, call_id=call.id, received_at=call.received_at)
