"""Prices on SQLite and PostgreSQL: the start-up load of LiteLLM's map and the defaults
(idempotent; a changed price gets a new row), overrides (exact micros, audit rows, effective
dates, refused input), listing, and the LLM layer's calculator following the table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from app.llm.cost import CostCalculator, MicroPrice
from app.llm.deployments import Deployment, Provider
from app.llm.price_book import shared_price_book
from app.models.account import Role
from app.models.audit import AuditEvent
from app.models.price_schemas import PriceOverrideCreate, PriceStatus
from app.models.types import utc_now
from app.services import price_overrides, pricing
from app.services.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from app.services.price_lookup import price_for
from app.services.principal import SYSTEM, Principal
from app.services.unit_of_work import session_scope
from tests.services.price_rows import empty_prices

__all__ = ["empty_prices"]
pytestmark = pytest.mark.usefixtures("empty_prices")

MAP = {
    ("openai", "gpt-4o"): MicroPrice(2_500_000, 10_000_000, 1_250_000),
    ("openai", "gpt-4"): MicroPrice(30_000_000, 60_000_000),
    ("anthropic", "claude-sonnet-4-5"): MicroPrice(3_000_000, 15_000_000, 300_000),
}
GPT_4O = Deployment(name="openai/gpt-4o", provider=Provider.OPENAI, model="gpt-4o")
VIEWER = Principal(user_id=0, role=Role.VIEWER, label="viewer@example.com")


def _count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(pricing.PRICING)).one()[0])


def _price(engine: Engine, provider: str, model: str, at: datetime) -> MicroPrice | None:
    with engine.connect() as connection:
        return price_for(connection, provider=provider, model=model, at=at)


def _load(engine: Engine, price_map: dict[tuple[str, str], MicroPrice], now: datetime) -> int:
    with engine.begin() as connection:
        return pricing.load_prices(connection, price_map=price_map, now=now).inserted


def _override(**fields: object) -> PriceOverrideCreate:
    data: dict[str, object] = {
        "provider": "openai",
        "model": "gpt-4o",
        "input_usd": "1.25",
        "output_usd": "5",
    }
    return PriceOverrideCreate.model_validate(data | fields)


def _set(**fields: object) -> int:
    with session_scope() as session:
        return price_overrides.set_override(session, principal=SYSTEM, data=_override(**fields)).id


def test_the_first_load_adds_the_map_and_the_defaults_it_lacks(empty_prices: Engine) -> None:
    now = utc_now()
    assert _load(empty_prices, MAP, now) == len(MAP) + len(pricing.DEFAULT_PRICES) - 1
    past = datetime(2001, 1, 1, tzinfo=UTC)  # first rows are in force since always
    assert _price(empty_prices, "openai", "gpt-4o", past) == MAP[("openai", "gpt-4o")]
    # gpt-4 is in the map: its row comes from there, not from the defaults.
    assert _price(empty_prices, "openai", "gpt-4", now) == MicroPrice(30_000_000, 60_000_000)
    defaults = {
        ("anthropic", "claude-3-opus"): (15_000_000, 75_000_000),
        ("anthropic", "claude-3-5-sonnet"): (3_000_000, 15_000_000),
        ("anthropic", "claude-3-haiku"): (250_000, 1_250_000),
        ("openai", "gpt-4-turbo"): (10_000_000, 30_000_000),
        ("openai", "gpt-3.5-turbo"): (500_000, 1_500_000),
        ("gemini", "gemini-1.5-pro"): (1_250_000, 5_000_000),
        ("gemini", "gemini-1.5-flash"): (70_000, 300_000),
    }
    for (provider, model), (input_micros, output_micros) in defaults.items():
        assert _price(empty_prices, provider, model, now) == MicroPrice(input_micros, output_micros)
    with session_scope(read_only=True) as session:
        page = price_overrides.list_prices(session, principal=VIEWER, source="default")
    assert {(p.provider, p.model) for p in page.items} == set(defaults)


def test_a_second_load_writes_nothing_and_a_changed_price_gets_a_new_row(
    empty_prices: Engine,
) -> None:
    first = utc_now() - timedelta(days=2)
    _load(empty_prices, MAP, first)
    rows = _count(empty_prices)
    assert _load(empty_prices, MAP, first + timedelta(hours=1)) == 0
    assert _count(empty_prices) == rows
    changed_at = first + timedelta(days=1)
    cheaper = {**MAP, ("openai", "gpt-4o"): MicroPrice(2_000_000, 8_000_000)}
    assert _load(empty_prices, cheaper, changed_at) == 1
    assert _count(empty_prices) == rows + 1
    before = changed_at - timedelta(seconds=1)
    assert _price(empty_prices, "openai", "gpt-4o", before) == MAP[("openai", "gpt-4o")]
    assert _price(empty_prices, "openai", "gpt-4o", changed_at) == MicroPrice(2_000_000, 8_000_000)


def test_the_real_start_up_load_is_idempotent_and_fills_the_price_book(
    empty_prices: Engine,
) -> None:
    first = pricing.load_prices_at_start_up()
    assert first.inserted > 100  # LiteLLM's map for openai, anthropic and gemini
    assert shared_price_book().loaded
    again = pricing.load_prices_at_start_up()
    assert (again.inserted, again.unchanged) == (0, first.inserted)
    # gpt-4o at $2.50/$10 per million tokens, from the table through the book.
    assert CostCalculator().cost(GPT_4O, 1_000, 1_000) == 0.0125


def test_an_override_is_exact_audited_wins_at_once_and_reaches_the_llm_layer(
    empty_prices: Engine, session: Session
) -> None:
    pricing.load_prices_at_start_up()
    now = utc_now()
    assert _price(empty_prices, "openai", "gpt-4o", now) == MAP[("openai", "gpt-4o")]  # cached
    price_id = _set(input_usd="0.1", output_usd="0.3", cached_usd="0.000001")
    later = utc_now()
    # Exact: 0.1 USD is 100,000 micros (a float would give 100000.00000000001).
    expected = MicroPrice(100_000, 300_000, 1)
    assert _price(empty_prices, "openai", "gpt-4o", later) == expected
    # Past calls keep what they cost.
    assert (
        _price(empty_prices, "openai", "gpt-4o", now - timedelta(minutes=10))
        == MAP[("openai", "gpt-4o")]
    )
    assert CostCalculator().cost(GPT_4O, 1_000_000, 1_000_000) == pytest.approx(0.4)
    audit_row = session.execute(
        select(AuditEvent).where(AuditEvent.action == "price.override.set")  # type: ignore[arg-type]
    ).scalar_one()
    assert (audit_row.object_id, audit_row.detail["input_usd"]) == (str(price_id), "0.10")
    assert audit_row.detail["cached_usd"] == "0.000001"


def test_a_future_override_is_scheduled_until_its_date(empty_prices: Engine) -> None:
    pricing.load_prices_at_start_up()
    start = utc_now() + timedelta(days=3)
    _set(
        model="claude-3-opus",
        provider="anthropic",
        input_usd="1",
        output_usd="2",
        effective_from=start.isoformat(),
    )
    default = MicroPrice(15_000_000, 75_000_000)
    assert _price(empty_prices, "anthropic", "claude-3-opus", utc_now()) == default
    assert _price(empty_prices, "anthropic", "claude-3-opus", start) == MicroPrice(
        1_000_000, 2_000_000
    )
    book = shared_price_book()
    assert book.price("anthropic", "claude-3-opus") == default
    assert book.price("anthropic", "claude-3-opus", start) == MicroPrice(1_000_000, 2_000_000)
    with session_scope(read_only=True) as session:
        page = price_overrides.list_prices(session, principal=VIEWER, search="CLAUDE-3-OPUS")
    assert [(p.source, p.status) for p in page.items] == [
        ("override", PriceStatus.SCHEDULED),
        ("default", PriceStatus.IN_FORCE),
    ]


def test_setting_the_same_moment_again_replaces_and_delete_restores(empty_prices: Engine) -> None:
    pricing.load_prices_at_start_up()
    start = (utc_now() + timedelta(days=1)).isoformat()
    _set(effective_from=start)
    replacement = _set(effective_from=start, input_usd="9")
    with session_scope(read_only=True) as session:
        page = price_overrides.list_prices(session, principal=VIEWER, source="override")
    assert [(p.id, p.input_usd) for p in page.items] == [(replacement, "9.00")]
    with session_scope() as session:
        price_overrides.delete_override(session, principal=SYSTEM, price_id=replacement)
    assert (
        shared_price_book().price("openai", "gpt-4o", utc_now() + timedelta(days=2))
        == MAP[("openai", "gpt-4o")]
    )
    with session_scope() as session, pytest.raises(NotFoundError):
        # LiteLLM's and the default rows are the record: they are not overrides.
        litellm_row = price_overrides.list_prices(session, principal=VIEWER, search="gpt-4o")
        price_overrides.delete_override(session, principal=SYSTEM, price_id=litellm_row.items[0].id)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"input_usd": "-1"}, "Input price cannot be negative"),
        ({"output_usd": "ten"}, "Output price: enter a number of dollars"),
        ({"output_usd": "NaN"}, "Output price: enter a number of dollars"),
        ({"input_usd": "1000000"}, "looks like a typo"),
        ({"input_usd": "0.0000001"}, "at most 6 decimal places"),
        ({"cached_usd": "-0.5"}, "Cached input price cannot be negative"),
        ({"model": "  "}, "enter the model's name"),
        ({"model": "gpt 4o"}, "without spaces"),
        ({"effective_from": "2020-01-01T00:00:00Z"}, "starts now or later"),
    ],
)
def test_bad_overrides_are_refused_with_a_clear_message(
    empty_prices: Engine, fields: dict[str, object], message: str
) -> None:
    with session_scope() as session, pytest.raises(InvalidInputError, match=message):
        price_overrides.set_override(session, principal=SYSTEM, data=_override(**fields))
    assert _count(empty_prices) == 0


@pytest.mark.parametrize("provider", ["acme", "mock", ""])
def test_only_priced_providers_are_accepted(provider: str) -> None:
    with pytest.raises(ValidationError, match="provider"):
        _override(provider=provider)


def test_only_the_owner_and_admins_change_prices_and_everyone_reads(empty_prices: Engine) -> None:
    _load(empty_prices, MAP, utc_now())
    with session_scope() as session, pytest.raises(PermissionDeniedError):
        price_overrides.set_override(session, principal=VIEWER, data=_override())
    price_id = _set()
    editor = Principal(user_id=0, role=Role.EDITOR, label="editor@example.com")
    with session_scope() as session, pytest.raises(PermissionDeniedError):
        price_overrides.delete_override(session, principal=editor, price_id=price_id)
    with session_scope(read_only=True) as session:
        page = price_overrides.list_prices(session, principal=VIEWER, limit=2, offset=1)
    assert page.total == len(MAP) + len(pricing.DEFAULT_PRICES) - 1 + 1
    assert len(page.items) == 2


def test_listing_searches_pages_and_marks_what_is_in_force(empty_prices: Engine) -> None:
    now = utc_now()
    _load(empty_prices, MAP, now - timedelta(days=1))
    _load(empty_prices, {**MAP, ("openai", "gpt-4o"): MicroPrice(1, 2)}, now)
    with session_scope(read_only=True) as session:
        page = price_overrides.list_prices(session, principal=VIEWER, search="gpt-4o")
        assert [(p.input_micros_per_mtok, p.status) for p in page.items] == [
            (1, PriceStatus.IN_FORCE),
            (2_500_000, PriceStatus.SUPERSEDED),
        ]
        assert page.items[1].input_usd == "2.50"
        with pytest.raises(InvalidInputError, match="Unknown source"):
            price_overrides.list_prices(session, principal=VIEWER, source="nope")


def test_the_book_picks_up_another_process_change_and_skips_an_unchanged_table(
    empty_prices: Engine,
) -> None:
    pricing.load_prices_at_start_up()
    with empty_prices.connect() as connection:
        assert not pricing.refresh_price_book(connection)  # nothing changed since the load
    with empty_prices.begin() as connection:  # as another process would write it
        connection.execute(
            pricing.PRICING.insert().values(
                provider="openai",
                model="gpt-4o",
                input_micros_per_mtok=1,
                output_micros_per_mtok=1,
                currency="USD",
                effective_from=utc_now() - timedelta(seconds=1),
                source="override",
                created_at=utc_now(),
            )
        )
    assert shared_price_book().price("openai", "gpt-4o") == MAP[("openai", "gpt-4o")]
    with empty_prices.connect() as connection:
        assert pricing.refresh_price_book(connection)
    assert shared_price_book().price("openai", "gpt-4o") == MicroPrice(1, 1)
