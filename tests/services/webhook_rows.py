"""Rows a webhook test needs: a user, a workflow of theirs and a webhook on it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from app.models.account import User
from app.models.types import utc_now
from app.models.webhook import Webhook
from app.models.workflow import Workflow
from app.services.webhook_secrets import new_public_id


def hook_row(engine: Engine, definition: dict[str, Any] | None = None, **fields: Any) -> int:
    """Insert an owner, a workflow (of `definition`, else an empty one) and a webhook (mode
    `none` unless told); its id."""
    now = utc_now()
    with Session(engine) as session:
        owner = User(
            email=f"{new_public_id()}@example.com",
            name="Owner",
            password_hash="x",
            role="owner",
            created_at=now,
            updated_at=now,
        )
        session.add(owner)
        session.flush()
        workflow = Workflow(
            name="w", definition=definition or {}, owner_id=owner.id, created_at=now, updated_at=now
        )
        session.add(workflow)
        session.flush()
        assert workflow.id is not None
        values: dict[str, Any] = {"signature_mode": "none", **fields}
        hook = Webhook(
            public_id=new_public_id(),
            workflow_id=workflow.id,
            created_at=now,
            updated_at=now,
            **values,
        )
        session.add(hook)
        session.commit()
        assert hook.id is not None
        return hook.id
