"""Version routes over HTTP, on SQLite and PostgreSQL: history, one version, commit,
restore, tags, diff and merge; a save from an older version answers 409; another user's
workflow answers 404, and a viewer it is shared with reads but changes nothing (403)."""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from app.models.account import Role
from tests.credentials import user_with_key
from tests.documents import greeting

Create = Callable[..., Awaitable[dict[str, Any]]]
EDITOR_SCOPES = ("workflows:read", "workflows:write", "executions:read", "executions:run")


def _edited(template: str) -> dict[str, Any]:
    document = copy.deepcopy(greeting())
    document["nodes"][1]["config"]["template"] = template
    return document


@pytest.fixture
async def flow(create_workflow: Create) -> dict[str, Any]:
    """A workflow of the owner (version 1)."""
    return await create_workflow(greeting())


async def _two_versions(client: httpx.AsyncClient, workflow_id: int) -> None:
    committed = await client.post(f"/api/workflows/{workflow_id}/versions", json={"message": "v1"})
    assert committed.status_code == 201, committed.text
    saved = await client.put(
        f"/api/workflows/{workflow_id}", json={"definition": _edited("Hi"), "base_version": 1}
    )
    assert saved.status_code == 200 and saved.json()["version_number"] == 2, saved.text


async def test_history_commit_get_and_diff(client: httpx.AsyncClient, flow: dict[str, Any]) -> None:
    base = f"/api/workflows/{flow['id']}"
    assert flow["version_number"] == 1 and len(flow["version_hash"]) == 64
    await _two_versions(client, flow["id"])
    page = (await client.get(f"{base}/versions", params={"limit": 1})).json()
    assert page["total"] == 2
    (newest,) = page["items"]
    assert (newest["number"], newest["kind"], newest["summary"]) == (2, "auto", "1 node changed")
    assert newest["author_email"] == "owner@example.com"
    first = (await client.get(f"{base}/versions/1")).json()
    assert (first["kind"], first["message"], first["definition"]["nodes"][1]["id"]) == (
        "commit",
        "v1",
        "greet",
    )
    changes = await client.get(f"{base}/versions/1/diff/2")
    assert changes.status_code == 200
    body = changes.json()
    assert body["summary"] == "1 node changed"
    assert body["changes"]["counts"]["nodes"]["modified"] == 1
    assert [(row["element_id"], row["path"], row["new"]) for row in body["fields"]] == [
        ("greet", "config.template", "Hi")
    ]
    assert (await client.get(f"{base}/versions/9")).status_code == 404
    assert (await client.get(f"{base}/versions/1/diff/9")).status_code == 404


async def test_restore_makes_a_new_version_equal_to_the_old(
    client: httpx.AsyncClient, flow: dict[str, Any]
) -> None:
    base = f"/api/workflows/{flow['id']}"
    await _two_versions(client, flow["id"])
    restored = await client.post(f"{base}/versions/1/restore")
    assert restored.status_code == 200, restored.text
    assert (restored.json()["number"], restored.json()["kind"]) == (3, "restore")
    current = (await client.get(base)).json()
    first = (await client.get(f"{base}/versions/1")).json()
    assert current["definition"] == first["definition"]
    assert current["version_number"] == 3
    assert (await client.get(f"{base}/versions/1/diff/3")).json()["summary"] == "No changes"


async def test_tags_set_move_and_remove(client: httpx.AsyncClient, flow: dict[str, Any]) -> None:
    base = f"/api/workflows/{flow['id']}"
    await _two_versions(client, flow["id"])
    tagged = await client.put(f"{base}/tags/production", json={"version": 1})
    assert tagged.status_code == 200 and tagged.json()["version"] == 1
    moved = await client.put(f"{base}/tags/production", json={"version": 2})
    assert moved.json()["version"] == 2
    items = (await client.get(f"{base}/versions")).json()["items"]
    assert [item["tags"] for item in items] == [["production"], []]
    assert (await client.put(f"{base}/tags/production", json={"version": 7})).status_code == 404
    assert (await client.put(f"{base}/tags/a%20b", json={"version": 1})).status_code == 422
    removed = await client.delete(f"{base}/tags/production")
    assert removed.status_code == 200 and removed.json()["version"] == 2
    assert (await client.delete(f"{base}/tags/production")).status_code == 404


async def test_a_save_from_an_older_version_is_409_and_merge_combines(
    client: httpx.AsyncClient, flow: dict[str, Any]
) -> None:
    base = f"/api/workflows/{flow['id']}"
    await _two_versions(client, flow["id"])
    mine = copy.deepcopy(greeting())
    mine["nodes"][2]["config"]["value"] = "{{ input }}!"
    refused = await client.put(base, json={"definition": mine, "base_version": 1})
    assert refused.status_code == 409, refused.text
    assert "now version 2" in refused.json()["detail"]
    stale_hash = await client.put(base, json={"definition": mine, "base_hash": "0" * 64})
    assert stale_hash.status_code == 409
    merged = await client.post(f"{base}/merge", json={"base_version": 1, "definition": mine})
    assert merged.status_code == 200, merged.text
    body = merged.json()
    assert (body["latest_version"], body["conflicts"]) == (2, [])
    saved = await client.put(base, json={"definition": body["document"], "base_version": 2})
    assert saved.status_code == 200
    nodes = {node["id"]: node["config"] for node in saved.json()["definition"]["nodes"]}
    assert (nodes["greet"]["template"], nodes["result"]["value"]) == ("Hi", "{{ input }}!")
    # Clients that do not know versions save as before.
    plain = await client.put(base, json={"definition": greeting()})
    assert plain.status_code == 200


async def test_a_merge_with_repeated_ids_is_422(
    client: httpx.AsyncClient, flow: dict[str, Any]
) -> None:
    document = greeting()
    document["nodes"].append(copy.deepcopy(document["nodes"][1]))
    answer = await client.post(
        f"/api/workflows/{flow['id']}/merge", json={"base_version": 1, "definition": document}
    )
    assert answer.status_code == 422, answer.text


async def test_another_user_gets_404_and_a_viewer_403(
    anonymous_client: httpx.AsyncClient, client: httpx.AsyncClient, flow: dict[str, Any]
) -> None:
    base = f"/api/workflows/{flow['id']}"
    other = {
        "Authorization": f"Bearer {user_with_key('eve@example.com', Role.EDITOR, EDITOR_SCOPES)}"
    }
    calls = [
        ("GET", f"{base}/versions", None),
        ("GET", f"{base}/versions/1", None),
        ("GET", f"{base}/versions/1/diff/1", None),
        ("POST", f"{base}/versions", {"message": "x"}),
        ("POST", f"{base}/versions/1/restore", None),
        ("PUT", f"{base}/tags/production", {"version": 1}),
        ("DELETE", f"{base}/tags/production", None),
        ("POST", f"{base}/merge", {"base_version": 1, "definition": greeting()}),
    ]
    for method, path, body in calls:
        answer = await anonymous_client.request(method, path, json=body, headers=other)
        assert answer.status_code == 404, (method, path, answer.text)
    shared = await client.put(
        f"{base}/shares", json={"email": "eve@example.com", "permission": "viewer"}
    )
    assert shared.status_code == 200, shared.text
    for method, path, body in calls:
        answer = await anonymous_client.request(method, path, json=body, headers=other)
        assert answer.status_code == (200 if method == "GET" else 403), (method, path)
    history = (await client.get(f"{base}/versions")).json()
    assert (history["total"], history["items"][0]["tags"]) == (1, [])
