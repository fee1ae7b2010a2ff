"""The price table at start-up and in memory.

`load_prices` puts LiteLLM's local price map into `provider_pricing` (source `litellm`) and
Flowbook's defaults for the models the map lacks (source `default`). It is idempotent and
cheap when nothing changed: one read of those rows, no write. A changed price gets a new row
effective now and the old one stays, so past calls keep what they cost.

The LLM layer's float costs, "cheapest" routing and estimates read the shared price book
(`app.llm.price_book`), a copy of the table kept here: filled at start-up, refilled after a
committed price change (`prices_changed_on_commit`) and when another process changed the
table (`keep_price_book_fresh`).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session

from app.llm.cost import MicroPrice
from app.llm.price_map import load_price_map
from app.models.cost import MICROS_PER_USD, PriceSource, ProviderPrice
from app.models.db import get_engine
from app.models.types import utc_now
from app.services.db_threads import run_db
from app.services.price_lookup import PRICES_TTL_S, refresh_price_book

logger = logging.getLogger(__name__)

PRICING = ProviderPrice.__table__  # type: ignore[attr-defined]
# Rows of the first load are in force "since always": calls made before Flowbook first started
# with this table are priced too.
SINCE_ALWAYS = datetime(1970, 1, 1, tzinfo=UTC)
_CHANGED_KEY = "flowbook.prices_changed"


def _usd(input_usd: str, output_usd: str) -> MicroPrice:
    return MicroPrice(
        int(Decimal(input_usd) * MICROS_PER_USD), int(Decimal(output_usd) * MICROS_PER_USD)
    )


# Per million input/output tokens, for models LiteLLM's map lacks.
DEFAULT_PRICES: dict[tuple[str, str], MicroPrice] = {
    ("openai", "gpt-4"): _usd("30", "60"),
    ("openai", "gpt-4-turbo"): _usd("10", "30"),
    ("openai", "gpt-3.5-turbo"): _usd("0.50", "1.50"),
    ("anthropic", "claude-3-opus"): _usd("15", "75"),
    ("anthropic", "claude-3-5-sonnet"): _usd("3", "15"),
    ("anthropic", "claude-3-haiku"): _usd("0.25", "1.25"),
    ("gemini", "gemini-1.5-pro"): _usd("1.25", "5"),
    ("gemini", "gemini-1.5-flash"): _usd("0.07", "0.30"),
}


@dataclass(frozen=True)
class LoadResult:
    """What a start-up load did."""

    inserted: int
    unchanged: int


def wanted_prices(
    price_map: dict[tuple[str, str], MicroPrice],
) -> dict[tuple[str, str, str], MicroPrice]:
    """The (provider, model, source) prices the table should hold: the map, then defaults."""
    wanted = {(p, m, PriceSource.LITELLM.value): price for (p, m), price in price_map.items()}
    for key, price in DEFAULT_PRICES.items():
        if key not in price_map:
            wanted[(*key, PriceSource.DEFAULT.value)] = price
    return wanted


def _latest_loaded(connection: Connection) -> dict[tuple[str, str, str], MicroPrice]:
    rows = connection.execute(
        select(
            PRICING.c.provider,
            PRICING.c.model,
            PRICING.c.source,
            PRICING.c.input_micros_per_mtok,
            PRICING.c.output_micros_per_mtok,
            PRICING.c.cached_micros_per_mtok,
        )
        .where(PRICING.c.source.in_([PriceSource.LITELLM.value, PriceSource.DEFAULT.value]))
        .order_by(PRICING.c.effective_from)
    )
    # Ordered oldest first: the last row seen per key is its newest price.
    return {
        (r.provider, r.model, r.source): MicroPrice(
            r.input_micros_per_mtok, r.output_micros_per_mtok, r.cached_micros_per_mtok
        )
        for r in rows
    }


def _insert_ignoring_duplicates(connection: Connection, rows: list[dict[str, Any]]) -> None:
    # Two processes starting at once may insert the same first row: the second one is a no-op.
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(PRICING).on_conflict_do_nothing(
        index_elements=["provider", "model", "source", "effective_from"]
    )
    connection.execute(statement, rows)


def load_prices(
    connection: Connection,
    *,
    price_map: dict[tuple[str, str], MicroPrice] | None = None,
    now: datetime | None = None,
) -> LoadResult:
    """Bring LiteLLM's map and the defaults into `provider_pricing` (in the caller's transaction).

    Args:
        connection: a connection in a write transaction.
        price_map: the map to load; LiteLLM's local map by default.
        now: when a changed price takes effect (tests); the current time by default.

    Returns:
        How many rows were added and how many prices were already there unchanged.
    """
    moment = now if now is not None else utc_now()
    wanted = wanted_prices(load_price_map() if price_map is None else price_map)
    loaded = _latest_loaded(connection)
    rows: list[dict[str, Any]] = []
    for (provider, model, source), price in wanted.items():
        current = loaded.get((provider, model, source))
        if current == price:
            continue
        rows.append(
            {
                "provider": provider,
                "model": model,
                "source": source,
                "input_micros_per_mtok": price.input,
                "output_micros_per_mtok": price.output,
                "cached_micros_per_mtok": price.cached,
                "currency": "USD",
                "effective_from": SINCE_ALWAYS if current is None else moment,
                "created_by": None,
                "created_at": moment,
            }
        )
    if rows:
        _insert_ignoring_duplicates(connection, rows)
    return LoadResult(inserted=len(rows), unchanged=len(wanted) - len(rows))


def load_prices_at_start_up() -> LoadResult:
    """Start-up: load the map and the defaults (one transaction), then fill the price book."""
    engine = get_engine()
    with engine.begin() as connection:
        result = load_prices(connection)
    with engine.connect() as connection:
        refresh_price_book(connection, force=True)
    return result


def prices_changed_on_commit(session: Session) -> None:
    """Forget cached prices and refill the price book once `session` commits."""
    session.info[_CHANGED_KEY] = True


@event.listens_for(OrmSession, "after_commit")
def _refresh_committed(session: OrmSession) -> None:
    if not session.info.pop(_CHANGED_KEY, False):
        return
    try:
        with get_engine().connect() as connection:
            refresh_price_book(connection, force=True)
    except Exception:  # the change is committed; the periodic refresh catches up
        logger.exception("could not refill the price book after a price change")


def _refresh_quietly() -> None:
    with get_engine().connect() as connection:
        refresh_price_book(connection)


async def keep_price_book_fresh(interval_s: float = PRICES_TTL_S) -> None:
    """While serving: pick up price changes other processes made (one cheap read a tick)."""
    while True:
        await asyncio.sleep(interval_s)
        try:
            await run_db(_refresh_quietly)
        except Exception as exc:  # a database hiccup must not end the loop
            logger.warning("could not refresh the price book: %s", exc)
