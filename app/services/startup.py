"""Start-up: migrate, load the prices, load the samples on first start, recover crashed
executions."""

from __future__ import annotations

import logging

from app.models.db import adopt_legacy_data_dir
from app.models.migrations import upgrade_database
from app.services.pricing import load_prices_at_start_up
from app.services.recovery import recover_crashed_executions
from app.services.samples import load_samples
from app.services.unit_of_work import session_scope

logger = logging.getLogger(__name__)


def migrate_database() -> None:
    """Upgrade the configured database to the latest schema (moving one left in ./data)."""
    for path in adopt_legacy_data_dir():
        logger.info("moved %s from the old data folder to %s", path.name, path.parent)
    upgrade_database()


def start_up() -> None:
    """Prepare the database before serving; safe to call more than once (and concurrently).

    Migrates, loads LiteLLM's price map and the default prices (no write when unchanged),
    creates the sample workflows when there are no workflows at all, and marks executions
    whose process died as crashed.
    """
    migrate_database()
    prices = load_prices_at_start_up()
    if prices.inserted:
        logger.info("added %d model prices (%d unchanged)", prices.inserted, prices.unchanged)
    with session_scope() as session:
        created = load_samples(session)
    if created:
        logger.info("loaded %d sample workflows", created)
    with session_scope() as session:
        recover_crashed_executions(session)
