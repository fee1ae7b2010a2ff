"""Workflow endpoints on SQLite and PostgreSQL: CRUD, search, soft delete, validate, execute."""

from __future__ import annotations

from typing import Any

import httpx

from tests.documents import chain, node


async def test_create_then_get_returns_the_saved_workflow(
    client: httpx.AsyncClient, greeting_definition: dict[str, Any]
) -> None:
    response = await client.post(
        "/api/workflows",
        json={"name": "Greeter", "description": "says hi", "definition": greeting_definition},
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["id"] >= 1
    assert created["name"] == "Greeter"
    assert created["problems"] == []

    fetched = (await client.get(f"/api/workflows/{created['id']}")).json()
    assert fetched["name"] == "Greeter"
    assert fetched["description"] == "says hi"
    assert [n["id"] for n in fetched["definition"]["nodes"]] == ["start", "greet", "result"]


async def test_saving_a_graph_with_problems_is_allowed_and_reports_them(
    client: httpx.AsyncClient, cyclic_definition: dict[str, Any]
) -> None:
    response = await client.post(
        "/api/workflows", json={"name": "Loop", "definition": cyclic_definition}
    )
    assert response.status_code == 201, response.text
    problems = response.json()["problems"]
    assert "cycle" in {p["code"] for p in problems}
    assert {"a", "b"} <= {p["node_id"] for p in problems if p["code"] == "cycle"}


async def test_list_searches_and_paginates(client: httpx.AsyncClient, create_workflow: Any) -> None:
    for name in ("Invoice sync", "Invoice report", "Slack digest"):
        await create_workflow(chain(node("t", "manual_trigger")), name=name)

    everything = (await client.get("/api/workflows")).json()
    assert everything["total"] == 3
    assert len(everything["items"]) == 3

    found = (await client.get("/api/workflows", params={"search": "invoice"})).json()
    assert found["total"] == 2
    assert {w["name"] for w in found["items"]} == {"Invoice sync", "Invoice report"}

    page = (await client.get("/api/workflows", params={"offset": 1, "limit": 1})).json()
    assert page["total"] == 3
    assert len(page["items"]) == 1
    assert page["items"][0]["id"] not in {w["id"] for w in everything["items"][:1]}


async def test_put_and_patch_update_fields(
    client: httpx.AsyncClient, create_workflow: Any, greeting_definition: dict[str, Any]
) -> None:
    workflow = await create_workflow(greeting_definition, name="Before")
    url = f"/api/workflows/{workflow['id']}"

    renamed = await client.put(url, json={"name": "After"})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "After"

    described = await client.patch(url, json={"description": "now described"})
    assert described.status_code == 200, described.text
    assert described.json()["description"] == "now described"
    assert described.json()["name"] == "After"

    shorter = chain(node("start", "manual_trigger"), node("result", "output"))
    saved = await client.put(url, json={"definition": shorter})
    assert [n["id"] for n in saved.json()["definition"]["nodes"]] == ["start", "result"]
    assert (await client.get(url)).json()["definition"]["nodes"][1]["id"] == "result"


async def test_delete_hides_and_restore_brings_back(
    client: httpx.AsyncClient, create_workflow: Any, greeting_definition: dict[str, Any]
) -> None:
    workflow = await create_workflow(greeting_definition)
    url = f"/api/workflows/{workflow['id']}"

    deleted = await client.delete(url)
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["deleted_at"] is not None
    assert (await client.get(url)).status_code == 404
    assert (await client.get("/api/workflows")).json()["total"] == 0
    with_deleted = (await client.get("/api/workflows", params={"include_deleted": True})).json()
    assert [w["id"] for w in with_deleted["items"]] == [workflow["id"]]
    assert (await client.get(url, params={"include_deleted": True})).status_code == 200

    restored = await client.post(f"{url}/restore")
    assert restored.status_code == 200, restored.text
    assert restored.json()["deleted_at"] is None
    assert (await client.get(url)).status_code == 200


async def test_duplicate_copies_the_definition_under_a_new_id(
    client: httpx.AsyncClient, create_workflow: Any, greeting_definition: dict[str, Any]
) -> None:
    workflow = await create_workflow(greeting_definition, name="Original")
    response = await client.post(f"/api/workflows/{workflow['id']}/duplicate")
    assert response.status_code == 201, response.text
    copy = response.json()
    assert copy["id"] != workflow["id"]
    assert copy["name"] != "Original"
    assert "Original" in copy["name"]
    assert copy["definition"]["nodes"] == workflow["definition"]["nodes"]
    assert (await client.get("/api/workflows")).json()["total"] == 2


async def test_validate_saved_workflow_lists_problems_with_node_ids(
    client: httpx.AsyncClient,
    create_workflow: Any,
    greeting_definition: dict[str, Any],
    cyclic_definition: dict[str, Any],
) -> None:
    good = await create_workflow(greeting_definition)
    result = (await client.post(f"/api/workflows/{good['id']}/validate")).json()
    assert result == {"valid": True, "problems": []}

    bad = await create_workflow(cyclic_definition)
    result = (await client.post(f"/api/workflows/{bad['id']}/validate")).json()
    assert result["valid"] is False
    assert any(p["code"] == "cycle" and p["node_id"] in {"a", "b"} for p in result["problems"])


async def test_validate_unsaved_document_returns_every_problem(client: httpx.AsyncClient) -> None:
    document = chain(
        node("start", "manual_trigger"),
        node("mystery", "no_such_type"),
        node("result", "output"),
    )
    document["edges"].append({"id": "dangling", "source": "result", "target": "ghost"})
    response = await client.post("/api/workflows/validate", json={"definition": document})
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["valid"] is False
    codes = {(p["code"], p["node_id"] or p["edge_id"]) for p in result["problems"]}
    assert ("unknown_type", "mystery") in codes
    assert any(code == "dangling_edge" for code, _ in codes)

    ok = await client.post(
        "/api/workflows/validate", json={"definition": chain(node("t", "manual_trigger"))}
    )
    assert ok.json() == {"valid": True, "problems": []}


async def test_execute_runs_with_the_input_and_records_node_runs(
    client: httpx.AsyncClient,
    create_workflow: Any,
    wait_for_execution: Any,
    greeting_definition: dict[str, Any],
) -> None:
    workflow = await create_workflow(greeting_definition)
    response = await client.post(
        f"/api/workflows/{workflow['id']}/execute", json={"input": {"name": "Ada"}}
    )
    assert response.status_code == 202, response.text
    started = response.json()
    assert started["workflow_id"] == workflow["id"]
    assert started["status"] in {"queued", "running"}

    detail = await wait_for_execution(started["execution_id"])

    assert detail["status"] == "succeeded", detail
    assert "Hello Ada" in str(detail["output"])
    runs = {run["node_id"]: run for run in detail["node_runs"]}
    assert set(runs) == {"start", "greet", "result"}
    assert all(run["status"] == "succeeded" for run in runs.values())
    assert runs["greet"]["output"] == "Hello Ada"


async def test_execute_without_body_uses_no_input(
    client: httpx.AsyncClient, create_workflow: Any, wait_for_execution: Any
) -> None:
    workflow = await create_workflow(
        chain(node("start", "manual_trigger"), node("result", "output", value="done"))
    )
    response = await client.post(f"/api/workflows/{workflow['id']}/execute")
    assert response.status_code == 202, response.text
    detail = await wait_for_execution(response.json()["execution_id"])
    assert detail["status"] == "succeeded"


async def test_a_broken_template_and_an_empty_condition_are_reported_while_editing(
    client: httpx.AsyncClient, create_workflow: Any
) -> None:
    document = chain(
        node("start", "manual_trigger"),
        node("check", "condition", condition=""),
        node("greet", "transform", template="Hi {{ input.name }"),
    )
    saved = await create_workflow(document)
    found = {(p["code"], p["node_id"], p["field"]): p["message"] for p in saved["problems"]}
    assert found[("invalid_config", "check", "condition")].startswith(
        "condition: the condition is empty"
    )
    assert found[("invalid_template", "greet", "template")] == (
        "template: template syntax error at line 1, column 18: unexpected '}'"
    )

    started = await client.post(f"/api/workflows/{saved['id']}/execute", json={"input": {}})
    assert started.status_code == 422, started.text
    assert "column 18" in started.json()["detail"] + str(started.json()["problems"])
