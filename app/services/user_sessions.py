"""UI sessions kept in the database: revocable, 12 h idle and 14 days absolute lifetime."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.models.account import User, UserSession
from app.models.types import utc_now
from app.services.audit import record_audit
from app.services.credential_cache import Verified, forget_user_on_commit
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


def verify_session(session: Session, *, token: str, now: datetime | None = None) -> Verified | None:
    """Who a session token belongs to, or None when it is unknown, ended or expired.

    A session is used up to 12 h after it was last seen and 14 days after it began. Only
    reads; `touch` is set when `last_seen_at` is due to move on (at most once a minute).
    """
    if not token:
        return None
    now = now or utc_now()
    row = _session_and_user(session, token)
    if row is None:
        return None
    user_session, user = row
    valid_until = min(user_session.expires_at, user_session.last_seen_at + IDLE_TIMEOUT)
    if user_session.revoked_at is not None or not user.active or now >= valid_until:
        return None
    due = now - user_session.last_seen_at >= TOUCH_EVERY
    return Verified(
        principal_of(user),
        valid_until=valid_until,
        touch=partial(touch_session, session_id=user_session.id) if due else None,
    )


def touch_session(session: Session, now: datetime, *, session_id: int | None) -> None:
    """Move a session's `last_seen_at` to `now`, unless it moved less than a minute before."""
    session.exec(
        update(UserSession)
        .where(
            col(UserSession.id) == session_id,
            col(UserSession.last_seen_at) <= now - TOUCH_EVERY,
        )
        .values(last_seen_at=now)
    )


def session_principal(
    session: Session, *, token: str, now: datetime | None = None
) -> Principal | None:
    """`verify_session`, moving `last_seen_at` on in `session` when due (a write session)."""
    verified = verify_session(session, token=token, now=now)
    if verified is None:
        return None
    if verified.touch is not None:
        verified.touch(session, now or utc_now())
    return verified.principal


def end_session(session: Session, *, token: str, ip: str = "") -> None:
    """Log out: end the session of this token (nothing happens for an unknown token)."""
    row = _session_and_user(session, token)
    if row is None or row[0].revoked_at is not None:
        return
    user_session, user = row
    user_session.revoked_at = utc_now()
    session.add(user_session)
    forget_user_on_commit(session, user_session.user_id)
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
    forget_user_on_commit(session, user_id)


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
