"""GET /api/workflows/{id}/cost-estimate through the ASGI app, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from tests.documents import chain, node

CreateWorkflow = Callable[..., Awaitable[dict[str, Any]]]
AGENTS = [{"name": name, "model": "gpt-4o-mini"} for name in ("Ann", "Bob", "Cy")]


@pytest.fixture(autouse=True)
def no_provider_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test sets the keys it needs (fake values: an estimate never calls anyone)."""
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def llm_document() -> dict[str, Any]:
    panel = node(
        "panel", "orchestration", strategy="consensus", voting="judge", agents=AGENTS, prompt="Q?"
    )
    return chain(node("start", "manual_trigger"), node("ask", "agent", prompt="Hi"), panel)


async def test_without_keys_the_estimate_is_mock_and_free(
    client: httpx.AsyncClient, create_workflow: CreateWorkflow
) -> None:
    workflow = await create_workflow(llm_document())

    response = await client.get(f"/api/workflows/{workflow['id']}/cost-estimate")

    assert response.status_code == 200, response.text
    body = response.json()
    assert [(n["node_id"], len(n["calls"])) for n in body["nodes"]] == [("ask", 1), ("panel", 4)]
    assert (body["total_usd"], body["uses_mock"], body["any_unknown_price"]) == (0.0, True, False)
    assert {c["provider"] for n in body["nodes"] for c in n["calls"]} == {"mock"}


async def test_with_an_openai_key_the_selected_nodes_are_priced(
    client: httpx.AsyncClient, create_workflow: CreateWorkflow, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-fake-not-used-1234")
    workflow = await create_workflow(llm_document())
    url = f"/api/workflows/{workflow['id']}/cost-estimate"

    response = await client.get(url, params={"node_ids": " panel, "})

    assert response.status_code == 200, response.text
    body = response.json()
    (panel,) = body["nodes"]
    assert [c["label"] for c in panel["calls"]] == ["Ann", "Bob", "Cy", "judge"]
    assert {c["provider"] for c in panel["calls"]} == {"openai"}
    assert body["total_usd"] == pytest.approx(panel["cost_usd"]) and body["total_usd"] > 0
    assert (body["uses_mock"], body["any_unknown_price"]) == (False, False)
    everything = (await client.get(url, params={"node_ids": ""})).json()
    assert len(everything["nodes"]) == 2


async def test_workflows_without_llm_nodes_have_an_empty_estimate(
    client: httpx.AsyncClient, create_workflow: CreateWorkflow, greeting_definition: dict
) -> None:
    workflow = await create_workflow(greeting_definition)

    body = (await client.get(f"/api/workflows/{workflow['id']}/cost-estimate")).json()

    assert body == {
        "nodes": [],
        "total_usd": 0.0,
        "any_unknown_price": False,
        "uses_mock": False,
        "budgets": [],
        "over_budget": False,
    }


async def test_unknown_workflows_and_nodes_are_json_404s(
    client: httpx.AsyncClient, create_workflow: CreateWorkflow
) -> None:
    missing = await client.get("/api/workflows/999/cost-estimate")
    assert missing.status_code == 404
    assert "999" in missing.json()["detail"]

    workflow = await create_workflow(llm_document())
    ghost = await client.get(
        f"/api/workflows/{workflow['id']}/cost-estimate", params={"node_ids": "ask,ghost"}
    )
    assert ghost.status_code == 404
    assert "ghost" in ghost.json()["detail"]
