"""Password guesses are limited wherever a password is checked: the current password of a
password change counts like a login, and guesses sent in parallel are counted before any is
checked, so none gets past the limit (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import timedelta

import httpx
from sqlmodel import select

from app.models.account import LoginAttempt
from app.models.types import utc_now
from app.services.login import WRONG_CREDENTIALS, LoginOutcome, log_in
from app.services.login_limits import MAX_FAILURES, attempt_key
from app.services.unit_of_work import session_scope

PASSWORD = "correct horse battery staple"
OWNER = {"email": "ada@example.com", "name": "Ada", "password": PASSWORD}
PARALLEL = 6


async def test_wrong_current_passwords_are_limited_like_logins(
    anonymous_client: httpx.AsyncClient,
) -> None:
    assert (await anonymous_client.post("/api/auth/setup", json=OWNER)).status_code == 201
    for _ in range(MAX_FAILURES):
        wrong = await anonymous_client.post(
            "/api/me/password", json={"current": "a wrong guess!", "new": "a new long passphrase"}
        )
        assert wrong.status_code == 401, wrong.text
    limited = await anonymous_client.post(
        "/api/me/password", json={"current": PASSWORD, "new": "a new long passphrase"}
    )
    assert limited.status_code == 429, limited.text
    assert 800 < int(limited.headers["retry-after"]) <= 901
    assert "Try again in 15 minutes" in limited.json()["detail"]
    anonymous_client.cookies.clear()
    login = await anonymous_client.post(
        "/api/auth/login", json={"email": OWNER["email"], "password": PASSWORD}
    )
    assert login.status_code == 429


async def test_a_right_current_password_takes_the_failures_back(
    anonymous_client: httpx.AsyncClient,
) -> None:
    assert (await anonymous_client.post("/api/auth/setup", json=OWNER)).status_code == 201
    for _ in range(MAX_FAILURES - 1):
        wrong = await anonymous_client.post(
            "/api/me/password", json={"current": "a wrong guess!", "new": "a new long passphrase"}
        )
        assert wrong.status_code == 401
    right = await anonymous_client.post(
        "/api/me/password", json={"current": PASSWORD, "new": "a new long passphrase"}
    )
    assert right.status_code == 204, right.text
    with session_scope(read_only=True) as session:
        assert session.exec(select(LoginAttempt)).all() == []


def test_parallel_guesses_cannot_pass_the_limit(db_url: str) -> None:
    with session_scope() as session:
        session.add_all(
            LoginAttempt(
                email=attempt_key(OWNER["email"]),
                ip="10.0.0.1",
                at=utc_now() - timedelta(seconds=5),
            )
            for _ in range(MAX_FAILURES - 2)
        )
    start = threading.Barrier(PARALLEL)
    outcomes: list[LoginOutcome] = []

    def guess(number: int) -> None:
        start.wait()
        with session_scope() as session:
            outcome = log_in(
                session, email=OWNER["email"], password=f"guess {number}", ip=f"10.0.1.{number}"
            )
        outcomes.append(outcome)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    checked = [o for o in outcomes if (o.error or "").startswith(WRONG_CREDENTIALS)]
    limited = [outcome for outcome in outcomes if outcome.retry_after_s is not None]
    assert (len(checked), len(limited)) == (2, PARALLEL - 2)
