""" "Send test event", on SQLite and PostgreSQL: the sample request is signed the way each
mode wants (the reference `standardwebhooks` package accepts the Standard Webhooks one), it
goes through the receive path and is logged with `test` set, refusals included; only callers
who may change the webhook and run its workflow can send one."""

from __future__ import annotations

import json
import time

import pytest
from sqlmodel import Session
from standardwebhooks.webhooks import Webhook as ReferenceSigner

from app.models.account import Role
from app.models.sharing import ShareCreate, SharePermission
from app.models.webhook import SignatureMode, Webhook
from app.models.webhook_schemas import WebhookCreate
from app.models.workflow import WorkflowCreate
from app.services import sharing, webhooks, workflows
from app.services.errors import NotFoundError, PermissionDeniedError
from app.services.principal import Principal
from app.services.webhook_signature import verify_request
from app.services.webhook_test_event import send_test_event, signed_test_request
from tests.documents import chain, node
from tests.services.accounts_builders import member


def _row(mode: SignatureMode, token_header: str = "X-Webhook-Token") -> Webhook:
    return Webhook(
        public_id="pub",
        workflow_id=1,
        name="Orders",
        signature_mode=mode.value,
        token_header=token_header,
    )


@pytest.mark.parametrize(
    ("mode", "secret"),
    [
        (SignatureMode.STANDARD, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
        (SignatureMode.GITHUB, "It's a Secret to Everybody"),
        (SignatureMode.TOKEN, "a-static-token"),
        (SignatureMode.NONE, None),
    ],
)
def test_the_sample_request_is_signed_as_its_mode_wants(
    mode: SignatureMode, secret: str | None
) -> None:
    request = signed_test_request(_row(mode, "X-Hook-Key"), secret)
    assert json.loads(request.body)["type"] == "flowbook.test"
    assert request.headers["content-type"] == "application/json"
    checked = verify_request(
        mode,
        [secret] if secret else [],
        request.headers,
        request.body,
        token_header="X-Hook-Key",
        now=time.time(),
    )
    assert checked is None
    wrong = verify_request(
        mode,
        ["whsec_" + "A" * 32],
        request.headers,
        request.body,
        token_header="X-Hook-Key",
        now=time.time(),
    )
    assert (wrong is None) is (mode is SignatureMode.NONE)
    if mode is SignatureMode.STANDARD:
        assert secret is not None
        ReferenceSigner(secret).verify(request.body, request.headers)


def _hooked(session: Session, principal: Principal, **settings: object) -> int:
    workflow = workflows.create_workflow(
        session,
        principal=principal,
        data=WorkflowCreate(
            name="Hooked",
            definition=chain(node("hook", "webhook_trigger"), node("out", "output")),
        ),
    )
    created = webhooks.create_webhook(
        session,
        principal=principal,
        workflow_id=workflow.id,
        data=WebhookCreate.model_validate(settings),
    )
    session.commit()
    return created.id


async def test_a_test_event_starts_a_run_and_is_logged_as_a_test(session: Session) -> None:
    ada = member(session, Role.EDITOR, "ada@example.com")
    webhook_id = _hooked(session, ada, signature_mode="github")
    call = await send_test_event(principal=ada, webhook_id=webhook_id)
    assert (call.status_code, call.test, call.reason) == (202, True, None)
    assert call.execution_id is not None and call.mapped_input["type"] == "flowbook.test"


async def test_a_refused_test_event_is_logged_with_its_reason(session: Session) -> None:
    ada = member(session, Role.EDITOR, "ada@example.com")
    webhook_id = _hooked(session, ada, ip_allowlist=["192.0.2.0/24"])
    call = await send_test_event(principal=ada, webhook_id=webhook_id)
    assert (call.status_code, call.test, call.execution_id) == (403, True, None)
    assert call.reason and "allowlist" in call.reason


async def test_only_who_may_change_and_run_sends_one(session: Session) -> None:
    ada = member(session, Role.EDITOR, "ada@example.com")
    bob = member(session, Role.EDITOR, "bob@example.com")
    webhook_id = _hooked(session, ada)
    with pytest.raises(NotFoundError):
        await send_test_event(principal=bob, webhook_id=webhook_id)
    workflow_id = session.get(Webhook, webhook_id).workflow_id  # type: ignore[union-attr]
    sharing.share_workflow(
        session,
        principal=ada,
        workflow_id=workflow_id,
        data=ShareCreate(email="bob@example.com", permission=SharePermission.VIEWER),
    )
    session.commit()
    with pytest.raises(PermissionDeniedError):
        await send_test_event(principal=bob, webhook_id=webhook_id)
