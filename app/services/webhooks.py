"""Webhook management: create, change, list, regenerate the secret, enable, delete.

A webhook belongs to its workflow: reading it needs READ on the workflow, every change
needs CHANGE; a webhook of a workflow the caller cannot see is not found. Secrets are
stored encrypted (`webhook_secrets.encrypt_secret`) and answered only once, in a
`WebhookCreated`: at creation, on regenerate and when the signature mode changes (a new mode
needs a secret of its own, so it comes with one and the old one stops at once). Every change
is one transaction with its audit row, which never holds a secret.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.models.sharing import WorkflowShare
from app.models.types import utc_now
from app.models.webhook import RespondMode, SignatureMode, Webhook
from app.models.webhook_schemas import (
    HOOKS_PATH,
    WebhookCreate,
    WebhookCreated,
    WebhookPublic,
    WebhooksPage,
    WebhookUpdate,
)
from app.models.workflow import Workflow
from app.services.access import Action, granted, visible_to
from app.services.audit import record_audit
from app.services.errors import ConflictError, InvalidInputError, NotFoundError
from app.services.principal import Principal
from app.services.version_tags import check_tag_exists
from app.services.webhook_secrets import encrypt_secret, new_public_id, new_secret
from app.services.workflows import authorized_workflow

MAX_PAGE = 200
# Settings an update may change, as audited (old and new values); never the secret.
SETTINGS = tuple(name for name in WebhookUpdate.model_fields if name != "enabled")

__all__ = [
    "authorized_webhook",
    "create_webhook",
    "delete_webhook",
    "get_webhook",
    "list_webhooks",
    "regenerate_secret",
    "set_webhook_enabled",
    "update_webhook",
    "webhook_public",
]


def webhook_public(
    webhook: Webhook, workflow: Workflow, actions: frozenset[Action]
) -> WebhookPublic:
    """What callers see of a webhook: every setting, no secret."""
    assert webhook.id is not None
    now = utc_now()
    previous_until = webhook.previous_secret_expires_at
    if webhook.previous_secret_encrypted is None or (previous_until and previous_until <= now):
        previous_until = None
    return WebhookPublic(
        id=webhook.id,
        public_id=webhook.public_id,
        path=f"{HOOKS_PATH}{webhook.public_id}",
        workflow_id=webhook.workflow_id,
        workflow_name=workflow.name,
        owner_id=workflow.owner_id,
        name=webhook.name,
        enabled=webhook.enabled,
        signature_mode=SignatureMode(webhook.signature_mode),
        unsigned=webhook.signature_mode == SignatureMode.NONE.value,
        token_header=webhook.token_header,
        rate_limit_per_hour=webhook.rate_limit_per_hour,
        ip_allowlist=list(webhook.ip_allowlist),
        body_limit_bytes=webhook.body_limit_bytes,
        mapping=webhook.mapping,
        respond_mode=RespondMode(webhook.respond_mode),
        respond_timeout_seconds=webhook.respond_timeout_seconds,
        version_tag=webhook.version_tag,
        has_previous_secret_until=previous_until,
        last_called_at=webhook.last_called_at,
        created_at=webhook.created_at,
        updated_at=webhook.updated_at,
        access=sorted(actions),
    )


def _created(public: WebhookPublic, secret: str | None) -> WebhookCreated:
    return WebhookCreated(**public.model_dump(), secret=secret)


def authorized_webhook(
    session: Session, principal: Principal, webhook_id: int, action: Action
) -> tuple[Webhook, Workflow, frozenset[Action]]:
    """The webhook, its workflow and what the caller may do with it, when that has `action`.

    Raises:
        NotFoundError: no such webhook, its workflow is deleted or the caller cannot see it.
        PermissionDeniedError: the caller may see it but not do `action`.
    """
    webhook = session.get(Webhook, webhook_id)
    if webhook is None:
        raise NotFoundError(f"Webhook {webhook_id} not found")
    try:
        workflow, actions = authorized_workflow(session, principal, webhook.workflow_id, action)
    except NotFoundError:
        raise NotFoundError(f"Webhook {webhook_id} not found") from None
    return webhook, workflow, actions


def _audit(
    session: Session,
    principal: Principal,
    action: str,
    webhook: Webhook,
    detail: dict[str, Any] | None = None,
) -> None:
    record_audit(
        session,
        actor=principal,
        action=f"webhook.{action}",
        object_type="webhook",
        object_id=webhook.id or "",
        detail={"workflow_id": webhook.workflow_id, "name": webhook.name, **(detail or {})},
    )


def _set_secret(webhook: Webhook, mode: SignatureMode) -> str | None:
    """Give the webhook a fresh secret for `mode` (stored encrypted); return it in clear."""
    secret = new_secret(mode)
    webhook.secret_encrypted = encrypt_secret(secret) if secret is not None else None
    return secret


def _settings(webhook: Webhook) -> dict[str, Any]:
    return {name: getattr(webhook, name) for name in SETTINGS}


def create_webhook(
    session: Session, *, principal: Principal, workflow_id: int, data: WebhookCreate
) -> WebhookCreated:
    """A new webhook on a workflow, with its secret (answered this once).

    Raises:
        NotFoundError: no such workflow, or the caller may not see it.
        PermissionDeniedError: the caller may not change the workflow.
        InvalidInputError: `version_tag` names no tag of the workflow.
    """
    workflow, actions = authorized_workflow(session, principal, workflow_id, Action.CHANGE)
    check_tag_exists(session, workflow_id=workflow_id, tag=data.version_tag)
    now = utc_now()
    webhook = Webhook(
        public_id=new_public_id(),
        workflow_id=workflow_id,
        created_by=principal.user_id or None,
        **data.model_dump(mode="json"),
        created_at=now,
        updated_at=now,
    )
    secret = _set_secret(webhook, data.signature_mode)
    session.add(webhook)
    session.flush()
    _audit(session, principal, "create", webhook, _settings(webhook))
    return _created(webhook_public(webhook, workflow, actions), secret)


def get_webhook(session: Session, *, principal: Principal, webhook_id: int) -> WebhookPublic:
    """One webhook (no secret).

    Raises:
        NotFoundError: no such webhook, or the caller may not see its workflow.
    """
    webhook, workflow, actions = authorized_webhook(session, principal, webhook_id, Action.READ)
    return webhook_public(webhook, workflow, actions)


def list_webhooks(
    session: Session,
    *,
    principal: Principal,
    workflow_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> WebhooksPage:
    """The webhooks of the workflows the caller may see, newest first.

    Args:
        principal: the caller (admins see all; others those of their own and shared workflows).
        workflow_id: only this workflow's webhooks.
        limit: page size (1..200).
        offset: rows to skip.
    """
    if offset < 0 or not 1 <= limit <= MAX_PAGE:
        raise InvalidInputError(f"offset must be >= 0 and limit between 1 and {MAX_PAGE}")
    conditions = [visible_to(principal), col(Workflow.deleted_at).is_(None)]
    if workflow_id is not None:
        conditions.append(col(Webhook.workflow_id) == workflow_id)
    total = session.exec(
        select(func.count())
        .select_from(Webhook)
        .join(Workflow, col(Workflow.id) == Webhook.workflow_id)
        .where(*conditions)
    ).one()
    share = (
        select(WorkflowShare.permission)
        .where(
            col(WorkflowShare.workflow_id) == col(Workflow.id),
            col(WorkflowShare.user_id) == principal.user_id,
        )
        .scalar_subquery()
    )
    rows = session.exec(
        select(Webhook, Workflow, share)
        .join(Workflow, col(Workflow.id) == Webhook.workflow_id)
        .where(*conditions)
        .order_by(col(Webhook.id).desc())
        .offset(offset)
        .limit(limit)
    ).all()
    items = [
        webhook_public(webhook, workflow, granted(principal, workflow.owner_id, permission))
        for webhook, workflow, permission in rows
    ]
    return WebhooksPage(items=items, total=total)


def update_webhook(
    session: Session, *, principal: Principal, webhook_id: int, data: WebhookUpdate
) -> WebhookCreated:
    """Change the settings sent; a new signature mode comes with a new secret.

    Returns:
        The webhook; `secret` is the new one when the mode changed (null otherwise, and for
        mode `none`).

    Raises:
        NotFoundError: no such webhook, or the caller may not see its workflow.
        PermissionDeniedError: the caller may not change the workflow.
        InvalidInputError: `version_tag` names no tag of the workflow.
    """
    webhook, workflow, actions = authorized_webhook(session, principal, webhook_id, Action.CHANGE)
    before = _settings(webhook)
    sent = data.model_dump(mode="json", include=data.model_fields_set)
    if "version_tag" in sent:
        check_tag_exists(session, workflow_id=webhook.workflow_id, tag=sent["version_tag"])
    nullable = {"mapping", "version_tag"}
    changes = {k: v for k, v in sent.items() if v is not None or k in nullable}
    enabled = changes.pop("enabled", None)
    secret = None
    mode = changes.get("signature_mode")
    if mode is not None and mode != webhook.signature_mode:
        secret = _set_secret(webhook, SignatureMode(mode))
        webhook.previous_secret_encrypted = None
        webhook.previous_secret_expires_at = None
    for name, value in changes.items():
        setattr(webhook, name, value)
    after = _settings(webhook)
    changed = {k: {"from": before[k], "to": after[k]} for k in after if before[k] != after[k]}
    if changed:
        webhook.updated_at = utc_now()
        session.add(webhook)
        session.flush()
        _audit(session, principal, "update", webhook, {"changes": changed})
    if enabled is not None:
        _enable(session, principal, webhook, enabled)
    return _created(webhook_public(webhook, workflow, actions), secret)


def regenerate_secret(
    session: Session, *, principal: Principal, webhook_id: int, grace_seconds: int = 0
) -> WebhookCreated:
    """A new secret for the webhook (answered this once).

    Args:
        grace_seconds: how long the old secret keeps working (0: it stops at once).

    Raises:
        NotFoundError: no such webhook, or the caller may not see its workflow.
        PermissionDeniedError: the caller may not change the workflow.
        ConflictError: the webhook checks no signature (mode `none`), so it has no secret.
        InvalidInputError: a negative grace period.
    """
    if grace_seconds < 0:
        raise InvalidInputError("grace_seconds must be 0 or more")
    webhook, workflow, actions = authorized_webhook(session, principal, webhook_id, Action.CHANGE)
    mode = SignatureMode(webhook.signature_mode)
    if mode is SignatureMode.NONE:
        raise ConflictError("This webhook checks no signature, so it has no secret to renew")
    now = utc_now()
    if grace_seconds > 0 and webhook.secret_encrypted is not None:
        webhook.previous_secret_encrypted = webhook.secret_encrypted
        webhook.previous_secret_expires_at = now + timedelta(seconds=grace_seconds)
    else:
        webhook.previous_secret_encrypted = None
        webhook.previous_secret_expires_at = None
    secret = _set_secret(webhook, mode)
    webhook.updated_at = now
    session.add(webhook)
    session.flush()
    _audit(session, principal, "regenerate", webhook, {"grace_seconds": grace_seconds})
    return _created(webhook_public(webhook, workflow, actions), secret)


def _enable(session: Session, principal: Principal, webhook: Webhook, enabled: bool) -> None:
    if webhook.enabled != enabled:
        webhook.enabled = enabled
        webhook.updated_at = utc_now()
        session.add(webhook)
        session.flush()
        _audit(session, principal, "enable" if enabled else "disable", webhook)


def set_webhook_enabled(
    session: Session, *, principal: Principal, webhook_id: int, enabled: bool
) -> WebhookPublic:
    """Enable or disable a webhook (a disabled one refuses every call).

    Raises:
        NotFoundError: no such webhook, or the caller may not see its workflow.
        PermissionDeniedError: the caller may not change the workflow.
    """
    webhook, workflow, actions = authorized_webhook(session, principal, webhook_id, Action.CHANGE)
    _enable(session, principal, webhook, enabled)
    return webhook_public(webhook, workflow, actions)


def delete_webhook(session: Session, *, principal: Principal, webhook_id: int) -> WebhookPublic:
    """Delete a webhook, its call log and its delivery ids.

    Returns:
        The webhook as it was.

    Raises:
        NotFoundError: no such webhook, or the caller may not see its workflow.
        PermissionDeniedError: the caller may not change the workflow.
    """
    webhook, workflow, actions = authorized_webhook(session, principal, webhook_id, Action.CHANGE)
    public = webhook_public(webhook, workflow, actions)
    _audit(session, principal, "delete", webhook)
    session.delete(webhook)
    session.flush()
    return public
