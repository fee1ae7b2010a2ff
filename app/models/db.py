"""Database engine and sessions: SQLite (embedded default) or PostgreSQL via DATABASE_URL."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session

from app.models.types import dumps_json, loads_json

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
SQLITE_BUSY_TIMEOUT_MS = 30_000

_lock = threading.Lock()
_engine: Engine | None = None


def data_dir() -> Path:
    """Folder of the files the app writes at run time (env FLOWBOOK_DATA_DIR, default .data).

    The default is a hidden folder because `reflex run` hot-reloads on changes to any
    visible top-level entry of the project: SQLite's -wal/-shm files written at start-up
    would restart the backend, which writes them again, forever.
    """
    return Path(os.environ.get("FLOWBOOK_DATA_DIR") or REPO_ROOT / ".data")


LEGACY_DATA_DIR = REPO_ROOT / "data"
SQLITE_FILE = "flowbook.db"


def adopt_legacy_data_dir(*, legacy: Path = LEGACY_DATA_DIR) -> list[Path]:
    """Move an embedded database from the old default folder `./data` into `data_dir()`.

    Only when neither DATABASE_URL nor FLOWBOOK_DATA_DIR is set (the user chose nothing),
    the old folder holds a database and the new one does not: an upgrade then keeps the
    user's workflows instead of starting empty. The -wal/-shm files move with it.

    Returns:
        The files moved (empty when there was nothing to do).
    """
    if os.environ.get("DATABASE_URL") or os.environ.get("FLOWBOOK_DATA_DIR"):
        return []
    target = data_dir()
    if not (legacy / SQLITE_FILE).is_file() or (target / SQLITE_FILE).exists():
        return []
    target.mkdir(parents=True, exist_ok=True)
    # The database file goes last: if the move stops half-way, the next start finds it
    # still in the old folder and moves it beside the -wal/-shm files already moved.
    sources = [*sorted(legacy.glob(f"{SQLITE_FILE}?*")), legacy / SQLITE_FILE]
    moved = []
    for source in sources:
        try:
            moved.append(source.replace(target / source.name))
        except FileNotFoundError:
            continue  # another worker starting at the same time moved it
    return moved


def database_url() -> str:
    """The configured database URL (env DATABASE_URL, default a SQLite file in data_dir())."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{data_dir() / SQLITE_FILE}"


def is_sqlite(url: str) -> bool:
    """Whether the URL points at SQLite."""
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_on_connect(dbapi_connection: Any, connection_record: Any) -> None:
    # Take BEGIN away from the sqlite3 driver so the "begin" listener below controls it.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def _sqlite_on_begin(connection: Any) -> None:
    # IMMEDIATE takes the write lock up front: a deferred transaction that later writes can
    # fail at once with "database is locked" (busy_timeout does not apply to lock upgrades).
    mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
    connection.exec_driver_sql(f"BEGIN {mode}")


def create_db_engine(url: str) -> Engine:
    """A new engine for `url` with the SQLite settings applied on every connection.

    Args:
        url: a SQLAlchemy URL (`sqlite:///path.db`, `postgresql+psycopg://...`).

    Returns:
        The engine; statement parameters are hidden from logs and errors. For SQLite:
        WAL, busy_timeout, synchronous=NORMAL, foreign_keys=ON, and
        every transaction starts with BEGIN IMMEDIATE (use the execution option
        `sqlite_begin="DEFERRED"` for read-only work).
    """
    if not is_sqlite(url):
        return create_engine(
            url,
            json_serializer=dumps_json,
            json_deserializer=loads_json,
            pool_pre_ping=True,
            hide_parameters=True,
        )
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        json_serializer=dumps_json,
        json_deserializer=loads_json,
        # Statement parameters (provider keys among them) never reach logs or error text.
        hide_parameters=True,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        pool_size=10,
        max_overflow=30,
    )
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def get_engine() -> Engine:
    """The process-wide engine, created from database_url() on first use."""
    global _engine
    with _lock:
        if _engine is None:
            _engine = create_db_engine(database_url())
        return _engine


def configure_engine(url: str) -> Engine:
    """Replace the process-wide engine with one for `url` (tests, CLI, bench)."""
    global _engine
    with _lock:
        if _engine is not None:
            _engine.dispose()
        _engine = create_db_engine(url)
        return _engine


def set_engine(engine: Engine) -> None:
    """Make an existing engine the process-wide one, without disposing the previous one.

    Tests that switch between databases keep one engine per database and swap them.
    """
    global _engine
    with _lock:
        _engine = engine


def dispose_engine() -> None:
    """Close every pooled connection and forget the process-wide engine."""
    global _engine
    with _lock:
        if _engine is not None:
            _engine.dispose()
        _engine = None


def make_session() -> Session:
    """A new session on the process-wide engine (objects stay usable after commit)."""
    return Session(get_engine(), expire_on_commit=False)
