"""Version run endpoints on SQLite and PostgreSQL: run a version or a tag, stats per
version, A/B runs and their comparison; executions show the version they ran."""

from __future__ import annotations

from typing import Any

import httpx

from app.models.account import Role
from tests.credentials import user_with_key
from tests.services.test_version_runs import greeter
from tests.version_records import add_version, tag_version


async def _versions(create_workflow: Any) -> tuple[int, int, int]:
    """A workflow with v(Hello) tagged `production` and a newer v(Howdy); (id, numbers)."""
    workflow_id = (await create_workflow(greeter("Hello")))["id"]
    tagged = add_version(workflow_id, greeter("Hello"))
    tag_version(workflow_id, "production", tagged)
    newest = add_version(workflow_id, greeter("Howdy"))
    return workflow_id, tagged, newest


async def test_run_a_version_or_a_tag(
    client: httpx.AsyncClient, create_workflow: Any, wait_for_execution: Any
) -> None:
    workflow_id, tagged, newest = await _versions(create_workflow)
    base = f"/api/workflows/{workflow_id}"

    by_tag = await client.post(f"{base}/tags/production/run", json={"input": {"name": "Ada"}})
    assert by_tag.status_code == 202, by_tag.text
    assert by_tag.json()["workflow_id"] == workflow_id
    done = await wait_for_execution(by_tag.json()["execution_id"])
    assert (done["output"], done["version_number"]) == ({"result": "Hello Ada"}, tagged)

    by_number = await client.post(f"{base}/versions/{newest}/run", json={"input": {"name": "Bo"}})
    assert by_number.status_code == 202, by_number.text
    done = await wait_for_execution(by_number.json()["execution_id"])
    assert (done["output"], done["version_number"]) == ({"result": "Howdy Bo"}, newest)

    ordinary = await client.post(f"{base}/execute", json={})
    await wait_for_execution(ordinary.json()["execution_id"])
    listed = (await client.get("/api/executions", params={"workflow_id": workflow_id})).json()
    assert [item["version_number"] for item in listed["items"]] == [newest, newest, tagged]
    assert all(item["version_id"] for item in listed["items"])

    for missing in ("tags/nothing/run", "versions/99/run"):
        refused = await client.post(f"{base}/{missing}", json={})
        assert refused.status_code == 404, refused.text
    assert (await client.post(f"{base}/versions/0/run", json={})).status_code == 422
    assert (await client.post(f"{base}/versions/1/run", json={"x": 1})).status_code == 422
    assert (await client.post("/api/workflows/999999/tags/production/run")).status_code == 404


async def test_stats_per_version(
    client: httpx.AsyncClient, create_workflow: Any, wait_for_execution: Any
) -> None:
    workflow_id, tagged, newest = await _versions(create_workflow)
    base = f"/api/workflows/{workflow_id}"
    assert (await client.get(f"{base}/version-stats")).json() == []
    for path in ("tags/production/run", "tags/production/run", f"versions/{newest}/run"):
        started = await client.post(f"{base}/{path}", json={"input": {"name": "Ada"}})
        await wait_for_execution(started.json()["execution_id"])

    stats = await client.get(f"{base}/version-stats")
    assert stats.status_code == 200, stats.text
    rows = {row["version_number"]: row for row in stats.json()}
    assert (rows[tagged]["runs"], rows[tagged]["success_rate"]) == (2, 1.0)
    assert rows[newest]["runs"] == 1 and rows[newest]["p95_duration_ms"] is not None
    assert (await client.get("/api/workflows/999999/version-stats")).status_code == 404


async def test_ab_run_and_comparison(
    client: httpx.AsyncClient, create_workflow: Any, wait_for_execution: Any
) -> None:
    workflow_id, tagged, newest = await _versions(create_workflow)
    base = f"/api/workflows/{workflow_id}"
    body = {"a": {"tag": "production"}, "b": {"version": newest}, "inputs": [{"name": "Ada"}]}
    started = await client.post(f"{base}/ab/run", json=body)
    assert started.status_code == 202, started.text
    assert (started.json()["a_version"], started.json()["b_version"]) == (tagged, newest)
    (pair,) = started.json()["pairs"]
    assert pair["input"] == {"name": "Ada"}
    await wait_for_execution(pair["a_execution_id"])
    await wait_for_execution(pair["b_execution_id"])

    query = {"a": pair["a_execution_id"], "b": pair["b_execution_id"]}
    compared = await client.get(f"{base}/ab/compare", params=query)
    assert compared.status_code == 200, compared.text
    result = compared.json()
    assert result["finished"] and result["outputs_differ"] == 1
    differs = {item["node_id"]: item["differs"] for item in result["pairs"][0]["nodes"]}
    assert differs == {"start": False, "name": False, "greet": True, "result": True}
    assert result["a"]["version_number"] == tagged and result["b"]["succeeded"] == 1

    other = (await create_workflow(greeter("Yo"), name="Other"))["id"]
    elsewhere = await client.get(f"/api/workflows/{other}/ab/compare", params=query)
    assert elsewhere.status_code == 404, elsewhere.text
    unpaired = await client.get(f"{base}/ab/compare?a=1&a=2&b=3")
    assert unpaired.status_code == 422, unpaired.text

    for bad in (
        body | {"inputs": []},
        body | {"inputs": [1] * 21},
        body | {"a": {"version": 1, "tag": "production"}},
        body | {"a": {}},
        {"a": {"tag": "production"}, "inputs": [1]},
    ):
        refused = await client.post(f"{base}/ab/run", json=bad)
        assert refused.status_code == 422, (bad, refused.text)
    missing = await client.post(f"{base}/ab/run", json=body | {"b": {"tag": "nothing"}})
    assert missing.status_code == 404, missing.text


async def test_comparisons_need_the_executions_read_scope(
    anonymous_client: httpx.AsyncClient,
) -> None:
    for scopes, status in ((("workflows:read",), 403), (("executions:read",), 404)):
        key = user_with_key(f"{scopes[0]}@example.com", Role.EDITOR, scopes)
        compared = await anonymous_client.get(
            "/api/workflows/1/ab/compare",
            params={"a": 1, "b": 2},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert compared.status_code == status, compared.text
