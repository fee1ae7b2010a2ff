"""Invitations: a one-time link, valid 7 days, that lets a new user join with a role."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.models.account import Invite, Role, User, UserPublic, public_user
from app.models.types import utc_now
from app.services.accounts import ASSIGNABLE_ROLES, add_user
from app.services.audit import record_audit
from app.services.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from app.services.principal import Principal, principal_of
from app.services.secret_tokens import new_token, token_digest

VALID_FOR = timedelta(days=7)
INVITING_ROLES = frozenset({Role.OWNER.value, Role.ADMIN.value})
INVALID_LINK = "This invitation link is not valid: it was used, it expired, or it is mistyped"


def create_invite(
    session: Session, *, principal: Principal, role: Role, ip: str = ""
) -> tuple[datetime, str]:
    """Invite someone as admin, editor or viewer (owner and admins only).

    Returns:
        When the invitation expires, and its token (shown once, as a link to copy).
    """
    if not principal.is_admin:
        raise PermissionDeniedError("Only the owner and admins can invite users")
    if role not in ASSIGNABLE_ROLES:
        raise InvalidInputError("Invite someone as admin, editor or viewer")
    now = utc_now()
    token = new_token()
    invite = Invite(
        token_hash=token_digest(token),
        role=role.value,
        created_by=principal.user_id,
        created_at=now,
        expires_at=now + VALID_FOR,
    )
    session.add(invite)
    session.flush()
    record_audit(
        session,
        actor=principal,
        action="invite.create",
        object_type="invite",
        object_id=invite.id or "",
        ip=ip,
        detail={"role": role.value},
    )
    return invite.expires_at, token


def pending_invite(session: Session, *, token: str, now: datetime | None = None) -> Invite:
    """The unused, unexpired invitation of a token, whose inviter may still invite.

    An invitation is only as good as its inviter: once they are deactivated or no longer
    owner or admin, their pending invitations are refused.

    Raises:
        NotFoundError: no such invitation, or it was used or expired, or its inviter may no
            longer invite.
    """
    row = session.exec(
        select(Invite, User)
        .join(User, col(User.id) == Invite.created_by)
        .where(Invite.token_hash == token_digest(token))
    ).first()
    if row is None:
        raise NotFoundError(INVALID_LINK)
    invite, inviter = row
    if (
        invite.used_at is not None
        or (now or utc_now()) >= invite.expires_at
        or not inviter.active
        or inviter.role not in INVITING_ROLES
    ):
        raise NotFoundError(INVALID_LINK)
    return invite


def accept_invite(
    session: Session, *, token: str, email: str, name: str, password: str, ip: str = ""
) -> UserPublic:
    """Create the invited user; the link cannot be used again."""
    invite = pending_invite(session, token=token)
    user = add_user(session, email=email, name=name, password=password, role=Role(invite.role))
    # Claimed with one conditional UPDATE: of two acceptances at once only one changes the
    # row; the other raises, and its transaction (with its new user) is rolled back.
    claimed = session.exec(
        update(Invite)
        .where(col(Invite.id) == invite.id, col(Invite.used_at).is_(None))
        .values(used_at=utc_now(), used_by=user.id)
    )
    if claimed.rowcount != 1:
        raise NotFoundError(INVALID_LINK)
    record_audit(
        session,
        actor=principal_of(user),
        action="invite.accept",
        object_type="user",
        object_id=user.id or "",
        ip=ip,
        detail={"role": invite.role, "invite": invite.id},
    )
    return public_user(user)
