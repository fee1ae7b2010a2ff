"""The audit log: rows join the change's transaction; only owner and admins read it."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from app.models.account import Role, User
from app.models.audit import AuditEvent
from app.services.accounts import set_active
from app.services.audit import list_audit
from app.services.errors import PermissionDeniedError
from tests.services.accounts_builders import member, owner


class Boom(Exception):
    """A failure after the change, before the commit."""


def test_a_change_that_fails_leaves_no_audit_row_and_a_change_always_has_one(
    engine: Engine,
) -> None:
    with Session(engine) as session:
        ada = owner(session)
        bob = member(session, Role.EDITOR, "bob@example.com")
        session.commit()
    with pytest.raises(Boom), Session(engine) as session:
        set_active(session, principal=ada, user_id=bob.user_id, active=False)
        raise Boom
    with Session(engine) as session:
        assert session.get(User, bob.user_id).active  # type: ignore[union-attr]
        assert "user.deactivate" not in session.exec(select(AuditEvent.action)).all()
        set_active(session, principal=ada, user_id=bob.user_id, active=False, ip="10.0.0.7")
        session.commit()
    with Session(engine) as session:
        row = session.exec(select(AuditEvent).where(AuditEvent.action == "user.deactivate")).one()
        assert (row.actor, row.actor_user_id, row.object_id, row.ip) == (
            "ada@example.com",
            ada.user_id,
            str(bob.user_id),
            "10.0.0.7",
        )


def test_only_owner_and_admins_read_the_log_newest_first(session: Session) -> None:
    ada = owner(session)
    admin = member(session, Role.ADMIN)
    viewer = member(session, Role.VIEWER)
    set_active(session, principal=ada, user_id=viewer.user_id, active=False)
    set_active(session, principal=ada, user_id=viewer.user_id, active=True)
    session.flush()
    actions = [row.action for row in list_audit(session, principal=admin)]
    assert actions[:3] == ["user.reactivate", "user.deactivate", "user.create"]
    assert [r.action for r in list_audit(session, principal=ada, action="user.deactivate")] == [
        "user.deactivate"
    ]
    with pytest.raises(PermissionDeniedError):
        list_audit(session, principal=viewer)
