"""The audit page's reads: filters by actor, action, kind and day, a total, the vocabulary."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session

from app.models.account import Role
from app.models.audit import AuditEvent
from app.models.types import utc_now
from app.services.audit import record_audit
from app.services.audit_log import AuditFilter, audit_page, audit_vocabulary
from app.services.errors import PermissionDeniedError
from tests.services.accounts_builders import member, owner


def test_the_audit_page_filters_by_actor_action_kind_and_day_and_counts_them(
    session: Session,
) -> None:
    ada = owner(session)
    bob = member(session, Role.ADMIN, "bob@example.com")
    now = utc_now()
    record_audit(session, actor=bob, action="workflow.update", object_type="workflow")
    record_audit(session, actor=ada, action="workflow.delete", object_type="workflow")
    old = AuditEvent(at=now - timedelta(days=3), actor="x", action="login", object_type="session")
    session.add(old)
    session.flush()

    def shown(**where: Any) -> list[str]:
        page = audit_page(session, principal=ada, where=AuditFilter(**where), offset=0, limit=50)
        assert page.total == len(page.items)
        return [event.action for event in page.items]

    assert shown(actor_user_id=bob.user_id) == ["workflow.update"]
    assert shown(object_type="workflow") == ["workflow.delete", "workflow.update"]
    assert shown(action="login") == ["login"]
    assert shown(until=now - timedelta(days=1)) == ["login"]
    assert "login" not in shown(since=now - timedelta(days=1))
    second = audit_page(session, principal=ada, where=AuditFilter(), offset=1, limit=1)
    assert second.total == 4 and len(second.items) == 1
    actions, kinds = audit_vocabulary(session, principal=ada)
    assert actions == ["login", "user.create", "workflow.delete", "workflow.update"]
    assert kinds == ["session", "user", "workflow"]
    viewer = member(session, Role.VIEWER, "vi@example.com")
    with pytest.raises(PermissionDeniedError):
        audit_page(session, principal=viewer, where=AuditFilter(), offset=0, limit=5)
    with pytest.raises(PermissionDeniedError):
        audit_vocabulary(session, principal=viewer)
