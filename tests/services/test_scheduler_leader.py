"""The scheduler's leadership lock, on SQLite (a file lock) and PostgreSQL (an advisory
lock): one holder at a time, free again once released or once its holder's connection is
gone."""

from __future__ import annotations

from sqlalchemy import Engine, create_engine, text

from app.services.scheduler_leader import (
    AdvisoryLock,
    FileLock,
    ProcessLock,
    leader_lock_for,
)


def test_one_holder_at_a_time_until_released(engine: Engine) -> None:
    first, second = leader_lock_for(engine), leader_lock_for(engine)
    expected = AdvisoryLock if engine.dialect.name == "postgresql" else FileLock
    assert isinstance(first, expected)
    try:
        assert first.try_acquire()
        assert first.try_acquire()  # holding it already
        assert not second.try_acquire()
        assert first.still_held() and not second.still_held()

        first.release()

        assert second.try_acquire()
        assert not first.try_acquire()
    finally:
        first.release()
        second.release()


def test_a_lost_connection_frees_the_advisory_lock(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        return
    first, second = AdvisoryLock(engine), AdvisoryLock(engine)
    try:
        assert first.try_acquire()
        with engine.connect() as admin:
            admin.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks "
                    "WHERE locktype = 'advisory' AND database = "
                    "(SELECT oid FROM pg_database WHERE datname = current_database())"
                )
            )
            admin.commit()

        assert not first.still_held()
        assert second.try_acquire()
    finally:
        first.release()
        second.release()


def test_an_in_memory_database_always_leads() -> None:
    memory = create_engine("sqlite://")
    try:
        lock = leader_lock_for(memory)
        assert isinstance(lock, ProcessLock)
        assert lock.try_acquire() and lock.still_held()
    finally:
        memory.dispose()
