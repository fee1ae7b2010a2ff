"""GET /api/executions/{id}/events: Server-Sent Events of a run, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

import httpx

from app.services.execution_events import open_execution_events
from app.services.principal import SYSTEM
from app.services.run_events import get_run_events
from tests.documents import greeting


def parse_stream(text: str) -> list[tuple[str, dict[str, Any]]]:
    """(event name, data) of every event in a text/event-stream body."""
    events = []
    for block in text.split("\n\n"):
        if not block.strip():
            continue
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((fields["event"], json.loads(fields["data"])))
    return events


async def test_the_stream_follows_a_run_and_ends_with_its_final_status(
    client: httpx.AsyncClient, create_workflow: Any, slow_definition: dict[str, Any]
) -> None:
    slow_definition["nodes"][2]["config"]["seconds"] = 0.5
    workflow = await create_workflow(slow_definition)
    started = await client.post(f"/api/workflows/{workflow['id']}/execute", json={"input": {}})
    execution_id = started.json()["execution_id"]

    response = await client.get(f"/api/executions/{execution_id}/events")

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    events = parse_stream(response.text)
    kinds = [(name, data["node_id"]) for name, data in events]
    # Subscribed while the 0.5 s delay still ran: its end and everything after it arrive.
    assert kinds[-4:-1] == [
        ("node_finished", "wait"),
        ("node_started", "result"),
        ("node_finished", "result"),
    ]
    name, final = events[-1]
    assert name == "execution_finished"
    assert (final["execution_id"], final["status"], final["error"]) == (
        execution_id,
        "succeeded",
        None,
    )
    wait = next(d for name, d in events if name == "node_finished" and d["node_id"] == "wait")
    assert wait["status"] == "succeeded"
    assert wait["summary"]["duration_ms"] >= 400
    assert wait["workflow_id"] == workflow["id"]
    assert get_run_events().subscriber_count() == 0


async def finished_greeting(
    client: httpx.AsyncClient, create_workflow: Any, wait_for_execution: Any
) -> tuple[int, int]:
    """(workflow id, execution id) of a greeting workflow run through the API to its end."""
    workflow = await create_workflow(greeting())
    started = await client.post(
        f"/api/workflows/{workflow['id']}/execute", json={"input": {"name": "Ada"}}
    )
    execution_id = started.json()["execution_id"]
    await wait_for_execution(execution_id)
    return workflow["id"], execution_id


async def test_a_finished_execution_sends_its_final_event_at_once(
    client: httpx.AsyncClient, create_workflow: Any, wait_for_execution: Any
) -> None:
    workflow_id, execution_id = await finished_greeting(client, create_workflow, wait_for_execution)

    response = await client.get(f"/api/executions/{execution_id}/events")

    assert response.status_code == 200
    assert parse_stream(response.text) == [
        (
            "execution_finished",
            {
                "execution_id": execution_id,
                "workflow_id": workflow_id,
                "kind": "execution_finished",
                "node_id": None,
                "status": "succeeded",
                "summary": None,
                "error": None,
            },
        )
    ]


async def test_events_of_an_unknown_execution_are_a_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/executions/999999/events")
    assert response.status_code == 404
    assert "not found" in response.json()["detail"]
    assert get_run_events().subscriber_count() == 0


async def test_a_stream_dropped_before_its_body_starts_leaves_no_subscription(
    client: httpx.AsyncClient, create_workflow: Any, wait_for_execution: Any
) -> None:
    _, execution_id = await finished_greeting(client, create_workflow, wait_for_execution)

    events = await open_execution_events(principal=SYSTEM, execution_id=execution_id)
    await events.aclose()  # the client left before the body started

    assert get_run_events().subscriber_count() == 0
