"""What the users page and the join page show: users with their last login, the invitations
still open, and who sent an invitation link (reads only; changes live in accounts/invites)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.models.account import Invite, User, UserSession
from app.models.types import utc_now
from app.services.accounts import list_users
from app.services.errors import PermissionDeniedError
from app.services.invites import pending_invite
from app.services.principal import Principal


@dataclass(frozen=True)
class UserListing:
    """A user as the users page lists them, with when they last logged in (None: never)."""

    id: int
    email: str
    name: str
    role: str
    active: bool
    created_at: datetime
    last_login_at: datetime | None


@dataclass(frozen=True)
class OpenInvite:
    """An invitation nobody has used yet and that has not expired."""

    id: int
    role: str
    invited_by: str
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class InviteDetails:
    """What the join page tells the person holding an invitation link."""

    role: str
    invited_by: str
    expires_at: datetime


def users_with_last_login(session: Session, *, principal: Principal) -> list[UserListing]:
    """Every user, owner first, with the start of their newest session (owner/admins only).

    Raises:
        PermissionDeniedError: the principal is neither owner nor admin.
    """
    users = list_users(session, principal=principal)
    last = dict(
        session.exec(
            select(UserSession.user_id, func.max(UserSession.created_at)).group_by(
                col(UserSession.user_id)
            )
        ).all()
    )
    return [
        UserListing(
            id=user.id,
            email=user.email,
            name=user.name,
            role=user.role,
            active=user.active,
            created_at=user.created_at,
            last_login_at=last.get(user.id),
        )
        for user in users
    ]


def open_invites(
    session: Session, *, principal: Principal, now: datetime | None = None
) -> list[OpenInvite]:
    """Invitations neither used nor expired, newest first (owner/admins only).

    Raises:
        PermissionDeniedError: the principal is neither owner nor admin.
    """
    if not principal.is_admin:
        raise PermissionDeniedError("Only the owner and admins can see invitations")
    rows = session.exec(
        select(Invite, User.email)
        .join(User, col(User.id) == Invite.created_by)
        .where(col(Invite.used_at).is_(None), col(Invite.expires_at) > (now or utc_now()))
        .order_by(col(Invite.id).desc())
    ).all()
    return [
        OpenInvite(
            id=invite.id or 0,
            role=invite.role,
            invited_by=email,
            created_at=invite.created_at,
            expires_at=invite.expires_at,
        )
        for invite, email in rows
    ]


def invite_details(session: Session, *, token: str) -> InviteDetails:
    """Who sent an open invitation and with which role (no login needed: the token proves it).

    Raises:
        NotFoundError: the link was used, expired or is mistyped.
    """
    invite = pending_invite(session, token=token)
    inviter = session.get(User, invite.created_by)
    invited_by = f"{inviter.name} ({inviter.email})" if inviter is not None else "an admin"
    return InviteDetails(role=invite.role, invited_by=invited_by, expires_at=invite.expires_at)
