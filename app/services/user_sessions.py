"""UI sessions kept in the database: revocable, 12 h idle and 14 days absolute lifetime."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.models.account import User, UserSession
from app.models.types import utc_now
from app.services.audit import record_audit
from app.services.principal import Principal, principal_of
from app.services.secret_tokens import new_token, token_digest

# The cookie that carries a session's token (HttpOnly: page scripts never see it).
SESSION_COOKIE = "flowbook_session"
IDLE_TIMEOUT = timedelta(hours=12)
ABSOLUTE_LIFETIME = timedelta(days=14)
# `last_seen_at` is refreshed at most this often, so most requests only read.
TOUCH_EVERY = timedelta(minutes=1)


def _session_and_user(session: Session, token: str) -> tuple[UserSession, User] | None:
    row = session.exec(
        select(UserSession, User)
        .join(User, col(User.id) == UserSession.user_id)
        .where(UserSession.token_hash == token_digest(token))
    ).first()
    return (row[0], row[1]) if row else None


def start_session(
    session: Session, *, user: User, ip: str = "", user_agent: str = "", now: datetime | None = None
) -> str:
    """Open a session for `user` and return its token (for the cookie; never stored)."""
    assert user.id is not None
    now = now or utc_now()
    token = new_token()
    session.add(
        UserSession(
            user_id=user.id,
            token_hash=token_digest(token),
            created_at=now,
            last_seen_at=now,
            expires_at=now + ABSOLUTE_LIFETIME,
            ip=ip[:64],
            user_agent=user_agent[:300],
        )
    )
    return token


def session_principal(
    session: Session, *, token: str, now: datetime | None = None
) -> Principal | None:
    """Who a session token belongs to, or None when it is unknown, ended or expired.

    A session is used up to 12 h after it was last seen and 14 days after it began; each
    use (at most once a minute) moves `last_seen_at` on.
    """
    if not token:
        return None
    now = now or utc_now()
    row = _session_and_user(session, token)
    if row is None:
        return None
    user_session, user = row
    if (
        user_session.revoked_at is not None
        or not user.active
        or now >= user_session.expires_at
        or now >= user_session.last_seen_at + IDLE_TIMEOUT
    ):
        return None
    if now - user_session.last_seen_at >= TOUCH_EVERY:
        user_session.last_seen_at = now
        session.add(user_session)
    return principal_of(user)


def end_session(session: Session, *, token: str, ip: str = "") -> None:
    """Log out: end the session of this token (nothing happens for an unknown token)."""
    row = _session_and_user(session, token)
    if row is None or row[0].revoked_at is not None:
        return
    user_session, user = row
    user_session.revoked_at = utc_now()
    session.add(user_session)
    record_audit(
        session,
        actor=principal_of(user),
        action="logout",
        object_type="session",
        object_id=user_session.id or "",
        ip=ip,
    )


def revoke_sessions(session: Session, *, user_id: int, keep_token: str | None = None) -> None:
    """End every open session of a user, but the one of `keep_token` when given."""
    which = (col(UserSession.user_id) == user_id) & col(UserSession.revoked_at).is_(None)
    if keep_token:
        which = which & (col(UserSession.token_hash) != token_digest(keep_token))
    session.exec(update(UserSession).where(which).values(revoked_at=utc_now()))


def end_all_sessions(session: Session, *, principal: Principal, ip: str = "") -> None:
    """Log out everywhere: end every session of the principal's user."""
    revoke_sessions(session, user_id=principal.user_id)
    record_audit(
        session,
        actor=principal,
        action="logout.everywhere",
        object_type="user",
        object_id=principal.user_id,
        ip=ip,
    )
