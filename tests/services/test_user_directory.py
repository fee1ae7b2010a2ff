"""What the users and join pages read: last logins, open invitations, who sent a link."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session

from app.models.account import Role, User
from app.models.types import utc_now
from app.services.errors import NotFoundError, PermissionDeniedError
from app.services.invites import accept_invite, create_invite
from app.services.user_directory import invite_details, open_invites, users_with_last_login
from app.services.user_sessions import start_session
from tests.services.accounts_builders import PASSWORD, member, owner


def test_users_are_listed_with_their_newest_login_and_only_to_admins(session: Session) -> None:
    ada = owner(session)
    bob = member(session, Role.EDITOR, "bob@example.com")
    user = session.get(User, ada.user_id)
    assert user is not None
    earlier = utc_now() - timedelta(days=2)
    start_session(session, user=user, now=earlier)
    start_session(session, user=user, now=earlier + timedelta(days=1))
    session.flush()

    listed = {row.email: row for row in users_with_last_login(session, principal=ada)}

    assert listed["ada@example.com"].last_login_at == earlier + timedelta(days=1)
    assert listed["bob@example.com"].last_login_at is None
    assert listed["bob@example.com"].role == "editor"
    with pytest.raises(PermissionDeniedError):
        users_with_last_login(session, principal=bob)


def test_open_invitations_leave_out_used_and_expired_ones(session: Session) -> None:
    ada = owner(session)
    _, used = create_invite(session, principal=ada, role=Role.VIEWER)
    create_invite(session, principal=ada, role=Role.EDITOR)
    accept_invite(session, token=used, email="vic@example.com", name="Vic", password=PASSWORD)
    session.flush()

    shown = open_invites(session, principal=ada)

    assert [(invite.role, invite.invited_by) for invite in shown] == [("editor", "ada@example.com")]
    assert open_invites(session, principal=ada, now=utc_now() + timedelta(days=8)) == []
    editor = member(session, Role.EDITOR, "ed@example.com")
    with pytest.raises(PermissionDeniedError):
        open_invites(session, principal=editor)


def test_a_link_tells_who_invited_and_as_what_until_it_is_used(session: Session) -> None:
    ada = owner(session)
    _, token = create_invite(session, principal=ada, role=Role.ADMIN)

    details = invite_details(session, token=token)

    assert (details.role, details.invited_by) == ("admin", "Ada (ada@example.com)")
    accept_invite(session, token=token, email="al@example.com", name="Al", password=PASSWORD)
    with pytest.raises(NotFoundError):
        invite_details(session, token=token)
    with pytest.raises(NotFoundError):
        invite_details(session, token="not-a-token")
