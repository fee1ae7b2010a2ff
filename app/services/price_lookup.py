"""The price of a model at a moment, read from this process's price book: a copy in memory of
the `provider_pricing` rows (`app.llm.price_book`), whose rules are the ledger's: an override
wins over LiteLLM's map and the defaults, and among rows of one kind the newest
`effective_from` at or before the call's time is used, so a price change never rewrites what
past calls cost. The mock provider is free.

The book is filled here: on first use, after a committed price change, and by the serving
process's periodic refresh (`app.services.pricing.keep_price_book_fresh`), which picks up
changes made by other processes within `PRICES_TTL_S`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection, func, select

from app.llm.cost import MicroPrice
from app.llm.price_book import BookRow, shared_price_book
from app.models.cost import PriceSource, ProviderPrice

PRICES_TTL_S = 10.0
MOCK_PROVIDER = "mock"

PRICING = ProviderPrice.__table__  # type: ignore[attr-defined]


def forget_prices() -> None:
    """Empty the price book; the next `price_for` fills it again from the table."""
    shared_price_book().clear()


def _table_version(connection: Connection) -> tuple[int, int]:
    # Rows are only inserted and deleted (an override is replaced, never updated): the count
    # and the highest id change with every change.
    count, top = connection.execute(select(func.count(), func.max(PRICING.c.id))).one()
    return int(count), int(top or 0)


def _book_rows(connection: Connection) -> Iterable[BookRow]:
    result = connection.execute(
        select(
            PRICING.c.provider,
            PRICING.c.model,
            PRICING.c.source,
            PRICING.c.effective_from,
            PRICING.c.input_micros_per_mtok,
            PRICING.c.output_micros_per_mtok,
            PRICING.c.cached_micros_per_mtok,
        )
    )
    for r in result:
        yield BookRow(
            provider=r.provider,
            model=r.model,
            effective_from=r.effective_from,
            is_override=r.source == PriceSource.OVERRIDE.value,
            price=MicroPrice(
                r.input_micros_per_mtok, r.output_micros_per_mtok, r.cached_micros_per_mtok
            ),
        )


def refresh_price_book(connection: Connection, *, force: bool = False) -> bool:
    """Copy the table into the shared price book when it changed since the last copy.

    Args:
        connection: any connection (only read).
        force: copy even when the table looks unchanged.

    Returns:
        Whether the book was refilled.
    """
    book = shared_price_book()
    version = _table_version(connection)
    if not force and book.loaded and book.version == version:
        return False
    book.replace(_book_rows(connection), version=version)
    return True


def price_for(
    connection: Connection, *, provider: str, model: str, at: datetime
) -> MicroPrice | None:
    """The price of `provider`'s `model` in force at `at`.

    Args:
        connection: any open connection (read only when the book is not filled yet).
        provider: the provider that answered ("openai", "anthropic", "mock", ...).
        model: the model that answered, without a provider prefix.
        at: when the call was made (timezone-aware).

    Returns:
        The price, zero for the mock provider, None when no row is in force (unknown model).
    """
    if provider == MOCK_PROVIDER:
        return MicroPrice(0, 0, 0)
    book = shared_price_book()
    if not book.loaded:
        refresh_price_book(connection, force=True)
    return book.price(provider, model, at)
