"""Logging in with an e-mail and a password, rate-limited per account and per address.

At most 10 failed attempts per account and per IP address in 15 minutes
(`app.services.login_limits`); beyond that the attempt is refused before the password is
even checked, with the time to wait.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from app.models.account import User, UserPublic, public_user
from app.models.types import utc_now
from app.services.audit import record_audit
from app.services.errors import RateLimitedError
from app.services.login_limits import admit_attempt, attempts_left_warning, clear_attempts
from app.services.passwords import hash_password, needs_rehash, verify_password
from app.services.principal import principal_of
from app.services.user_sessions import start_session

WRONG_CREDENTIALS = "The e-mail address or the password is not right."
# How the audit log names the actor of a failed login with an e-mail no account has.
UNKNOWN_USER = "unknown user"


@dataclass(frozen=True)
class LoginOutcome:
    """What a login attempt came to; the caller commits it whatever it is.

    Attributes:
        user: the user logged in, on success.
        token: the new session's token (for the cookie), on success.
        error: why it failed, for people.
        retry_after_s: set when the attempt was refused by the rate limit.
    """

    user: UserPublic | None = None
    token: str | None = None
    error: str | None = None
    retry_after_s: int | None = None


def authenticate(
    session: Session, *, email: str, password: str, ip: str = "", now: datetime | None = None
) -> tuple[User | None, LoginOutcome]:
    """Check the credentials under the rate limit; failures are recorded and audited.

    Args:
        session: a write session; the attempt is committed before the password is checked;
            commit the rest whatever the outcome.
        email: as typed (trimmed and lower-cased here).
        password: as typed.
        ip: the caller's address, for the per-address limit and the audit log.
        now: the current time (tests).

    Returns:
        The user (None on failure) and the outcome without a session token.
    """
    now = now or utc_now()
    email = email.strip().lower()[:254]
    user = session.exec(select(User).where(User.email == email)).first()
    try:
        left = admit_attempt(session, email=email, ip=ip, now=now)
    except RateLimitedError as exc:
        return None, LoginOutcome(error=exc.message, retry_after_s=exc.retry_after_s)
    if not verify_password(user.password_hash if user else None, password) or not (
        user and user.active
    ):
        record_audit(
            session,
            actor=None,
            # Only a known account's address: what was typed may be a password.
            actor_label=user.email if user else UNKNOWN_USER,
            action="login.failed",
            object_type="user",
            object_id=user.id if user and user.id else "",
            ip=ip,
        )
        return None, LoginOutcome(error=WRONG_CREDENTIALS + attempts_left_warning(left))
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        session.add(user)
    clear_attempts(session, email=email)
    record_audit(
        session,
        actor=principal_of(user),
        action="login",
        object_type="user",
        object_id=user.id or "",
        ip=ip,
    )
    return user, LoginOutcome(user=public_user(user))


def log_in(
    session: Session,
    *,
    email: str,
    password: str,
    ip: str = "",
    user_agent: str = "",
    now: datetime | None = None,
) -> LoginOutcome:
    """`authenticate`, then open a UI session.

    Returns:
        The outcome: a user and a session token, or an error (with `retry_after_s` when
        the rate limit refused it). Commit the session whatever it is.
    """
    user, outcome = authenticate(session, email=email, password=password, ip=ip, now=now)
    if user is None:
        return outcome
    token = start_session(session, user=user, ip=ip, user_agent=user_agent, now=now)
    return LoginOutcome(user=outcome.user, token=token)
