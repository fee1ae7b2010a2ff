"""Logging in: sessions kept as hashes, timeouts, logout, and the rate limit per account and
per address, on both databases."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text
from sqlmodel import Session, col, select

from app.models.account import LoginAttempt, Role, UserSession
from app.models.audit import AuditEvent
from app.models.types import utc_now
from app.services.login import UNKNOWN_USER, WRONG_CREDENTIALS, log_in
from app.services.login_limits import MAX_FAILURES, attempt_key
from app.services.user_sessions import end_all_sessions, end_session, session_principal
from tests.services.accounts_builders import PASSWORD, member, owner


def test_a_login_opens_a_session_that_the_database_knows_only_by_its_hash(
    session: Session,
) -> None:
    ada = owner(session)
    outcome = log_in(session, email="  ADA@example.com ", password=PASSWORD, ip="10.0.0.1")
    assert outcome.user is not None and outcome.token and outcome.error is None
    principal = session_principal(session, token=outcome.token)
    assert principal is not None and principal.user_id == ada.user_id
    session.flush()
    dump = " ".join(
        str(value) for row in session.execute(text("SELECT * FROM user_sessions")) for value in row
    )
    assert outcome.token not in dump
    assert session_principal(session, token=outcome.token + "x") is None
    assert session_principal(session, token="") is None


def test_a_wrong_password_or_unknown_account_fails_alike_and_is_audited(
    session: Session,
) -> None:
    owner(session)
    wrong = log_in(session, email="ada@example.com", password="not the password", ip="10.0.0.2")
    unknown = log_in(session, email="nobody@example.com", password=PASSWORD, ip="10.0.0.2")
    assert wrong.error == unknown.error == WRONG_CREDENTIALS
    assert wrong.token is None and unknown.token is None
    failed = session.exec(
        select(AuditEvent.actor, AuditEvent.ip).where(AuditEvent.action == "login.failed")
    ).all()
    assert sorted(failed) == [("ada@example.com", "10.0.0.2"), (UNKNOWN_USER, "10.0.0.2")]
    assert not any("not the password" in str(e.detail) for e in session.exec(select(AuditEvent)))


def test_ten_failures_lock_the_account_for_the_rest_of_fifteen_minutes(session: Session) -> None:
    owner(session)
    start = utc_now()
    for i in range(MAX_FAILURES):
        at = start + timedelta(seconds=i)
        assert log_in(
            session, email="ada@example.com", password="nope", ip=f"10.1.0.{i}", now=at
        ).error
    limited = log_in(
        session,
        email="ada@example.com",
        password=PASSWORD,
        ip="10.9.9.9",
        now=start + timedelta(minutes=1),
    )
    assert limited.token is None and limited.retry_after_s is not None
    assert 13 * 60 < limited.retry_after_s <= 14 * 60 + 1
    assert "Try again in 15 minutes" in (limited.error or "")
    # Once the first failures leave the window, the right password works again.
    later = log_in(
        session,
        email="ada@example.com",
        password=PASSWORD,
        now=start + timedelta(minutes=15, seconds=30),
    )
    assert later.token is not None


def test_ten_failures_from_one_address_lock_that_address_for_every_account(
    session: Session,
) -> None:
    owner(session)
    member(session, Role.VIEWER, "bob@example.com")
    for i in range(MAX_FAILURES):
        log_in(session, email=f"guess{i}@example.com", password="nope", ip="10.2.0.1")
    assert log_in(session, email="bob@example.com", password=PASSWORD, ip="10.2.0.1").retry_after_s
    assert log_in(session, email="bob@example.com", password=PASSWORD, ip="10.2.0.2").token


def test_sessions_end_after_12_idle_hours_or_14_days_and_on_logout(session: Session) -> None:
    owner(session)
    start = utc_now()
    token = log_in(session, email="ada@example.com", password=PASSWORD, now=start).token
    assert token is not None
    assert session_principal(session, token=token, now=start + timedelta(hours=11)) is not None
    # Used at 11 h, so still alive at 22 h; then idle for more than 12 h.
    assert session_principal(session, token=token, now=start + timedelta(hours=22)) is not None
    assert (
        session_principal(session, token=token, now=start + timedelta(hours=34, minutes=1)) is None
    )

    kept_alive = log_in(session, email="ada@example.com", password=PASSWORD, now=start).token
    assert kept_alive is not None
    for hours in range(11, 14 * 24, 11):
        assert session_principal(session, token=kept_alive, now=start + timedelta(hours=hours))
    assert session_principal(session, token=kept_alive, now=start + timedelta(days=14)) is None

    fresh = log_in(session, email="ada@example.com", password=PASSWORD).token
    assert fresh is not None
    end_session(session, token=fresh)
    assert session_principal(session, token=fresh) is None


def test_logging_out_everywhere_ends_every_session_of_the_user_only(session: Session) -> None:
    ada = owner(session)
    member(session, Role.EDITOR, "bob@example.com")
    mine = [log_in(session, email="ada@example.com", password=PASSWORD).token for _ in range(2)]
    bobs = log_in(session, email="bob@example.com", password=PASSWORD).token
    end_all_sessions(session, principal=ada)
    assert [session_principal(session, token=t or "") for t in mine] == [None, None]
    assert session_principal(session, token=bobs or "") is not None
    assert session.exec(select(UserSession).where(UserSession.revoked_at.is_(None))).all()  # type: ignore[union-attr]


def test_attempts_older_than_the_window_are_swept_away(session: Session) -> None:
    owner(session)
    start = utc_now()
    for minutes in (40, 20, 16):
        session.add(
            LoginAttempt(
                email=attempt_key("x@example.com"),
                ip="10.8.0.1",
                at=start - timedelta(minutes=minutes),
            )
        )
    session.add(
        LoginAttempt(
            email=attempt_key("y@example.com"), ip="10.8.0.2", at=start - timedelta(minutes=5)
        )
    )
    session.commit()
    log_in(session, email="ada@example.com", password="nope", ip="10.0.0.9", now=start)
    left = session.exec(select(LoginAttempt.email).order_by(col(LoginAttempt.email))).all()
    assert sorted(left) == sorted([attempt_key("ada@example.com"), attempt_key("y@example.com")])


def test_a_password_typed_into_the_e_mail_field_is_stored_nowhere(session: Session) -> None:
    owner(session)
    typed = "Tr0ub4dor&3 my passphrase"
    assert log_in(session, email=typed, password="", ip="10.0.0.3").error == WRONG_CREDENTIALS
    session.flush()
    for table in ("audit_events", "login_attempts"):
        rows = session.execute(text(f"SELECT * FROM {table}")).all()
        assert rows and not any(typed.lower() in str(value) for row in rows for value in row)


def test_from_the_fifth_wrong_password_on_the_message_says_how_many_attempts_are_left(
    session: Session,
) -> None:
    owner(session)
    errors = [
        log_in(session, email="ada@example.com", password="wrong", ip="10.0.0.9").error or ""
        for _ in range(11)
    ]
    assert all(e == WRONG_CREDENTIALS for e in errors[:4])
    assert errors[4] == WRONG_CREDENTIALS + (
        " 5 attempts left before logging in pauses for 15 minutes."
    )
    assert errors[8].endswith(" 1 attempt left before logging in pauses for 15 minutes.")
    assert errors[9].endswith(" Logging in is now paused for 15 minutes.")
    assert errors[10].startswith("Too many failed attempts. Try again in 15 minutes")
