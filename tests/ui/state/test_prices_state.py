"""The Prices page's pure parts: the start day typed in the override dialog, and how a row
is shown (no price for cached tokens, "since always" for the first load)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.models.price_schemas import PricePublic, PriceStatus
from app.services.errors import InvalidInputError
from app.ui.state.prices_state import price_row, start_of

TODAY = date(2026, 11, 26)


def test_empty_or_today_starts_now_and_a_later_day_at_its_midnight_utc() -> None:
    assert start_of("", TODAY) is None
    assert start_of("2026-11-26", TODAY) is None
    assert start_of("2026-12-01", TODAY) == datetime(2026, 12, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "message"),
    [("2026-11-25", "today or later"), ("tomorrow", "a date such as")],
)
def test_a_past_or_unreadable_day_is_refused_for_the_start_field(text: str, message: str) -> None:
    with pytest.raises(InvalidInputError, match=f"Effective from: {message}"):
        start_of(text, TODAY)


def test_a_row_shows_a_dash_for_no_cached_price_and_knows_the_first_load() -> None:
    price = PricePublic(
        id=1,
        provider="anthropic",
        model="claude-3-opus",
        input_usd="15.00",
        output_usd="75.00",
        cached_usd=None,
        input_micros_per_mtok=15_000_000,
        output_micros_per_mtok=75_000_000,
        cached_micros_per_mtok=None,
        currency="USD",
        source="default",
        effective_from=datetime(1970, 1, 1, tzinfo=UTC),
        status=PriceStatus.IN_FORCE,
        created_at=datetime(2026, 11, 26, tzinfo=UTC),
    )
    row = price_row(price)
    assert (row.cached_usd, row.since_always, row.status) == ("—", True, "in_force")
