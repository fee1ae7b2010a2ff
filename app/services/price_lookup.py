"""The price of a model at a moment: the `provider_pricing` row in force then.

An override (set on the Prices page) wins over LiteLLM's map and the defaults; among rows of
the same kind the newest `effective_from` at or before the call's time is used, so a price
change never rewrites what past calls cost. The mock provider is free.

Rows are read once per (provider, model) and kept for `PRICES_TTL_S` in this process; a
change made here forgets them at once (`forget_prices`), one made by another process is seen
within the TTL.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from app.llm.cost import MicroPrice
from app.models.cost import PriceSource, ProviderPrice

PRICES_TTL_S = 10.0
MOCK_PROVIDER = "mock"

_PRICING = ProviderPrice.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class _PriceRow:
    effective_from: datetime
    is_override: bool
    price: MicroPrice


_cache: dict[tuple[str, str], tuple[float, list[_PriceRow]]] = {}
_lock = threading.Lock()


def forget_prices() -> None:
    """Drop every cached price (call after committing a price change)."""
    with _lock:
        _cache.clear()


def _rows(connection: Connection, provider: str, model: str) -> list[_PriceRow]:
    key = (provider, model)
    now = time.monotonic()
    with _lock:
        cached = _cache.get(key)
    if cached is not None and now - cached[0] < PRICES_TTL_S:
        return cached[1]
    result = connection.execute(
        select(
            _PRICING.c.effective_from,
            _PRICING.c.source,
            _PRICING.c.input_micros_per_mtok,
            _PRICING.c.output_micros_per_mtok,
            _PRICING.c.cached_micros_per_mtok,
        ).where(_PRICING.c.provider == provider, _PRICING.c.model == model)
    )
    rows = [
        _PriceRow(
            effective_from=row.effective_from,
            is_override=row.source == PriceSource.OVERRIDE.value,
            price=MicroPrice(
                row.input_micros_per_mtok, row.output_micros_per_mtok, row.cached_micros_per_mtok
            ),
        )
        for row in result
    ]
    # Overrides first, then newest first: the first row in force at a moment is its price.
    rows.sort(key=lambda r: (not r.is_override, -r.effective_from.timestamp()))
    with _lock:
        _cache[key] = (now, rows)
    return rows


def price_for(
    connection: Connection, *, provider: str, model: str, at: datetime
) -> MicroPrice | None:
    """The price of `provider`'s `model` in force at `at`.

    Args:
        connection: any open connection (a read is enough).
        provider: the provider that answered ("openai", "anthropic", "mock", ...).
        model: the model that answered, without a provider prefix.
        at: when the call was made (timezone-aware).

    Returns:
        The price, zero for the mock provider, None when no row is in force (unknown model).
    """
    if provider == MOCK_PROVIDER:
        return MicroPrice(0, 0, 0)
    for row in _rows(connection, provider, model):
        if row.effective_from <= at:
            return row.price
    return None
