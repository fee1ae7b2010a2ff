"""Outputs that could break reads or writes: refused on the node when produced, and any
value already stored (written before the check) still served by every read endpoint."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from app.engine.json_shape import DEPTH_MARKER
from app.models.db import get_engine
from app.services.node_details import node_detail
from app.services.principal import SYSTEM
from app.services.unit_of_work import session_scope
from tests.api.conftest import WaitFor
from tests.documents import chain, node

DEEP_300 = "{{ '[' * 300 }}{{ ']' * 300 }}"
DEEP_900_NAN = "{{ '[' * 900 }}NaN{{ ']' * 900 }}"


async def run(
    client: httpx.AsyncClient, create_workflow: Any, wait: WaitFor, template: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    definition = chain(
        node("start", "manual_trigger"), node("deep", "transform", template=template)
    )
    workflow = await create_workflow(definition)
    started = await client.post(f"/api/workflows/{workflow['id']}/execute", json={})
    assert started.status_code == 202, started.text
    return workflow, await wait(started.json()["execution_id"])


async def assert_reads_answer(
    client: httpx.AsyncClient, workflow_id: int, execution_id: int
) -> list[dict[str, Any]]:
    """Every read endpoint showing the execution answers 200 JSON; the bodies."""
    bodies = []
    for path in (
        f"/api/executions/{execution_id}",
        "/api/executions",
        f"/api/executions?workflow_id={workflow_id}",
        f"/api/workflows/{workflow_id}/node-states",
    ):
        response = await client.get(path)
        assert response.status_code == 200, (path, response.text[:300])
        bodies.append(response.json())
    return bodies


@pytest.mark.parametrize("template", [DEEP_300, DEEP_900_NAN])
async def test_a_too_deep_output_fails_its_node_clearly_and_reads_keep_working(
    client: httpx.AsyncClient, create_workflow: Any, wait_for_execution: WaitFor, template: str
) -> None:
    workflow, done = await run(client, create_workflow, wait_for_execution, template)
    assert done["status"] == "failed"
    assert done["error_node_id"] == "deep"
    [deep_run] = [r for r in done["node_runs"] if r["node_id"] == "deep"]
    assert deep_run["error"] == "output refused: nested deeper than 64 levels"
    assert "SQL" not in json.dumps(done)
    await assert_reads_answer(client, workflow["id"], done["id"])


async def test_values_stored_too_deep_before_the_check_are_served_with_a_marker(
    client: httpx.AsyncClient, create_workflow: Any, wait_for_execution: WaitFor
) -> None:
    workflow, done = await run(client, create_workflow, wait_for_execution, "ok")
    assert done["status"] == "succeeded", done["error"]
    deep = "[" * 300 + "1" + "]" * 300
    with get_engine().begin() as connection:  # what rows written before the fix hold
        connection.execute(text("UPDATE node_runs SET output = :v, inputs = :v"), {"v": deep})
        connection.execute(text("UPDATE executions SET output = :v, input = :v"), {"v": deep})
    detail, page, _, states = await assert_reads_answer(client, workflow["id"], done["id"])
    assert DEPTH_MARKER in json.dumps(detail["node_runs"])
    assert DEPTH_MARKER in json.dumps(detail["output"])
    assert DEPTH_MARKER in json.dumps(page["items"][0]["input"])
    assert DEPTH_MARKER in json.dumps(states["deep"]["output"])
    with session_scope(read_only=True) as session:
        shown = node_detail(session, principal=SYSTEM, workflow_id=workflow["id"], node_id="deep")
    assert DEPTH_MARKER in json.dumps(shown.output)
