"""Price routes: list with search and paging, set an override (exact amounts, 201), refused
input (422 with the field's message), the owner/admin rule (403), delete (204, then 404)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import Engine

from app.models.account import Role
from app.services.pricing import load_prices_at_start_up
from tests.api.test_api_errors import assert_error as assert_error_shape
from tests.credentials import user_with_key
from tests.services.price_rows import empty_prices

__all__ = ["empty_prices"]


def assert_error(response: httpx.Response, status_code: int, message: str) -> None:
    """The error answer's shape, status and that its detail names the reason."""
    assert message in assert_error_shape(response, status_code)["detail"]


@pytest.fixture
async def prices(empty_prices: Engine) -> AsyncIterator[None]:
    """The table as the app has it after starting: LiteLLM's map and the defaults."""
    load_prices_at_start_up()
    yield


OVERRIDE = {"provider": "openai", "model": "gpt-4o", "input_usd": "0.1", "output_usd": "0.3"}


@pytest.mark.usefixtures("prices")
async def test_set_list_and_delete_an_override(client: httpx.AsyncClient) -> None:
    created = await client.post("/api/pricing", json={**OVERRIDE, "cached_usd": "0.05"})
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["input_micros_per_mtok"], body["output_micros_per_mtok"]) == (100_000, 300_000)
    assert (body["input_usd"], body["cached_usd"], body["status"]) == ("0.10", "0.05", "in_force")
    listed = await client.get("/api/pricing", params={"search": "gpt-4o", "limit": 200})
    assert listed.status_code == 200
    rows = [r for r in listed.json()["items"] if r["model"] == "gpt-4o"]
    assert [(r["source"], r["status"]) for r in rows] == [
        ("override", "in_force"),
        ("litellm", "superseded"),
    ]
    overrides = await client.get("/api/pricing", params={"source": "override"})
    assert overrides.json()["total"] == 1
    deleted = await client.delete(f"/api/pricing/{body['id']}")
    assert deleted.status_code == 204
    again = await client.delete(f"/api/pricing/{body['id']}")
    assert_error(again, 404, "Price override")


@pytest.mark.usefixtures("prices")
@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"input_usd": "-2"}, "Input price cannot be negative"),
        ({"output_usd": "lots"}, "Output price: enter a number of dollars"),
        ({"output_usd": "99999999"}, "looks like a typo"),
        ({"provider": "nowhere"}, "Input should be"),
        ({"effective_from": "2001-01-01T00:00:00Z"}, "starts now or later"),
    ],
)
async def test_bad_amounts_and_dates_answer_422_with_the_reason(
    client: httpx.AsyncClient, fields: dict[str, str], message: str
) -> None:
    response = await client.post("/api/pricing", json={**OVERRIDE, **fields})
    assert_error(response, 422, message)


@pytest.mark.usefixtures("prices")
async def test_a_float_amount_is_refused_by_the_schema(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/pricing", json={**OVERRIDE, "input_usd": 0.1})
    assert response.status_code == 422


@pytest.mark.usefixtures("prices")
async def test_editors_read_prices_but_only_owner_and_admins_change_them(
    anonymous_client: httpx.AsyncClient,
) -> None:
    key = user_with_key("editor@example.com", Role.EDITOR, ("workflows:read", "workflows:write"))
    headers = {"Authorization": f"Bearer {key}"}
    listed = await anonymous_client.get(
        "/api/pricing", params={"search": "claude-3-opus"}, headers=headers
    )
    assert listed.status_code == 200
    assert [(r["source"], r["input_usd"], r["output_usd"]) for r in listed.json()["items"]] == [
        ("default", "15.00", "75.00")
    ]
    refused = await anonymous_client.post("/api/pricing", json=OVERRIDE, headers=headers)
    assert_error(refused, 403, "Only the owner and admins can change prices")
    admin = user_with_key("admin@example.com", Role.ADMIN, ("workflows:read", "workflows:write"))
    allowed = await anonymous_client.post(
        "/api/pricing", json=OVERRIDE, headers={"Authorization": f"Bearer {admin}"}
    )
    assert allowed.status_code == 201, allowed.text
