"""Test helper: an empty price table and price book around a pricing test.

The shared test emptying does not know `provider_pricing` on SQLite, and the price book and
`price_for`'s cache are process-wide: both are emptied before and after, so no other test
sees this test's prices.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, delete

from app.llm.price_book import shared_price_book
from app.services.price_lookup import forget_prices
from app.services.pricing import PRICING


def _forget_everything(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(delete(PRICING))
    shared_price_book().clear()
    forget_prices()


@pytest.fixture
def empty_prices(engine: Engine) -> Iterator[Engine]:
    """The test database's engine, its price table and the price book empty."""
    _forget_everything(engine)
    yield engine
    _forget_everything(engine)
