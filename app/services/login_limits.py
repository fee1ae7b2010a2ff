"""The limit on password guesses: at most 10 failed attempts per account and per IP address
in 15 minutes, for logging in and for the current password of a password change alike.

Attempts are kept under the SHA-256 of the e-mail address typed (`attempt_key`), never the
text itself: a password typed into the e-mail field must not be stored.

Each attempt is counted before the password is checked, and committed on its own: guesses
sent in parallel are all counted, so none of them gets past the limit while the others are
still being checked. A success takes the account's attempts back (`clear_attempts`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, text
from sqlmodel import Session, col, select

from app.models.account import LoginAttempt
from app.services.errors import RateLimitedError
from app.services.secret_tokens import token_digest

MAX_FAILURES = 10
WINDOW = timedelta(minutes=15)


def _used(session: Session, column: str, value: str, now: datetime) -> tuple[int, int | None]:
    """How many attempts `value` made in the window, and the seconds to wait when that is
    all of them (else None)."""
    field = col(getattr(LoginAttempt, column))
    count, oldest = session.exec(
        select(func.count(), func.min(LoginAttempt.at)).where(
            field == value, col(LoginAttempt.at) > now - WINDOW
        )
    ).one()
    if count < MAX_FAILURES:
        return count, None
    return count, max(1, int((oldest + WINDOW - now).total_seconds()) + 1)


def attempt_key(email: str) -> str:
    """What an attempt stores for the e-mail address typed: its SHA-256 (hex)."""
    return token_digest(email)


def _minutes(seconds: int) -> str:
    minutes = -(-seconds // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def admit_attempt(session: Session, *, email: str, ip: str, now: datetime) -> int:
    """Count one password attempt for `email` and `ip`, or refuse it; then commit `session`.

    Args:
        session: a write session; it is committed here (read what the check needs before),
            so the attempt counts even when the caller's work fails later, and the password
            is checked outside any transaction.
        email: the account's e-mail address as typed (trimmed, lower-cased).
        ip: the caller's address ("" when unknown: then only the account is limited).
        now: the current time.

    Returns:
        How many attempts are left after this one, should it fail.

    Raises:
        RateLimitedError: the account or the address used up its attempts (with the wait).
    """
    if session.get_bind().dialect.name == "postgresql":
        # Counting and recording must not interleave between two attempts (SQLite's
        # BEGIN IMMEDIATE already serialises them).
        session.connection().execute(text("LOCK TABLE login_attempts IN SHARE ROW EXCLUSIVE MODE"))
    # Attempts older than the window count no more: each attempt sweeps them all, so the
    # table holds at most the last 15 minutes' attempts.
    session.exec(delete(LoginAttempt).where(col(LoginAttempt.at) <= now - WINDOW))
    key = attempt_key(email)
    limits = [("email", key), ("ip", ip)] if ip else [("email", key)]
    used = [_used(session, column, value, now) for column, value in limits]
    waits = [wait for _, wait in used if wait]
    if waits:
        wait = max(waits)
        raise RateLimitedError(f"Too many failed attempts. Try again in {_minutes(wait)}.", wait)
    session.add(LoginAttempt(email=key, ip=ip[:64], at=now))
    session.commit()
    return MAX_FAILURES - 1 - max(count for count, _ in used)


def attempts_left_warning(left: int) -> str:
    """What a failed attempt adds once half the attempts are used ("" before that)."""
    if left > MAX_FAILURES // 2:
        return ""
    minutes = int(WINDOW.total_seconds() // 60)
    if left <= 0:
        return f" Logging in is now paused for {minutes} minutes."
    plural = "s" if left != 1 else ""
    return f" {left} attempt{plural} left before logging in pauses for {minutes} minutes."


def clear_attempts(session: Session, *, email: str) -> None:
    """Forget the account's attempts (its password was just given right)."""
    session.exec(delete(LoginAttempt).where(col(LoginAttempt.email) == attempt_key(email)))
