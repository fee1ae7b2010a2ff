"""Orchestration routes on SQLite and PostgreSQL: CRUD, JSON 4xx, run (202) and runs."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.api.conftest import WaitFor
from tests.sql_threads import statements_on_this_thread

PET_QUESTION = "Which is the best pet for a small flat? Options: cat, dog, fish"
VOTERS = [
    {"name": "Ann", "model": "mock/agent-a", "system_prompt": "You like quiet pets."},
    {"name": "Bob", "model": "mock/agent-b", "temperature": 0.2},
    {"name": "Cy", "model": "mock/agent-c", "weight": 2},
]


@pytest.fixture(autouse=True)
def no_provider_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing here may reach a real provider."""
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY"):
        monkeypatch.delenv(name, raising=False)


async def create(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    body = {"name": "Pet panel", "strategy": "consensus", "agents": VOTERS} | fields
    response = await client.post("/api/orchestrations", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def test_create_read_update_list_and_delete(client: httpx.AsyncClient) -> None:
    created = await create(client, description="Three voters")
    assert (created["strategy"], created["voting"]) == ("consensus", "majority")
    assert [a["name"] for a in created["agents"]] == ["Ann", "Bob", "Cy"]
    assert created["agents"][2]["weight"] == 2
    orchestration_id = created["id"]

    fetched = await client.get(f"/api/orchestrations/{orchestration_id}")
    assert fetched.status_code == 200 and fetched.json() == created

    changed = await client.put(
        f"/api/orchestrations/{orchestration_id}", json={"voting": "weighted", "name": "Panel"}
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["voting"], changed.json()["name"]) == ("weighted", "Panel")
    assert changed.json()["agents"] == created["agents"]

    listed = (await client.get("/api/orchestrations")).json()
    assert [(o["id"], o["agent_count"], o["voting"]) for o in listed["items"]] == [
        (orchestration_id, 3, "weighted")
    ]
    workflows = (await client.get("/api/workflows")).json()
    assert workflows["total"] == 0, "orchestrations stay off the workflows page"
    kinds = (await client.get("/api/workflows", params={"kind": "orchestration"})).json()
    assert [w["id"] for w in kinds["items"]] == [orchestration_id]

    deleted = await client.delete(f"/api/orchestrations/{orchestration_id}")
    assert deleted.status_code == 200
    gone = await client.get(f"/api/orchestrations/{orchestration_id}")
    assert gone.status_code == 404
    assert gone.json()["detail"] == f"Orchestration {orchestration_id} not found"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"agents": [VOTERS[0]]}, "consensus needs at least two agents"),
        ({"agents": [VOTERS[0], VOTERS[0]]}, "agent names must be unique: Ann"),
        ({"agents": [VOTERS[0], VOTERS[1] | {"temperature": 3}]}, "temperature"),
        ({"strategy": "debate"}, "strategy"),
        ({"name": "  "}, "name"),
    ],
)
async def test_invalid_orchestrations_get_a_json_422(
    client: httpx.AsyncClient, body: dict[str, Any], message: str
) -> None:
    payload = {"name": "Panel", "strategy": "consensus", "agents": VOTERS} | body
    response = await client.post("/api/orchestrations", json=payload)
    assert response.status_code == 422, response.text
    error = response.json()
    assert message in error["detail"] + " ".join(p["message"] for p in error["problems"])


async def test_an_update_that_breaks_the_rules_is_refused(client: httpx.AsyncClient) -> None:
    created = await create(client)
    response = await client.put(
        f"/api/orchestrations/{created['id']}", json={"agents": [VOTERS[0]]}
    )
    assert response.status_code == 422
    assert "consensus needs at least two agents" in response.json()["detail"]


async def test_unknown_ids_and_workflows_are_404(
    client: httpx.AsyncClient, create_workflow: Any, greeting_definition: dict[str, Any]
) -> None:
    workflow = await create_workflow(greeting_definition)
    for path in (
        "/api/orchestrations/999",
        f"/api/orchestrations/{workflow['id']}",
        f"/api/orchestrations/{workflow['id']}/runs",
    ):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert response.json()["detail"].startswith("Orchestration")
    run = await client.post(f"/api/orchestrations/{workflow['id']}/run", json={"input": "x"})
    assert run.status_code == 404


async def test_run_answers_202_and_the_runs_show_each_agent_side_by_side(
    client: httpx.AsyncClient, wait_for_execution: WaitFor
) -> None:
    created = await create(client)
    response = await client.post(
        f"/api/orchestrations/{created['id']}/run", json={"input": PET_QUESTION}
    )
    assert response.status_code == 202, response.text
    started = response.json()
    assert started["status"] == "running" and started["workflow_id"] == created["id"]
    execution = await wait_for_execution(started["execution_id"])
    assert execution["status"] == "succeeded", execution
    assert execution["uses_mock"] is True
    assert execution["output"] == {"answer": "cat"}

    runs = (await client.get(f"/api/orchestrations/{created['id']}/runs")).json()
    assert runs["total"] == 1
    (run,) = runs["items"]
    assert (run["winner"], run["votes"], run["is_mock"]) == ("cat", {"cat": 2, "dog": 1}, True)
    assert [(a["name"], a["text"], a["is_mock"]) for a in run["agents"]] == [
        ("Ann", "cat", True),
        ("Bob", "cat", True),
        ("Cy", "dog", True),
    ]
    assert all(a["tokens_in"] > 0 and a["cost_usd"] == 0.0 for a in run["agents"])
    assert all(a["latency_ms"] is not None for a in run["agents"])


async def test_runs_are_paged(client: httpx.AsyncClient, wait_for_execution: WaitFor) -> None:
    created = await create(client, strategy="parallel")
    ids = []
    for question in ("one", "two"):
        response = await client.post(
            f"/api/orchestrations/{created['id']}/run", json={"input": question}
        )
        ids.append(response.json()["execution_id"])
    await asyncio.gather(*(wait_for_execution(i) for i in ids))
    page = (
        await client.get(f"/api/orchestrations/{created['id']}/runs", params={"limit": 1})
    ).json()
    assert page["total"] == 2 and [r["execution_id"] for r in page["items"]] == [ids[1]]
    assert page["items"][0]["input"] == "two"
    bad = await client.get(f"/api/orchestrations/{created['id']}/runs", params={"limit": 0})
    assert bad.status_code == 422


async def test_starting_a_run_runs_no_sql_on_the_event_loop(
    client: httpx.AsyncClient, wait_for_execution: WaitFor
) -> None:
    created = await create(client)
    with statements_on_this_thread() as on_loop:
        response = await client.post(
            f"/api/orchestrations/{created['id']}/run", json={"input": PET_QUESTION}
        )
    assert response.status_code == 202, response.text
    assert on_loop == []
    await wait_for_execution(response.json()["execution_id"])
