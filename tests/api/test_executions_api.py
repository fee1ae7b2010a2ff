"""Execution endpoints on SQLite and PostgreSQL: list filters, pagination, detail, cancel."""

from __future__ import annotations

from typing import Any

import httpx

from tests.documents import chain, node


async def _execute(client: httpx.AsyncClient, workflow_id: int, payload: Any = None) -> int:
    response = await client.post(f"/api/workflows/{workflow_id}/execute", json={"input": payload})
    assert response.status_code == 202, response.text
    return int(response.json()["execution_id"])


async def test_list_filters_by_workflow_and_status_and_paginates(
    client: httpx.AsyncClient, create_workflow: Any, wait_for_execution: Any
) -> None:
    ok = await create_workflow(chain(node("t", "manual_trigger"), node("o", "output", value=1)))
    failing = await create_workflow(
        chain(
            node("t", "manual_trigger"),
            node("boom", "transform", mode="jmespath", expression="abs(@)"),
        ),
        name="Failing",
    )
    ok_ids = [await _execute(client, ok["id"]) for _ in range(3)]
    failed_id = await _execute(client, failing["id"], "not a number")
    for execution_id in [*ok_ids, failed_id]:
        await wait_for_execution(execution_id)

    everything = (await client.get("/api/executions")).json()
    assert everything["total"] == 4

    of_ok = (await client.get("/api/executions", params={"workflow_id": ok["id"]})).json()
    assert of_ok["total"] == 3
    assert {e["id"] for e in of_ok["items"]} == set(ok_ids)

    failed = (await client.get("/api/executions", params={"status": "failed"})).json()
    assert [e["id"] for e in failed["items"]] == [failed_id]
    assert failed["items"][0]["error_node_id"] == "boom"

    page = (
        await client.get(
            "/api/executions", params={"workflow_id": ok["id"], "offset": 1, "limit": 1}
        )
    ).json()
    assert page["total"] == 3
    assert len(page["items"]) == 1
    assert page["items"][0]["id"] in ok_ids

    none = (await client.get("/api/executions", params={"status": "crashed"})).json()
    assert none == {"items": [], "total": 0}


async def test_detail_has_one_node_run_per_node_with_outputs(
    client: httpx.AsyncClient, create_workflow: Any, wait_for_execution: Any
) -> None:
    workflow = await create_workflow(
        chain(
            node("t", "manual_trigger"),
            node("double", "transform", mode="jmespath", expression="values"),
            node("o", "output"),
        )
    )
    execution_id = await _execute(client, workflow["id"], {"values": [1, 2]})
    detail = await wait_for_execution(execution_id)

    assert detail["status"] == "succeeded"
    assert detail["workflow_id"] == workflow["id"]
    assert detail["finished_at"] is not None
    runs = {run["node_id"]: run for run in detail["node_runs"]}
    assert runs["double"]["output"] == [1, 2]
    assert runs["t"]["output"] == {"values": [1, 2]}
    assert runs["o"]["status"] == "succeeded"


async def test_cancel_stops_a_running_execution_and_then_conflicts(
    client: httpx.AsyncClient,
    create_workflow: Any,
    wait_for_execution: Any,
    slow_definition: dict[str, Any],
) -> None:
    workflow = await create_workflow(slow_definition)
    execution_id = await _execute(client, workflow["id"])
    await wait_for_execution(execution_id, statuses={"running"})

    response = await client.post(f"/api/executions/{execution_id}/cancel")
    assert response.status_code == 200, response.text
    assert response.json()["status"] in {"cancelled", "running"}

    detail = await wait_for_execution(execution_id, timeout_s=10)
    assert detail["status"] == "cancelled"
    assert detail["finished_at"] is not None
    statuses = {run["node_id"]: run["status"] for run in detail["node_runs"]}
    assert statuses.get("result") != "succeeded"
    assert "running" not in statuses.values()

    again = await client.post(f"/api/executions/{execution_id}/cancel")
    assert again.status_code == 409, again.text
    assert again.json()["detail"]


async def test_cancelling_a_finished_execution_is_a_conflict(
    client: httpx.AsyncClient, create_workflow: Any, wait_for_execution: Any
) -> None:
    workflow = await create_workflow(chain(node("t", "manual_trigger")))
    execution_id = await _execute(client, workflow["id"])
    before = await wait_for_execution(execution_id)

    response = await client.post(f"/api/executions/{execution_id}/cancel")
    assert response.status_code == 409, response.text
    assert "detail" in response.json()
    after = (await client.get(f"/api/executions/{execution_id}")).json()
    assert after["status"] == before["status"] == "succeeded"
