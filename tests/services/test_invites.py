"""Invitations: one-time, 7 days, admins only, on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from app.models.account import Invite, Role
from app.models.audit import AuditEvent
from app.services.accounts import change_role, set_active
from app.services.errors import ConflictError, NotFoundError, PermissionDeniedError
from app.services.invites import accept_invite, create_invite, pending_invite
from app.services.login import log_in
from tests.services.accounts_builders import PASSWORD, member, owner


def test_an_invitation_makes_one_user_with_its_role_and_then_is_spent(session: Session) -> None:
    ada = owner(session)
    expires_at, token = create_invite(session, principal=ada, role=Role.VIEWER)
    stored = session.exec(select(Invite)).one()
    assert token not in stored.token_hash
    assert timedelta(days=6, hours=23) < expires_at - stored.created_at <= timedelta(days=7)

    viewer = accept_invite(
        session, token=token, email="Vic@Example.com", name="Vic", password=PASSWORD
    )
    assert (viewer.email, viewer.role) == ("vic@example.com", "viewer")
    assert log_in(session, email="vic@example.com", password=PASSWORD).token
    with pytest.raises(NotFoundError, match="not valid"):
        accept_invite(session, token=token, email="eve@example.com", name="Eve", password=PASSWORD)
    actions = session.exec(select(AuditEvent.action)).all()
    assert "invite.create" in actions and "invite.accept" in actions


def test_an_expired_or_unknown_invitation_is_refused(session: Session) -> None:
    ada = owner(session)
    _, token = create_invite(session, principal=ada, role=Role.EDITOR)
    stored = session.exec(select(Invite)).one()
    with pytest.raises(NotFoundError):
        pending_invite(session, token=token, now=stored.expires_at)
    with pytest.raises(NotFoundError):
        pending_invite(session, token="made-up")


def test_only_admins_invite_and_an_address_is_used_once(session: Session) -> None:
    ada = owner(session)
    editor = member(session, Role.EDITOR)
    with pytest.raises(PermissionDeniedError):
        create_invite(session, principal=editor, role=Role.VIEWER)
    _, token = create_invite(session, principal=ada, role=Role.ADMIN)
    with pytest.raises(ConflictError, match="already an account"):
        accept_invite(session, token=token, email="editor@example.com", name="E", password=PASSWORD)
    # The failed attempt did not spend the link.
    assert pending_invite(session, token=token)


@pytest.mark.parametrize("change", ["demote", "deactivate"])
def test_pending_invitations_end_when_their_admin_is_demoted_or_deactivated(
    session: Session, change: str
) -> None:
    ada = owner(session)
    admin = member(session, Role.ADMIN)
    _, token = create_invite(session, principal=admin, role=Role.EDITOR)
    _, owners_token = create_invite(session, principal=ada, role=Role.EDITOR)
    assert pending_invite(session, token=token)
    if change == "demote":
        change_role(session, principal=ada, user_id=admin.user_id, role=Role.EDITOR)
    else:
        set_active(session, principal=ada, user_id=admin.user_id, active=False)
    with pytest.raises(NotFoundError, match="not valid"):
        accept_invite(session, token=token, email="eve@example.com", name="Eve", password=PASSWORD)
    assert accept_invite(
        session, token=owners_token, email="eve@example.com", name="Eve", password=PASSWORD
    )
