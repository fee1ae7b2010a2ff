"""What enters through a request body is JSON the databases store faithfully: NUL in ids and
names, non-finite numbers and integers outside the 64-bit range are refused with a clear 4xx;
SQL text never reaches a response."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DataError

from app.api.main import create_api
from app.models.db import get_engine
from tests.api.conftest import WaitFor
from tests.api.test_api_errors import assert_error
from tests.documents import chain, node


def document(**first_node: Any) -> dict[str, Any]:
    definition = chain(node("start", "manual_trigger"), node("next", "transform", template="x"))
    definition["nodes"][1].update(first_node)
    return definition


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"id": "a\x00b"}, "nodes.1.id"),
        ({"name": "Fe\x00tch"}, "nodes.1.name"),
        ({"type": "trans\x00form"}, "nodes.1.type"),
    ],
)
async def test_nul_in_node_ids_and_names_is_refused(
    client: httpx.AsyncClient, change: dict[str, Any], field: str
) -> None:
    response = await client.post(
        "/api/workflows", json={"name": "x", "definition": document(**change)}
    )
    body = assert_error(response, 422)
    assert any(p["field"] == field and "NUL" in p["message"] for p in body["problems"]), body
    validated = await client.post(
        "/api/workflows/validate", json={"definition": document(**change)}
    )
    assert validated.status_code == 200
    assert not validated.json()["valid"]
    assert (await client.get("/api/workflows")).json()["total"] == 0


async def test_nul_in_edges_and_workflow_names_is_refused(client: httpx.AsyncClient) -> None:
    definition = document()
    definition["edges"][0]["source_handle"] = "o\x00ut"
    assert_error(
        await client.post("/api/workflows", json={"name": "x", "definition": definition}), 422
    )
    assert_error(await client.post("/api/workflows", json={"name": "a\x00b"}), 422)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"name": "x", "definition": {"schema": 1e999}}',
        b'{"name": "x", "description": -1e999}',
        b'{"name": "x", "definition": {"a": NaN}}',
        b'{"name": "x", "definition": [Infinity]}',
        b'{"name": "x", "definition": {"schema": 1, "nodes": [{"id": "t", "type": '
        b'"manual_trigger", "position": {"x": 1e400, "y": 0}}], "edges": []}}',
    ],
)
async def test_non_finite_numbers_are_refused_wherever_json_enters(
    client: httpx.AsyncClient, raw: bytes
) -> None:
    response = await client.post(
        "/api/workflows", content=raw, headers={"content-type": "application/json"}
    )
    body = assert_error(response, 400)
    assert "finite" in json.dumps(body) or "not valid JSON" in json.dumps(body)
    assert (await client.get("/api/workflows")).json()["total"] == 0


async def test_a_position_stored_as_null_keeps_the_workflow_runnable_and_duplicable(
    client: httpx.AsyncClient, create_workflow: Any, wait_for_execution: WaitFor
) -> None:
    workflow = await create_workflow(document())
    broken = workflow["definition"]
    broken["nodes"][0]["position"] = {"x": None, "y": None}  # what 1e400 became before
    with get_engine().begin() as connection:
        connection.execute(text("UPDATE workflows SET definition = :d"), {"d": json.dumps(broken)})
    started = await client.post(f"/api/workflows/{workflow['id']}/execute", json={})
    assert started.status_code == 202, started.text
    assert (await wait_for_execution(started.json()["execution_id"]))["status"] == "succeeded"
    duplicate = await client.post(f"/api/workflows/{workflow['id']}/duplicate")
    assert duplicate.status_code == 201, duplicate.text
    assert duplicate.json()["definition"]["nodes"][0]["position"] == {"x": 0.0, "y": 0.0}


@pytest.mark.parametrize("value", [2**63 - 1, -(2**63), [2**63 - 1], {"id": 2**53 + 1}])
async def test_integers_within_64_bits_round_trip_exactly(
    client: httpx.AsyncClient, create_workflow: Any, value: Any
) -> None:
    workflow = await create_workflow(document())
    saved = await client.put(f"/api/workflows/{workflow['id']}", json={"test_input": value})
    assert saved.json()["test_input"] == value
    stored = await client.get(f"/api/workflows/{workflow['id']}")
    assert stored.json()["test_input"] == value


@pytest.mark.parametrize("literal", [str(2**63), str(-(2**63) - 1), str(2**70), "9" * 5000])
async def test_integers_outside_64_bits_are_refused_clearly(
    client: httpx.AsyncClient, literal: str
) -> None:
    raw = f'{{"name": "x", "definition": {{"schema": {literal}}}}}'.encode()
    response = await client.post(
        "/api/workflows", content=raw, headers={"content-type": "application/json"}
    )
    body = assert_error(response, 400)
    assert "64-bit range" in json.dumps(body)


async def test_database_errors_answer_a_generic_message_without_sql(db_url: str) -> None:
    api = create_api()

    @api.get("/api/boom")
    def boom() -> None:
        raise DataError(
            "INSERT INTO node_runs (node_name) VALUES (%s)", ("secret",), Exception("NUL")
        )

    api.router.routes.insert(0, api.router.routes.pop())  # before the catch-all 404 route
    transport = httpx.ASGITransport(app=api)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
        response = await http.get("/api/boom")
    body = assert_error(response, 500)
    assert "SQL" not in response.text and "INSERT" not in response.text
    assert "database" in body["detail"]


async def test_a_nul_id_stored_before_the_fix_is_refused_at_run_time_not_left_running(
    client: httpx.AsyncClient, create_workflow: Any
) -> None:
    workflow = await create_workflow(document())
    stored = workflow["definition"]
    stored["nodes"][1]["id"] = "a\x00b"
    stored["edges"][0]["target"] = "a\x00b"
    with get_engine().begin() as connection:
        connection.execute(text("UPDATE workflows SET definition = :d"), {"d": json.dumps(stored)})
    shown = await client.get(f"/api/workflows/{workflow['id']}")
    assert shown.status_code == 200, shown.text
    assert any("NUL" in p["message"] for p in shown.json()["problems"])
    body = assert_error(await client.post(f"/api/workflows/{workflow['id']}/execute", json={}), 422)
    assert "NUL" in json.dumps(body)
    assert (await client.get("/api/executions")).json()["total"] == 0
