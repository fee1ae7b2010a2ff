"""Webhook management, on SQLite and PostgreSQL: the secret is answered once and stored only
encrypted (never in gets, lists or audit rows); settings are checked (CIDR, JMESPath,
bounds); regenerate keeps the old secret for a grace period when asked; a mode change comes
with a new secret; a second user sees nothing, a viewer reads but changes nothing."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError
from sqlmodel import Session, col, select

from app.models.account import Role
from app.models.audit import AuditEvent
from app.models.sharing import ShareCreate, SharePermission
from app.models.webhook import Webhook
from app.models.webhook_schemas import SecretRegenerate, WebhookCreate, WebhookUpdate
from app.models.workflow import WorkflowCreate
from app.services import sharing, version_tags, webhooks, workflows
from app.services.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from app.services.principal import Principal
from app.services.webhook_secrets import decrypt_secret
from tests.documents import greeting
from tests.services.accounts_builders import member


@pytest.fixture
def ada(session: Session) -> Principal:
    return member(session, Role.EDITOR, "ada@example.com")


@pytest.fixture
def bob(session: Session) -> Principal:
    return member(session, Role.EDITOR, "bob@example.com")


@pytest.fixture
def flow(session: Session, ada: Principal) -> int:
    created = workflows.create_workflow(
        session, principal=ada, data=WorkflowCreate(name="Flow", definition=greeting())
    )
    return created.id


def _create(session: Session, principal: Principal, workflow_id: int, **settings: object) -> int:
    created = webhooks.create_webhook(
        session,
        principal=principal,
        workflow_id=workflow_id,
        data=WebhookCreate.model_validate(settings),
    )
    return created.id


def _audit_text(session: Session) -> str:
    rows = session.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all()
    return json.dumps([[r.action, r.detail] for r in rows], default=str)


def test_the_secret_is_answered_once_and_stored_only_encrypted(
    session: Session, ada: Principal, flow: int
) -> None:
    created = webhooks.create_webhook(
        session,
        principal=ada,
        workflow_id=flow,
        data=WebhookCreate(name="Orders", mapping="body.order"),
    )
    assert created.secret is not None and created.secret.startswith("whsec_")
    assert created.path == f"/api/hooks/{created.public_id}"
    assert created.secret not in created.path
    assert (created.workflow_name, created.owner_id) == ("Flow", ada.user_id)
    assert not created.unsigned and created.signature_mode == "standard"

    session.expire_all()
    row = session.get(Webhook, created.id)
    assert row is not None and row.secret_encrypted is not None
    assert created.secret not in row.secret_encrypted
    assert decrypt_secret(row.secret_encrypted) == created.secret

    got = webhooks.get_webhook(session, principal=ada, webhook_id=created.id)
    listed = webhooks.list_webhooks(session, principal=ada)
    for shown in (got.model_dump_json(), listed.model_dump_json()):
        assert created.secret not in shown and 'secret":' not in shown
    assert [w.id for w in listed.items] == [created.id] and listed.total == 1
    assert "webhook.create" in _audit_text(session)
    assert created.secret not in _audit_text(session)


@pytest.mark.parametrize(
    ("mode", "has_secret"), [("github", True), ("token", True), ("none", False)]
)
def test_each_mode_gets_its_kind_of_secret(
    session: Session, ada: Principal, flow: int, mode: str, has_secret: bool
) -> None:
    created = webhooks.create_webhook(
        session,
        principal=ada,
        workflow_id=flow,
        data=WebhookCreate.model_validate({"signature_mode": mode}),
    )
    assert (created.secret is not None) is has_secret
    assert created.unsigned is (mode == "none")
    if has_secret:
        assert created.secret and not created.secret.startswith("whsec_")


def test_an_update_changes_only_what_is_sent_and_is_audited(
    session: Session, ada: Principal, flow: int
) -> None:
    version_tags.tag_version(session, principal=ada, workflow_id=flow, name="production", number=1)
    webhook_id = _create(session, ada, flow, name="A", mapping="body", version_tag="production")
    updated = webhooks.update_webhook(
        session,
        principal=ada,
        webhook_id=webhook_id,
        data=WebhookUpdate.model_validate(
            {"rate_limit_per_hour": 5, "mapping": None, "ip_allowlist": ["10.1.2.3/8"]}
        ),
    )
    assert updated.secret is None
    assert (updated.name, updated.rate_limit_per_hour, updated.mapping) == ("A", 5, None)
    assert updated.ip_allowlist == ["10.0.0.0/8"] and updated.version_tag == "production"
    audit = session.exec(select(AuditEvent).where(AuditEvent.action == "webhook.update")).one()
    assert audit.detail["changes"]["rate_limit_per_hour"] == {"from": 100, "to": 5}
    assert set(audit.detail["changes"]) == {"rate_limit_per_hour", "mapping", "ip_allowlist"}


def test_a_new_signature_mode_comes_with_a_new_secret(
    session: Session, ada: Principal, flow: int
) -> None:
    webhook_id = _create(session, ada, flow)
    before = session.get(Webhook, webhook_id)
    assert before is not None
    old = before.secret_encrypted
    changed = webhooks.update_webhook(
        session,
        principal=ada,
        webhook_id=webhook_id,
        data=WebhookUpdate(signature_mode="github"),  # type: ignore[arg-type]
    )
    assert changed.secret and changed.signature_mode == "github"
    row = session.get(Webhook, webhook_id)
    assert row is not None and row.secret_encrypted != old
    assert decrypt_secret(row.secret_encrypted or "") == changed.secret
    assert changed.secret not in _audit_text(session)
    unsigned = webhooks.update_webhook(
        session,
        principal=ada,
        webhook_id=webhook_id,
        data=WebhookUpdate(signature_mode="none"),  # type: ignore[arg-type]
    )
    assert unsigned.secret is None and unsigned.unsigned
    assert session.get(Webhook, webhook_id).secret_encrypted is None  # type: ignore[union-attr]


def test_regenerate_keeps_the_old_secret_for_the_grace_period_only_when_asked(
    session: Session, ada: Principal, flow: int
) -> None:
    created = webhooks.create_webhook(
        session, principal=ada, workflow_id=flow, data=WebhookCreate()
    )
    renewed = webhooks.regenerate_secret(
        session, principal=ada, webhook_id=created.id, grace_seconds=3600
    )
    assert renewed.secret and renewed.secret != created.secret
    assert renewed.has_previous_secret_until is not None
    row = session.get(Webhook, created.id)
    assert row is not None and row.previous_secret_encrypted is not None
    assert decrypt_secret(row.previous_secret_encrypted) == created.secret
    assert decrypt_secret(row.secret_encrypted or "") == renewed.secret

    again = webhooks.regenerate_secret(session, principal=ada, webhook_id=created.id)
    assert again.has_previous_secret_until is None
    row = session.get(Webhook, created.id)
    assert row is not None and row.previous_secret_encrypted is None
    text = _audit_text(session)
    assert text.count("webhook.regenerate") == 2
    for secret in (created.secret, renewed.secret, again.secret):
        assert secret and secret not in text


def test_an_unsigned_webhook_has_no_secret_to_regenerate(
    session: Session, ada: Principal, flow: int
) -> None:
    webhook_id = _create(session, ada, flow, signature_mode="none")
    with pytest.raises(ConflictError):
        webhooks.regenerate_secret(session, principal=ada, webhook_id=webhook_id)


def test_a_version_tag_must_exist_on_the_workflow(
    session: Session, ada: Principal, flow: int
) -> None:
    with pytest.raises(InvalidInputError, match="no version tag 'production'"):
        _create(session, ada, flow, version_tag="production")
    assert session.exec(select(Webhook)).all() == []
    version_tags.tag_version(session, principal=ada, workflow_id=flow, name="production", number=1)
    webhook_id = _create(session, ada, flow, version_tag="production")
    with pytest.raises(InvalidInputError, match="no version tag 'staging'"):
        webhooks.update_webhook(
            session, principal=ada, webhook_id=webhook_id, data=WebhookUpdate(version_tag="staging")
        )
    assert session.get(Webhook, webhook_id).version_tag == "production"  # type: ignore[union-attr]


def test_enable_disable_and_delete_are_audited(session: Session, ada: Principal, flow: int) -> None:
    webhook_id = _create(session, ada, flow)
    off = webhooks.set_webhook_enabled(session, principal=ada, webhook_id=webhook_id, enabled=False)
    assert off.enabled is False
    webhooks.update_webhook(
        session, principal=ada, webhook_id=webhook_id, data=WebhookUpdate(enabled=True)
    )
    webhooks.delete_webhook(session, principal=ada, webhook_id=webhook_id)
    assert session.get(Webhook, webhook_id) is None
    actions = [a for a in session.exec(select(AuditEvent.action)).all() if a.startswith("webhook.")]
    assert actions == ["webhook.create", "webhook.disable", "webhook.enable", "webhook.delete"]
    with pytest.raises(NotFoundError):
        webhooks.get_webhook(session, principal=ada, webhook_id=webhook_id)


def test_a_second_user_neither_sees_nor_changes_them(
    session: Session, ada: Principal, bob: Principal, flow: int
) -> None:
    webhook_id = _create(session, ada, flow)
    assert webhooks.list_webhooks(session, principal=bob).items == []
    calls = [
        lambda: webhooks.get_webhook(session, principal=bob, webhook_id=webhook_id),
        lambda: webhooks.update_webhook(
            session, principal=bob, webhook_id=webhook_id, data=WebhookUpdate(name="x")
        ),
        lambda: webhooks.regenerate_secret(session, principal=bob, webhook_id=webhook_id),
        lambda: webhooks.set_webhook_enabled(
            session, principal=bob, webhook_id=webhook_id, enabled=False
        ),
        lambda: webhooks.delete_webhook(session, principal=bob, webhook_id=webhook_id),
        lambda: webhooks.create_webhook(
            session, principal=bob, workflow_id=flow, data=WebhookCreate()
        ),
    ]
    for call in calls:
        with pytest.raises(NotFoundError):
            call()
    admin = member(session, Role.ADMIN, "root@example.com")
    assert [w.id for w in webhooks.list_webhooks(session, principal=admin).items] == [webhook_id]


def test_a_viewer_reads_them_but_changes_nothing(
    session: Session, ada: Principal, bob: Principal, flow: int
) -> None:
    webhook_id = _create(session, ada, flow)
    sharing.share_workflow(
        session,
        principal=ada,
        workflow_id=flow,
        data=ShareCreate(email="bob@example.com", permission=SharePermission.VIEWER),
    )
    seen = webhooks.get_webhook(session, principal=bob, webhook_id=webhook_id)
    assert seen.access == ["read"]
    listed = webhooks.list_webhooks(session, principal=bob, workflow_id=flow)
    assert [w.access for w in listed.items] == [["read"]]
    with pytest.raises(PermissionDeniedError):
        webhooks.regenerate_secret(session, principal=bob, webhook_id=webhook_id)
    with pytest.raises(PermissionDeniedError):
        webhooks.create_webhook(session, principal=bob, workflow_id=flow, data=WebhookCreate())


def test_lists_filter_by_workflow_and_leave_out_deleted_workflows(
    session: Session, ada: Principal, flow: int
) -> None:
    other = workflows.create_workflow(
        session, principal=ada, data=WorkflowCreate(name="Other", definition=greeting())
    ).id
    first, second = _create(session, ada, flow), _create(session, ada, other)
    assert [w.id for w in webhooks.list_webhooks(session, principal=ada).items] == [second, first]
    only = webhooks.list_webhooks(session, principal=ada, workflow_id=flow)
    assert [w.id for w in only.items] == [first] and only.total == 1
    workflows.delete_workflow(session, principal=ada, workflow_id=other)
    assert [w.id for w in webhooks.list_webhooks(session, principal=ada).items] == [first]
    with pytest.raises(NotFoundError):
        webhooks.get_webhook(session, principal=ada, webhook_id=second)


@pytest.mark.parametrize(
    "settings",
    [
        {"ip_allowlist": ["10.0.0.0/33"]},
        {"ip_allowlist": ["example.com"]},
        {"mapping": "body.["},
        {"mapping": "body | | x"},
        {"rate_limit_per_hour": 0},
        {"rate_limit_per_hour": 100_001},
        {"body_limit_bytes": 0},
        {"body_limit_bytes": 10 * 1024 * 1024 + 1},
        {"respond_timeout_seconds": 0.5},
        {"respond_timeout_seconds": 121},
        {"token_header": "X Token"},
        {"version_tag": "no spaces"},
        {"signature_mode": "md5"},
        {"enabled": "yes"},
        {"secret": "mine"},
    ],
)
def test_bad_settings_are_refused(settings: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        WebhookCreate.model_validate(settings)
    with pytest.raises(ValidationError):
        WebhookUpdate.model_validate(settings)


def test_good_settings_are_normalised() -> None:
    data = WebhookCreate.model_validate(
        {"ip_allowlist": [" 192.168.1.7/24", "::1", "192.168.1.0/24"], "mapping": "  "}
    )
    assert data.ip_allowlist == ["192.168.1.0/24", "::1/128"] and data.mapping is None
    assert SecretRegenerate().grace_seconds == 0
    with pytest.raises(ValidationError):
        SecretRegenerate(grace_seconds=-1)
