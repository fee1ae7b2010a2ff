""" "Send test event": the server signs a sample request with a webhook's own secret, in its
signature mode, and sends it through the webhook's receive path like any caller's request.

The call is logged with `test` set, so it is told apart from real calls (the mapping test
panel's "last real call" skips it). Sending one needs CHANGE and RUN on the workflow: it
starts a run as the workflow's owner, like any call.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.models.execution import Execution
from app.models.types import utc_now
from app.models.webhook import SignatureMode, Webhook, WebhookCall
from app.models.webhook_schemas import WebhookCallPublic
from app.services.access import Action
from app.services.db_threads import run_db
from app.services.errors import ConflictError, PermissionDeniedError
from app.services.principal import Principal
from app.services.unit_of_work import session_scope
from app.services.webhook_calls import call_public
from app.services.webhook_receiver import receive_webhook
from app.services.webhook_request import BodyTooLargeError, WebhookRequest
from app.services.webhook_secrets import decrypt_secret
from app.services.webhook_signature import (
    GITHUB_SIGNATURE,
    STANDARD_ID,
    STANDARD_SIGNATURE,
    STANDARD_TIMESTAMP,
    sign_github,
    sign_standard,
)
from app.services.webhooks import authorized_webhook

__all__ = ["TestRequest", "send_test_event", "signed_test_request"]

TEST_USER_AGENT = "Flowbook-Test-Event"
TEST_EVENT = "flowbook.test"
# The address a test event comes from: the server itself.
TEST_PEER = "127.0.0.1"

T = TypeVar("T")


@dataclass(frozen=True)
class TestRequest:
    """A signed sample request for one webhook.

    Attributes:
        public_id: the webhook's name in its URL.
        headers: the request's headers, names in lower case (signature included).
        body: the raw JSON body.
    """

    public_id: str
    headers: dict[str, str]
    body: bytes


def signed_test_request(webhook: Webhook, secret: str | None) -> TestRequest:
    """A sample JSON request to `webhook`, signed with `secret` the way its mode wants.

    Args:
        webhook: the webhook (its mode and token header).
        secret: its current secret in clear (None in mode `none`).
    """
    delivery_id = f"msg_test_{secrets.token_hex(12)}"
    payload = {
        "type": TEST_EVENT,
        "webhook": webhook.name or webhook.public_id,
        "sent_at": utc_now().isoformat(),
        "data": {"message": "A test event sent by Flowbook", "delivery_id": delivery_id},
    }
    body = json.dumps(payload, separators=(",", ":")).encode()
    headers = {"content-type": "application/json", "user-agent": TEST_USER_AGENT}
    mode = SignatureMode(webhook.signature_mode)
    if mode is SignatureMode.STANDARD and secret:
        timestamp = int(time.time())
        headers[STANDARD_ID] = delivery_id
        headers[STANDARD_TIMESTAMP] = str(timestamp)
        headers[STANDARD_SIGNATURE] = sign_standard(secret, delivery_id, timestamp, body)
    elif mode is SignatureMode.GITHUB and secret:
        headers[GITHUB_SIGNATURE] = sign_github(secret, body)
    elif mode is SignatureMode.TOKEN and secret:
        headers[webhook.token_header.lower()] = secret
    return TestRequest(public_id=webhook.public_id, headers=headers, body=body)


def _last_call_id(session: Session, webhook_id: int) -> int:
    last = session.exec(
        select(func.max(WebhookCall.id)).where(col(WebhookCall.webhook_id) == webhook_id)
    ).one()
    return last or 0


def _prepare(session: Session, principal: Principal, webhook_id: int) -> tuple[TestRequest, int]:
    webhook, _, actions = authorized_webhook(session, principal, webhook_id, Action.CHANGE)
    if Action.RUN not in actions:
        raise PermissionDeniedError("You can change this webhook but not run its workflow")
    secret = decrypt_secret(webhook.secret_encrypted) if webhook.secret_encrypted else None
    return signed_test_request(webhook, secret), _last_call_id(session, webhook_id)


def _logged_call(session: Session, webhook_id: int, after_id: int) -> WebhookCallPublic | None:
    row = session.exec(
        select(WebhookCall, Execution.status)
        .outerjoin(Execution, col(Execution.id) == WebhookCall.execution_id)
        .where(
            col(WebhookCall.webhook_id) == webhook_id,
            col(WebhookCall.id) > after_id,
            col(WebhookCall.test).is_(True),
        )
        .order_by(col(WebhookCall.id))
        .limit(1)
    ).first()
    return call_public(*row) if row is not None else None


def _in_session(fn: Callable[..., T], /, **kwargs: Any) -> T:
    with session_scope(read_only=True) as session:
        return fn(session, **kwargs)


async def send_test_event(*, principal: Principal, webhook_id: int) -> WebhookCallPublic:
    """Sign a sample request with the webhook's secret and send it through the webhook.

    Returns:
        The call as logged (`test` true): accepted with the run it started, or refused
        with the reason (e.g. the webhook is disabled or the server's own address is not in
        its IP allowlist).

    Raises:
        NotFoundError: no such webhook, or the caller may not see its workflow.
        PermissionDeniedError: the caller may not change the webhook or run its workflow.
        ConflictError: the webhook went away while the event was sent.
    """
    prepared, before = await run_db(
        _in_session, _prepare, principal=principal, webhook_id=webhook_id
    )

    async def read_body(limit: int) -> bytes:
        if len(prepared.body) > limit:
            raise BodyTooLargeError
        return prepared.body

    answer = await receive_webhook(
        WebhookRequest(
            public_id=prepared.public_id,
            peer=TEST_PEER,
            headers=prepared.headers,
            query={},
            read_body=read_body,
            test=True,
        )
    )
    call = await run_db(_in_session, _logged_call, webhook_id=webhook_id, after_id=before)
    if call is None:
        raise ConflictError(f"The test event was not logged: {answer.status} {answer.body}")
    return call
