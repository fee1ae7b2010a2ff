"""Run the Alembic migrations from code (start-up, CLI, tests).

Alembic is imported only when the database is not at the code's head already (see
`app/models/migration_heads.py`): a serving process that starts on a current database never
loads it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from app.models.db import REPO_ROOT, create_db_engine, database_url
from app.models.migration_heads import code_heads, database_revisions

if TYPE_CHECKING:
    from alembic.config import Config


def alembic_config(url: str | None = None) -> Config:
    """The Alembic config of this repository, pointed at `url` (default: database_url())."""
    from alembic.config import Config

    config = Config(str(REPO_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(REPO_ROOT / "alembic"))
    config.set_main_option("sqlalchemy.url", (url or database_url()).replace("%", "%%"))
    config.attributes["configure_logger"] = False
    return config


def upgrade_database(url: str | None = None) -> None:
    """Upgrade the database to the latest revision (a no-op when it is up to date).

    Args:
        url: database URL; defaults to database_url().
    """
    if _at_head(url or database_url()):
        return
    from alembic import command

    command.upgrade(alembic_config(url), "head")


def _at_head(url: str) -> bool:
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            return database_revisions(connection) == code_heads()
    # Never migrated (no alembic_version), unreachable, or a script the reader cannot follow:
    # Alembic decides.
    except (SQLAlchemyError, OSError, SyntaxError, ValueError):
        return False
    finally:
        engine.dispose()
