"""The webhook UI's calls to the webhook services (each on a worker thread via `run_db`)."""

from __future__ import annotations

from app.models.webhook_schemas import (
    MappingPreview,
    WebhookCallPublic,
    WebhookCreate,
    WebhookCreated,
    WebhookPublic,
    WebhookUpdate,
)
from app.services import versions, webhook_calls, webhooks
from app.services.principal import Principal
from app.services.unit_of_work import session_scope

PAGE = 200
# Versions read to collect the workflow's tags for the version select.
TAG_SCAN = 200


def read_webhooks(principal: Principal, workflow_id: int | None) -> list[tuple[WebhookPublic, int]]:
    """The webhooks the caller may see (of one workflow, or all), each with the status code
    of its last call (0: never called)."""
    with session_scope(read_only=True) as session:
        page = webhooks.list_webhooks(
            session, principal=principal, workflow_id=workflow_id, limit=PAGE
        )
        rows = []
        for hook in page.items:
            calls = webhook_calls.list_webhook_calls(
                session, principal=principal, webhook_id=hook.id, limit=1
            )
            rows.append((hook, calls[0].status_code if calls else 0))
        return rows


def read_tags(principal: Principal, workflow_id: int) -> list[str]:
    """The workflow's version tags (for the "run this tag" select)."""
    with session_scope(read_only=True) as session:
        page = versions.list_versions(
            session, principal=principal, workflow_id=workflow_id, limit=TAG_SCAN
        )
    return sorted({tag for item in page.items for tag in item.tags})


def create(principal: Principal, workflow_id: int, data: WebhookCreate) -> WebhookCreated:
    """A new webhook on the workflow, with its secret (shown once)."""
    with session_scope() as session:
        return webhooks.create_webhook(
            session, principal=principal, workflow_id=workflow_id, data=data
        )


def update(principal: Principal, webhook_id: int, data: WebhookUpdate) -> WebhookCreated:
    """Change a webhook's settings (a new signature mode comes with a new secret)."""
    with session_scope() as session:
        return webhooks.update_webhook(
            session, principal=principal, webhook_id=webhook_id, data=data
        )


def regenerate(principal: Principal, webhook_id: int, grace_seconds: int) -> WebhookCreated:
    """A new secret; the old one keeps working for `grace_seconds`."""
    with session_scope() as session:
        return webhooks.regenerate_secret(
            session, principal=principal, webhook_id=webhook_id, grace_seconds=grace_seconds
        )


def set_enabled(principal: Principal, webhook_id: int, enabled: bool) -> WebhookPublic:
    """Enable or disable a webhook."""
    with session_scope() as session:
        return webhooks.set_webhook_enabled(
            session, principal=principal, webhook_id=webhook_id, enabled=enabled
        )


def delete(principal: Principal, webhook_id: int) -> WebhookPublic:
    """Delete a webhook and its call log."""
    with session_scope() as session:
        return webhooks.delete_webhook(session, principal=principal, webhook_id=webhook_id)


def read_calls(principal: Principal, webhook_id: int) -> list[WebhookCallPublic]:
    """The webhook's last 100 calls, newest first."""
    with session_scope(read_only=True) as session:
        return webhook_calls.list_webhook_calls(session, principal=principal, webhook_id=webhook_id)


def last_call(principal: Principal, webhook_id: int) -> MappingPreview:
    """The input the webhook's last real call gave its run."""
    with session_scope(read_only=True) as session:
        return webhook_calls.last_call_mapping(session, principal=principal, webhook_id=webhook_id)
