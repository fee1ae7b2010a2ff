"""The workflow API reads and sets the editor's test input (null clears it)."""

from __future__ import annotations

import httpx


async def test_the_api_reads_and_sets_the_test_input(client: httpx.AsyncClient) -> None:
    created = await client.post("/api/workflows", json={"name": "Api input"})
    workflow_id = created.json()["id"]
    assert created.json()["test_input"] is None
    patched = await client.patch(f"/api/workflows/{workflow_id}", json={"test_input": {"a": 1}})
    assert patched.status_code == 200 and patched.json()["test_input"] == {"a": 1}
    renamed = await client.patch(f"/api/workflows/{workflow_id}", json={"name": "Renamed"})
    assert renamed.json()["test_input"] == {"a": 1}
    cleared = await client.patch(f"/api/workflows/{workflow_id}", json={"test_input": None})
    assert cleared.json()["test_input"] is None
