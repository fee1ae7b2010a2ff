"""The cache of verified credentials: a hit queries nothing, a stale lookup cannot put back what
a change took away, and checking a credential takes no write lock unless its use is due to be
recorded (at most once a minute)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, text
from sqlmodel import select

from app.models.account import ApiKey, Role
from app.models.types import utc_now
from app.services.credential_cache import CredentialCache, Verified, credential_cache
from app.services.credentials import authenticated_principal
from app.services.principal import Principal
from app.services.unit_of_work import session_scope
from tests.credentials import user_with_key

ADA = Principal(user_id=1, role=Role.OWNER, label="ada@example.com")
BOB = Principal(user_id=2, role=Role.EDITOR, label="bob@example.com")


def test_a_lookup_begun_before_a_user_was_forgotten_is_not_kept() -> None:
    cache = CredentialCache()
    before = cache.generation
    cache.forget_users({1})
    cache.put("a", Verified(ADA), before)
    assert cache.get("a") is None
    cache.put("a", Verified(ADA), cache.generation)
    cache.put("b", Verified(BOB), cache.generation)
    assert cache.get("a") == ADA
    cache.forget_users({1})
    assert cache.get("a") is None and cache.get("b") == BOB


def test_entries_end_with_their_credential_and_the_cache_stays_bounded() -> None:
    cache = CredentialCache(ttl_s=60, max_entries=2)
    cache.put("ended", Verified(ADA, valid_until=utc_now() - timedelta(seconds=1)), 0)
    assert cache.get("ended") is None
    for digest in ("a", "b", "c"):
        cache.put(digest, Verified(ADA), cache.generation)
    assert [cache.get(digest) for digest in ("a", "b", "c")] == [ADA, ADA, None]


@contextmanager
def _statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_a_credential_verified_lately_costs_no_query(engine: Engine) -> None:
    key = user_with_key()
    first = authenticated_principal(bearer=key, cookie=None)
    assert first is not None and first.role is Role.OWNER
    with _statements(engine) as seen:
        assert authenticated_principal(bearer=key, cookie=None) == first
        assert seen == []
        assert authenticated_principal(bearer=key + "x", cookie=None) is None
        assert seen


def test_checking_a_key_takes_no_write_lock_unless_its_use_is_due(
    engine: Engine, db_url: str
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("the write lock is SQLite's")
    key = user_with_key()
    assert authenticated_principal(bearer=key, cookie=None) is not None
    with session_scope(read_only=True) as session:
        used = session.exec(select(ApiKey.last_used_at)).one()
    assert used is not None
    credential_cache().clear()
    answers: list[Principal | None] = []
    with engine.connect() as writer:
        writer.execute(text("SELECT 1"))  # the engine begins with BEGIN IMMEDIATE
        checker = threading.Thread(
            target=lambda: answers.append(authenticated_principal(bearer=key, cookie=None))
        )
        checker.start()
        checker.join(timeout=5)
        done = not checker.is_alive()
        writer.rollback()
    checker.join()
    assert done, "the check waited for the write lock"
    assert answers[0] is not None
    with session_scope(read_only=True) as session:
        assert session.exec(select(ApiKey.last_used_at)).one() == used
