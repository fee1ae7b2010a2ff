"""Engine set-up: SQLite pragmas and BEGIN IMMEDIATE, URLs, UTC timestamps, JSON columns."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, select, text
from sqlalchemy.exc import IntegrityError

from app.models import db
from app.models.db import create_db_engine, database_url
from app.models.execution import Execution, NodeRun
from app.models.migrations import upgrade_database
from app.models.types import utc_now
from app.models.workflow import Workflow

EXECUTIONS = Execution.__table__  # type: ignore[attr-defined]
NODE_RUNS = NodeRun.__table__  # type: ignore[attr-defined]
WORKFLOWS = Workflow.__table__  # type: ignore[attr-defined]


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Engine:
    url = f"sqlite:///{tmp_path / 'sub' / 'flow.db'}"
    upgrade_database(url)
    engine = create_db_engine(url)
    yield engine
    engine.dispose()


def test_database_url_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@h/db")
    assert database_url() == "postgresql+psycopg://u@h/db"
    monkeypatch.delenv("DATABASE_URL")
    monkeypatch.setenv("FLOWBOOK_DATA_DIR", "/srv/flowbook")
    assert database_url() == "sqlite:////srv/flowbook/flowbook.db"


def test_every_sqlite_connection_gets_the_pragmas(sqlite_engine: Engine) -> None:
    connections = [sqlite_engine.raw_connection() for _ in range(3)]
    try:
        for connection in connections:
            pragma = {
                name: connection.driver_connection.execute(f"PRAGMA {name}").fetchone()[0]
                for name in ("journal_mode", "busy_timeout", "foreign_keys", "synchronous")
            }
            assert pragma == {
                "journal_mode": "wal",
                "busy_timeout": 30000,
                "foreign_keys": 1,
                "synchronous": 1,
            }
    finally:
        for connection in connections:
            connection.close()


def test_sqlite_transactions_take_the_write_lock_at_begin(sqlite_engine: Engine) -> None:
    """A second transaction waits at BEGIN for the first one, even before either writes."""
    order: list[str] = []
    first_began = threading.Event()

    def second() -> None:
        first_began.wait()
        with sqlite_engine.begin() as connection:
            order.append("second began")
            connection.execute(text("SELECT 1"))

    thread = threading.Thread(target=second)
    thread.start()
    with sqlite_engine.begin() as connection:
        connection.execute(text("SELECT 1"))
        first_began.set()
        time.sleep(0.3)
        order.append("first commits")
    thread.join(timeout=10)
    assert order == ["first commits", "second began"]


@pytest.mark.timing
def test_read_only_transactions_do_not_wait_for_writers(sqlite_engine: Engine) -> None:
    reader = sqlite_engine.execution_options(sqlite_begin="DEFERRED")
    with sqlite_engine.begin() as writer:
        writer.execute(text("SELECT 1"))
        started = time.monotonic()
        with reader.begin() as connection:
            assert connection.execute(select(WORKFLOWS.c.id)).all() == []
        assert time.monotonic() - started < 5


def test_foreign_keys_are_enforced(sqlite_engine: Engine) -> None:
    with pytest.raises(IntegrityError), sqlite_engine.begin() as connection:
        connection.execute(
            insert(NODE_RUNS),
            {
                "execution_id": 999,
                "node_id": "n",
                "node_type": "t",
                "node_name": "n",
                "status": "succeeded",
                "attempt": 1,
                "pinned": False,
            },
        )


def test_timestamps_come_back_in_utc_and_json_keeps_its_shape(db_url: str, engine: Engine) -> None:
    paris = timezone(timedelta(hours=1))
    local = datetime(2030, 5, 1, 13, 30, 15, 123456, tzinfo=paris)
    document = {"schema": 1, "nodes": [], "edges": [], "text": "é ✓", "n": [1, 2.5, None]}
    with engine.begin() as connection:
        workflow_id = connection.execute(
            insert(WORKFLOWS),
            {
                "name": "w",
                "description": "",
                "definition": document,
                "created_at": local,
                "updated_at": utc_now(),
            },
        ).inserted_primary_key[0]
        execution_id = connection.execute(
            insert(EXECUTIONS),
            {
                "workflow_id": workflow_id,
                "workflow_name": "w",
                "definition": document,
                "status": "queued",
                "trigger": "manual",
                "input": None,
                "output": {"when": local, "tags": {"a"}},
                "created_at": local,
            },
        ).inserted_primary_key[0]
    with engine.connect() as connection:
        workflow = connection.execute(select(WORKFLOWS)).one()
        execution = connection.execute(
            select(EXECUTIONS, EXECUTIONS.c.input.is_(None).label("input_is_null")).where(
                EXECUTIONS.c.id == execution_id
            )
        ).one()
    assert workflow.created_at == local
    assert workflow.created_at.utcoffset() == timedelta(0)
    assert workflow.definition == document
    assert execution.input_is_null  # SQL NULL, not JSON null
    assert execution.output == {"when": local.isoformat(), "tags": ["a"]}


def test_a_database_in_the_old_data_folder_moves_to_the_new_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    legacy, new = tmp_path / "data", tmp_path / ".data"
    legacy.mkdir()
    for name in ("flowbook.db", "flowbook.db-wal"):
        (legacy / name).write_text(name)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("FLOWBOOK_DATA_DIR", raising=False)
    monkeypatch.setattr(db, "REPO_ROOT", tmp_path)

    moved = db.adopt_legacy_data_dir(legacy=legacy)

    assert sorted(p.name for p in moved) == ["flowbook.db", "flowbook.db-wal"]
    assert (new / "flowbook.db").read_text() == "flowbook.db"
    assert not (legacy / "flowbook.db").exists()
    assert db.adopt_legacy_data_dir(legacy=legacy) == []


def test_the_old_data_folder_is_left_alone_when_a_location_is_chosen_or_taken(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    legacy = tmp_path / "data"
    legacy.mkdir()
    (legacy / "flowbook.db").write_text("old")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setattr(db, "REPO_ROOT", tmp_path)
    monkeypatch.setenv("FLOWBOOK_DATA_DIR", str(tmp_path / "chosen"))
    assert db.adopt_legacy_data_dir(legacy=legacy) == []

    monkeypatch.delenv("FLOWBOOK_DATA_DIR")
    (tmp_path / ".data").mkdir()
    (tmp_path / ".data" / "flowbook.db").write_text("new")
    assert db.adopt_legacy_data_dir(legacy=legacy) == []
    assert (legacy / "flowbook.db").read_text() == "old"
