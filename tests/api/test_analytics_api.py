"""The analytics API over cost_seed's ledger: each report, the date range and its default,
the workflow filter, the CSV export, bad ranges, and scoping by the caller's key."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import httpx
import pytest

from app.services.api_keys import create_api_key
from app.services.principal import Principal
from app.services.unit_of_work import session_scope
from tests.services.cost_seed import CostWorld, seed_costs


@pytest.fixture
def world(db_url: str) -> CostWorld:
    """The seeded ledger, committed."""
    with session_scope() as session:
        return seed_costs(session)


def key_of(principal: Principal) -> dict[str, str]:
    """Authorization headers with a new read-only API key of `principal`."""
    with session_scope() as session:
        _, key = create_api_key(
            session, principal=principal, name="analytics", scopes=["workflows:read"]
        )
    return {"Authorization": f"Bearer {key}"}


async def get(
    client: httpx.AsyncClient, path: str, principal: Principal, **params: object
) -> httpx.Response:
    return await client.get(f"/api/analytics/{path}", params=params, headers=key_of(principal))


async def test_costs_grouped_and_ranged(
    anonymous_client: httpx.AsyncClient, world: CostWorld
) -> None:
    # Default range: the last 30 days (c7, 40 days ago, is outside).
    answer = await get(anonymous_client, "costs", world.admin, group_by="model")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["start"], body["end"]) == (
        str(world.today - timedelta(days=29)),
        str(world.today),
    )
    assert [(row["key"], row["cost_micros"]) for row in body["rows"]] == [
        ("gpt-4", 135900),
        ("gemini-1.5-pro", 6250),
        ("claude-3-haiku", 675),
        ("mock-model", 0),
    ]
    assert body["rows"][0]["cost_usd"] == pytest.approx(0.1359)
    ranged = await get(
        anonymous_client,
        "costs",
        world.admin,
        start=str(world.today - timedelta(days=60)),
        end=str(world.today - timedelta(days=30)),
    )
    assert [(row["label"], row["cost_micros"]) for row in ranged.json()["rows"]] == [
        ("Delta (deleted)", 2000)
    ]


async def test_a_user_sees_only_their_own_and_shared_costs(
    anonymous_client: httpx.AsyncClient, world: CostWorld
) -> None:
    alices = (await get(anonymous_client, "costs", world.alice)).json()["rows"]
    assert [(row["label"], row["cost_micros"]) for row in alices] == [
        ("Alpha", 126225),
        ("Beta", 450),
    ]
    gamma = world.workflows["Gamma"]
    hidden = await get(anonymous_client, "trends", world.alice, workflow_id=gamma)
    assert hidden.json()["rows"] == []
    bobs = (await get(anonymous_client, "trends", world.bob, workflow_id=gamma)).json()
    assert [(row["provider"], row["cost_micros"]) for row in bobs["rows"]] == [("gemini", 6250)]


async def test_usage_and_expensive_workflows(
    anonymous_client: httpx.AsyncClient, world: CostWorld
) -> None:
    usage = (await get(anonymous_client, "usage", world.alice)).json()
    assert usage["tokens"]["total_tokens"] == 5120
    assert usage["totals"]["all_time"]["cost_micros"] == 128675
    assert [(s["name"], s["runs"], s["failed"]) for s in usage["executions"]] == [
        ("Alpha", 3, 1),
        ("Beta", 1, 1),
    ]
    top = (await get(anonymous_client, "expensive-workflows", world.admin, limit=2)).json()
    assert [row["label"] for row in top["rows"]] == ["Alpha", "Epsilon (deleted)"]


async def test_export_is_a_csv_file(anonymous_client: httpx.AsyncClient, world: CostWorld) -> None:
    answer = await get(anonymous_client, "export", world.bob, kind="workflow")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [(row["label"], row["cost_usd"]) for row in rows] == [
        ("Epsilon (deleted)", "0.009000"),
        ("Gamma", "0.006250"),
        ("Beta", "0.000450"),
    ]
    ledger = await get(anonymous_client, "export", world.bob)
    assert len(list(csv.DictReader(io.StringIO(ledger.text)))) == 4


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-02-01", "end": "2026-01-31"}, "is after the end date"),
        ({"start": "1990-01-01", "end": "2026-01-31"}, "at most 3660 days"),
        ({"start": "0"}, "ISO date"),
        ({"end": "2026-02-30"}, "end"),
        ({"group_by": "colour"}, "group_by"),
        ({"workflow_id": "0"}, "workflow_id"),
    ],
)
async def test_bad_parameters_answer_422(
    anonymous_client: httpx.AsyncClient,
    world: CostWorld,
    params: dict[str, str],
    message: str,
) -> None:
    answer = await get(anonymous_client, "costs", world.admin, **params)
    assert answer.status_code == 422, answer.text
    assert message in answer.text


async def test_an_unknown_export_kind_answers_422(
    anonymous_client: httpx.AsyncClient, world: CostWorld
) -> None:
    answer = await get(anonymous_client, "export", world.admin, kind="everything")
    assert answer.status_code == 422
