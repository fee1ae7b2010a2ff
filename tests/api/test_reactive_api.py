"""Reactive-run endpoints on SQLite and PostgreSQL: runs by mode, node states, stale, pins."""

from __future__ import annotations

from typing import Any

import httpx

from tests.documents import chain, node


def three_steps() -> dict[str, Any]:
    """start -> upper (uppercases trigger.text) -> shout (adds "!")."""
    return chain(
        node("start", "manual_trigger"),
        node("upper", "transform", template="{{ input.text | upper }}"),
        node("shout", "transform", template="{{ input }}!"),
    )


async def _run(client: httpx.AsyncClient, workflow_id: int, **body: Any) -> int:
    response = await client.post(f"/api/workflows/{workflow_id}/runs", json=body)
    assert response.status_code == 202, response.text
    return int(response.json()["execution_id"])


async def test_run_stale_after_an_edit_reruns_only_the_edited_part(
    client: httpx.AsyncClient, create_workflow: Any, wait_for_execution: Any
) -> None:
    workflow = await create_workflow(three_steps())
    workflow_id = workflow["id"]
    before = (await client.get(f"/api/workflows/{workflow_id}/stale")).json()
    assert before == {"stale": ["shout", "start", "upper"], "side_effects": []}

    first = await wait_for_execution(
        await _run(client, workflow_id, mode="all", input={"text": "hi"})
    )
    assert first["status"] == "succeeded"
    assert (await client.get(f"/api/workflows/{workflow_id}/stale")).json()["stale"] == []

    definition = workflow["definition"]
    definition["nodes"][2]["config"]["template"] = "{{ input }}?"
    saved = await client.patch(f"/api/workflows/{workflow_id}", json={"definition": definition})
    assert saved.status_code == 200, saved.text
    assert (await client.get(f"/api/workflows/{workflow_id}/stale")).json()["stale"] == ["shout"]

    second = await wait_for_execution(await _run(client, workflow_id, mode="stale"))
    assert [run["node_id"] for run in second["node_runs"]] == ["shout"]
    assert second["node_states"]["upper"]["status"] == "cached"

    states = (await client.get(f"/api/workflows/{workflow_id}/node-states")).json()
    assert states["upper"] | {"execution_id": None} == {
        "status": "cached",
        "output": "HI",
        "error": None,
        "duration_ms": None,
        "attempts": 0,
        "cached": True,
        "pinned": False,
        "stale": False,
        "execution_id": None,
    }
    assert states["shout"]["output"] == "HI?"
    assert states["shout"]["attempts"] == 1


async def test_pin_and_unpin_a_node(
    client: httpx.AsyncClient, create_workflow: Any, wait_for_execution: Any
) -> None:
    workflow_id = (await create_workflow(three_steps()))["id"]
    await wait_for_execution(await _run(client, workflow_id, input={"text": "hi"}))

    pinned = await client.post(
        f"/api/workflows/{workflow_id}/nodes/upper/pin", json={"output": "FROZEN"}
    )
    assert pinned.status_code == 200, pinned.text
    assert pinned.json()["definition"]["nodes"][1]["pinned_output"] == "FROZEN"
    assert (await client.get(f"/api/workflows/{workflow_id}/stale")).json()["stale"] == [
        "shout",
        "upper",
    ]
    run = await wait_for_execution(await _run(client, workflow_id, mode="stale"))
    assert [r["node_id"] for r in run["node_runs"]] == ["shout"]
    states = (await client.get(f"/api/workflows/{workflow_id}/node-states")).json()
    assert states["upper"]["pinned"] and states["upper"]["output"] == "FROZEN"
    assert states["shout"]["output"] == "FROZEN!"

    unpinned = await client.delete(f"/api/workflows/{workflow_id}/nodes/upper/pin")
    assert unpinned.status_code == 200, unpinned.text
    assert unpinned.json()["definition"]["nodes"][1]["pinned_output"] is None


async def test_run_this_node_and_up_to_here(
    client: httpx.AsyncClient, create_workflow: Any, wait_for_execution: Any
) -> None:
    workflow_id = (await create_workflow(three_steps()))["id"]
    up_to = await wait_for_execution(
        await _run(client, workflow_id, mode="up_to", node_id="upper", input={"text": "yo"})
    )
    assert [r["node_id"] for r in up_to["node_runs"]] == ["start", "upper"]
    assert (await client.get(f"/api/workflows/{workflow_id}/stale")).json()["stale"] == ["shout"]

    only = await wait_for_execution(await _run(client, workflow_id, mode="node", node_id="shout"))
    assert [r["node_id"] for r in only["node_runs"]] == ["shout"]
    assert only["output"] == {"shout": "YO!"}


async def test_bad_requests_answer_json_errors(
    client: httpx.AsyncClient, create_workflow: Any
) -> None:
    workflow_id = (await create_workflow(three_steps()))["id"]
    runs = f"/api/workflows/{workflow_id}/runs"

    unknown = await client.post(runs, json={"mode": "node", "node_id": "ghost"})
    assert unknown.status_code == 404
    assert "ghost" in unknown.json()["detail"]

    bad_mode = await client.post(runs, json={"mode": "sometimes"})
    assert bad_mode.status_code == 422
    assert bad_mode.json()["problems"][0]["field"]

    missing = await client.post(runs, json={"mode": "up_to"})
    assert missing.status_code == 422
    assert "target.node_id: Field required" in missing.json()["detail"]
    extra = await client.post(runs, json={"mode": "all", "node_id": "n1"})
    assert extra.status_code == 422
    assert "all.node_id: Extra inputs are not permitted" in extra.json()["detail"]

    for method, body in (("POST", {"output": 1}), ("DELETE", None)):
        response = await client.request(
            method, f"/api/workflows/{workflow_id}/nodes/ghost/pin", json=body
        )
        assert response.status_code == 404, response.text
        assert "ghost" in response.json()["detail"]

    null_pin = await client.post(
        f"/api/workflows/{workflow_id}/nodes/upper/pin", json={"output": None}
    )
    assert null_pin.status_code == 422
    for path in ("node-states", "stale"):
        assert (await client.get(f"/api/workflows/999/{path}")).status_code == 404
