"""Alembic environment: our own, so `alembic` and the app migrate the same way."""

from __future__ import annotations

from logging.config import fileConfig

from sqlalchemy import Connection, Engine, text
from sqlmodel import SQLModel

import app.models  # noqa: F401  (registers every table on SQLModel.metadata)
from alembic import context
from app.models.db import create_db_engine, database_url

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = SQLModel.metadata
# Any number; one lock id for every process migrating the same PostgreSQL database.
MIGRATION_LOCK_ID = 720_415_001


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or database_url()


def run_migrations_offline() -> None:
    """Emit SQL to stdout instead of running it."""
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def _set_sqlite_foreign_keys(connection: Connection, *, enabled: bool) -> None:
    # On the DBAPI connection: through SQLAlchemy it would open a transaction first.
    dbapi_connection = connection.connection.dbapi_connection
    if dbapi_connection is not None:
        dbapi_connection.execute(f"PRAGMA foreign_keys = {'ON' if enabled else 'OFF'}")


def _migrate(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # Batch table rebuilds drop tables; with foreign keys on, that would cascade.
        # The pragma is ignored inside a transaction, so it is set before BEGIN.
        _set_sqlite_foreign_keys(connection, enabled=False)
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    try:
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                connection.execute(text(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_ID})"))
            context.run_migrations()
    finally:
        if sqlite:
            _set_sqlite_foreign_keys(connection, enabled=True)


def run_migrations_online() -> None:
    """Run the migrations on a connection or engine given by the caller, or a new engine."""
    given = config.attributes.get("connection")
    if isinstance(given, Connection):
        _migrate(given)
        return
    engine = given if isinstance(given, Engine) else create_db_engine(_url())
    try:
        with engine.connect() as connection:
            _migrate(connection)
    finally:
        if engine is not given:
            engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
