"""Database fixtures shared by every test: each test runs on SQLite and on PostgreSQL.

- `db_url`: parametrized ["sqlite", "postgresql"]; the database is migrated once per
  session and emptied before each test; the process-wide engine (used by session_scope()
  and the execution runner) and DATABASE_URL point at it. The PostgreSQL case is a fresh,
  uniquely named database (from TEST_DATABASE_URL or postgresql+psycopg://root@127.0.0.1:5432/
  test), dropped at the end; it is skipped only when the server cannot be reached.
- `engine`, `session`: the engine and a session on it. On SQLite a session that has
  written holds the write lock until it commits: commit (or use session_scope()) before
  awaiting an execution.
- `alembic_engine` / `alembic_config`: for pytest-alembic, on a separate empty database.
"""

from __future__ import annotations

import graphlib
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import Connection, Engine, insert, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from app.llm.model_map import DEFAULT_GROUPS
from app.models.db import create_db_engine, set_engine
from app.models.llm import ModelMapping
from app.models.migrations import upgrade_database
from app.services.credential_cache import credential_cache
from app.services.llm_settings import invalidate_settings_cache
from app.services.price_lookup import forget_prices
from app.services.run_budget_check import forget_budget_reads

REPO_ROOT = Path(__file__).resolve().parent.parent
POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql+psycopg://root@127.0.0.1:5432/test"
)
TABLES = (
    "error_groups",
    "llm_calls",
    "llm_cost_daily",
    "execution_daily",
    "budgets",
    "provider_pricing",
    "audit_events",
    "login_attempts",
    "invites",
    "api_keys",
    "user_sessions",
    "node_runs",
    "executions",
    "workflows",
    "node_cache",
    "llm_breaker",
    "llm_fallback_event",
    "provider_setting",
    "model_mapping",
    "users",
)
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]

