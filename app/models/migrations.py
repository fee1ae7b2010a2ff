"""Run the Alembic migrations from code (start-up, CLI, tests)."""

from __future__ import annotations

from alembic.config import Config

from alembic import command
from app.models.db import REPO_ROOT, database_url


def alembic_config(url: str | None = None) -> Config:
    """The Alembic config of this repository, pointed at `url` (default: database_url())."""
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
    command.upgrade(alembic_config(url), "head")