_engines: dict[str, Engine] = {}
_postgres_plans: dict[Engine, tuple[list[str], list[str]]] = {}
# TABLES and, as TRUNCATE ... CASCADE has it, every table referencing an emptied one.
_CASCADE_CLOSURE = """
WITH RECURSIVE emptied(rel) AS (
    SELECT CAST(CAST(name AS regclass) AS oid) FROM unnest(CAST(:tables AS text[])) AS name
    UNION
    SELECT c.conrelid FROM pg_constraint c JOIN emptied e ON c.confrelid = e.rel
    WHERE c.contype = 'f'
)
SELECT CAST(rel AS regclass)::text FROM emptied
"""
_REFERENCES = """
SELECT CAST(conrelid AS regclass)::text, CAST(confrelid AS regclass)::text
FROM pg_constraint WHERE contype = 'f'
"""
# The sequences behind the tables' serial and identity columns (RESTART IDENTITY's).
_OWNED_SEQUENCES = """
SELECT CAST(d.objid AS regclass)::text FROM pg_depend d JOIN pg_class s ON s.oid = d.objid
WHERE s.relkind = 'S' AND d.deptype IN ('a', 'i')
AND d.refobjid = ANY(CAST(CAST(:tables AS text[]) AS regclass[]))
"""
_RESTART = """
SELECT setval(CAST(name AS regclass), 1, false) FROM unnest(CAST(:sequences AS text[])) AS name
"""


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def postgres_reachable() -> bool:
    """Whether the test PostgreSQL server answers."""
    try:
        with psycopg.connect(_libpq(POSTGRES_ADMIN_URL), connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


def create_postgres_database(prefix: str) -> str:
    """Create a fresh, uniquely named database and return its SQLAlchemy URL."""
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(_libpq(POSTGRES_ADMIN_URL), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(url: str) -> None:
    """Drop a database made by create_postgres_database (closing its connections)."""
    name = make_url(url).database
    with psycopg.connect(_libpq(POSTGRES_ADMIN_URL), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def engine_for(url: str) -> Engine:
    """One engine per test database for the whole session."""
    if url not in _engines:
        _engines[url] = create_db_engine(url)
    return _engines[url]


@pytest.fixture(scope="session")
def sqlite_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated SQLite file for the session."""
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'flowbook.db'}"
    upgrade_database(url)
    yield url
    engine = _engines.pop(url, None)
    if engine is not None:
        engine.dispose()


@pytest.fixture(scope="session")
def postgresql_database() -> Iterator[str]:
    """A migrated, freshly created PostgreSQL database for the session."""
    if not postgres_reachable():
        pytest.skip(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}")
    url = create_postgres_database("flowbook_test")
    try:
        upgrade_database(url)
        yield url
    finally:
        engine = _engines.pop(url, None)
        if engine is not None:
            engine.dispose()
        drop_postgres_database(url)


def _postgres_emptying(connection: Connection) -> tuple[list[str], list[str]]:
    """What `TRUNCATE TABLES RESTART IDENTITY CASCADE` would empty and restart, in an order
    that DELETE can follow (every referencing table before the tables it references)."""
    emptied = set(connection.execute(text(_CASCADE_CLOSURE), {"tables": list(TABLES)}).scalars())
    referencing: dict[str, set[str]] = {table: set() for table in emptied}
    for child, parent in connection.execute(text(_REFERENCES)):
        if child in emptied and parent in emptied and child != parent:
            referencing[parent].add(child)
    tables = list(graphlib.TopologicalSorter(referencing).static_order())
    sequences = connection.execute(text(_OWNED_SEQUENCES), {"tables": tables}).scalars().all()
    for table in tables:
        # Rows read without ORDER BY come back in insertion order after TRUNCATE; after
        # DELETE too, as long as no vacuum hands the deleted rows' space to new ones.
        connection.execute(text(f"ALTER TABLE {table} SET (autovacuum_enabled = false)"))
    return tables, list(sequences)


def _empty(engine: Engine) -> None:
    now = datetime.now(UTC)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # DELETE and setval, not TRUNCATE: on these small tables TRUNCATE's new files
            # cost about half a second per test; the result is the same.
            if engine not in _postgres_plans:
                _postgres_plans[engine] = _postgres_emptying(connection)
            tables, sequences = _postgres_plans[engine]
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))
            if sequences:
                connection.execute(text(_RESTART), {"sequences": sequences})
        else:
            for table in TABLES:
                connection.execute(text(f"DELETE FROM {table}"))
        # The migration seeds the model map; every test starts from that seed.
        connection.execute(
            insert(ModelMapping.__table__),  # type: ignore[attr-defined]
            [
                {"name": name, "models": list(models), "position": position, "updated_at": now}
                for position, (name, models) in enumerate(DEFAULT_GROUPS.items())
            ],
        )
    invalidate_settings_cache()
    credential_cache().clear()
    # No prices in memory from an earlier test (the LLM layer falls back to LiteLLM's map).
    forget_prices()
    forget_budget_reads()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """URL of an empty, migrated database that the app's engine is configured to use."""
    url: str = request.getfixturevalue(f"{request.param}_database")
    engine = engine_for(url)
    _empty(engine)
    set_engine(engine)
    monkeypatch.setenv("DATABASE_URL", url)
    return url


@pytest.fixture
def engine(db_url: str) -> Engine:
    """The engine of the test database."""
    return engine_for(db_url)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on the test database, rolled back and closed after the test."""
    with Session(engine, expire_on_commit=False) as db_session:
        yield db_session
        db_session.rollback()


@pytest.fixture(params=BACKENDS)
def alembic_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database for pytest-alembic's migration tests."""
    if request.param == "sqlite":
        engine = create_db_engine(f"sqlite:///{tmp_path / 'alembic.db'}")
        yield engine
        engine.dispose()
        return
    if not postgres_reachable():
        pytest.skip(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}")
    url = create_postgres_database("flowbook_alembic")
    engine = create_db_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()
        drop_postgres_database(url)


@pytest.fixture
def alembic_config() -> dict[str, Any]:
    """Where pytest-alembic finds this repository's migrations."""
    return {"file": str(REPO_ROOT / "alembic.ini"), "script_location": str(REPO_ROOT / "alembic")}
