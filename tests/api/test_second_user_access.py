"""A second user on the first user's objects: every operation of the OpenAPI document that
names an object is called by another editor with the first user's ids, and answers 403 or
404; lists never show the first user's objects; afterwards nothing of them has changed. An
operation added later is walked too (it needs a body here when an empty one is refused)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from sqlmodel import select

from app.api.main import create_api
from app.models.account import ApiKey, Role
from app.services.unit_of_work import session_scope
from tests.credentials import user_with_key
from tests.documents import greeting

EDITOR_SCOPES = ("workflows:read", "workflows:write", "executions:read", "executions:run")
# Valid bodies, so an operation gets as far as its access check (not refused with a 422).
BODIES: dict[tuple[str, str], Any] = {
    ("put", "/api/workflows/{workflow_id}"): {"name": "Taken"},
    ("patch", "/api/workflows/{workflow_id}"): {"name": "Taken"},
    ("post", "/api/workflows/{workflow_id}/runs"): {"mode": "all"},
    ("post", "/api/workflows/{workflow_id}/nodes/{node_id}/pin"): {"output": 1},
    ("put", "/api/workflows/{workflow_id}/shares"): {
        "email": "second@example.com",
        "permission": "editor",
    },
    ("put", "/api/orchestrations/{orchestration_id}"): {"name": "Taken"},
    ("post", "/api/orchestrations/{orchestration_id}/run"): {"input": "x"},
    ("post", "/api/workflows/{workflow_id}/ab/run"): {
        "a": {"version": 1},
        "b": {"tag": "production"},
        "inputs": [1],
    },
    ("patch", "/api/users/{user_id}"): {"role": "viewer"},
    ("put", "/api/workflows/{workflow_id}/tags/{name}"): {"version": 1},
    ("post", "/api/workflows/{workflow_id}/merge"): {"base_version": 1, "definition": greeting()},
    ("post", "/api/workflows/{workflow_id}/schedules"): {"cron": "* * * * *"},
    ("patch", "/api/schedules/{schedule_id}"): {"name": "Taken"},
}
# Valid query parameters, for the same reason.
QUERIES: dict[tuple[str, str], dict[str, Any]] = {
    ("get", "/api/workflows/{workflow_id}/ab/compare"): {"a": 1, "b": 1},
}
LISTS = (
    "/api/workflows",
    "/api/executions",
    "/api/orchestrations",
    "/api/schedules",
    "/api/webhooks",
)


def _object_operations() -> list[tuple[str, str]]:
    document = create_api().openapi()
    return [
        (method, path)
        for path, item in document["paths"].items()
        for method in item
        # LLM settings and prices are instance-wide (admins change them:
        # tests/api/test_pricing_api.py); a webhook's URL is public (its signature is the
        # authentication, whoever's key comes along: tests/api/test_hooks_api.py).
        if "{" in path and not path.startswith(("/api/llm/", "/api/pricing/", "/api/hooks/"))
    ]


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def _first_users_objects(client: httpx.AsyncClient, key: str) -> dict[str, Any]:
    headers = _auth(key)
    workflow = await client.post(
        "/api/workflows", json={"name": "First's", "definition": greeting()}, headers=headers
    )
    assert workflow.status_code == 201, workflow.text
    workflow_id = workflow.json()["id"]
    started = await client.post(f"/api/workflows/{workflow_id}/execute", json={}, headers=headers)
    assert started.status_code == 202, started.text
    orchestration = await client.post(
        "/api/orchestrations",
        json={"name": "First's panel", "strategy": "sequential", "agents": [{"name": "a"}]},
        headers=headers,
    )
    assert orchestration.status_code == 201, orchestration.text
    schedule = await client.post(
        f"/api/workflows/{workflow_id}/schedules", json={"cron": "0 9 * * 1"}, headers=headers
    )
    assert schedule.status_code == 201, schedule.text
    webhook = await client.post(f"/api/workflows/{workflow_id}/webhooks", json={}, headers=headers)
    assert webhook.status_code == 201, webhook.text
    budget = await client.put(
        "/api/budgets",
        json={"workflow_id": workflow_id, "monthly_limit_usd": "5", "enforce": True},
        headers=headers,
    )
    assert budget.status_code == 200, budget.text
    me = (await client.get("/api/me", headers=headers)).json()
    with session_scope(read_only=True) as session:
        key_id = session.exec(select(ApiKey.id).where(ApiKey.user_id == me["id"])).first()
    return {
        "workflow_id": workflow_id,
        "execution_id": started.json()["execution_id"],
        "orchestration_id": orchestration.json()["id"],
        "schedule_id": schedule.json()["id"],
        "webhook_id": webhook.json()["id"],
        "budget_id": budget.json()["id"],
        "node_id": greeting()["nodes"][0]["id"],
        "user_id": me["id"],
        "key_id": key_id,
        "number": 1,
        "a": 1,
        "b": 1,
        "name": "production",
    }


async def test_a_second_user_can_neither_see_nor_change_the_first_users_objects(
    anonymous_client: httpx.AsyncClient,
) -> None:
    first = user_with_key("first@example.com", Role.EDITOR, EDITOR_SCOPES)
    second = user_with_key("second@example.com", Role.EDITOR, EDITOR_SCOPES)
    ids = await _first_users_objects(anonymous_client, first)
    before = (
        await anonymous_client.get(f"/api/workflows/{ids['workflow_id']}", headers=_auth(first))
    ).json()

    answers = {}
    for method, path in _object_operations():
        concrete = re.sub(r"\{(\w+)\}", lambda m: str(ids[m.group(1)]), path)
        body = BODIES.get((method, path), None if method in ("get", "delete") else {})
        response = await anonymous_client.request(
            method.upper(),
            concrete,
            json=body,
            params=QUERIES.get((method, path)),
            headers=_auth(second),
        )
        assert response.status_code != 422, f"{method} {path} needs a body in BODIES"
        answers[(method, path)] = response.status_code
    leaked = {op: status for op, status in answers.items() if status not in (403, 404)}
    assert leaked == {}

    for path in LISTS:
        listed = await anonymous_client.get(path, headers=_auth(second))
        assert listed.status_code == 200 and listed.json()["items"] == [], path
    budgets = await anonymous_client.get("/api/budgets", headers=_auth(second))
    assert budgets.status_code == 200
    assert ids["workflow_id"] not in [b["workflow_id"] for b in budgets.json()]

    after = (
        await anonymous_client.get(f"/api/workflows/{ids['workflow_id']}", headers=_auth(first))
    ).json()
    assert after == before
    schedule = await anonymous_client.get(
        f"/api/schedules/{ids['schedule_id']}", headers=_auth(first)
    )
    assert schedule.json()["revision"] == 1 and schedule.json()["enabled"] is True
    webhook = f"/api/webhooks/{ids['webhook_id']}"
    kept = await anonymous_client.get(webhook, headers=_auth(first))
    assert kept.json()["enabled"] is True and kept.json()["updated_at"] == kept.json()["created_at"]
    assert (await anonymous_client.get(f"{webhook}/calls", headers=_auth(first))).json() == []
    shares = await anonymous_client.get(
        f"/api/workflows/{ids['workflow_id']}/shares", headers=_auth(first)
    )
    assert shares.json() == []
    runs = await anonymous_client.get(
        "/api/executions", params={"workflow_id": ids["workflow_id"]}, headers=_auth(first)
    )
    assert runs.json()["total"] == 1


@pytest.mark.parametrize("permission", ["viewer", "editor"])
async def test_a_share_opens_the_workflow_to_exactly_what_it_grants(
    anonymous_client: httpx.AsyncClient, permission: str
) -> None:
    first = user_with_key("first@example.com", Role.EDITOR, EDITOR_SCOPES)
    second = user_with_key("second@example.com", Role.EDITOR, EDITOR_SCOPES)
    ids = await _first_users_objects(anonymous_client, first)
    workflow = f"/api/workflows/{ids['workflow_id']}"
    shared = await anonymous_client.put(
        f"{workflow}/shares",
        json={"email": "second@example.com", "permission": permission},
        headers=_auth(first),
    )
    assert shared.status_code == 200 and shared.json()[0]["permission"] == permission
    seen = await anonymous_client.get(workflow, headers=_auth(second))
    assert seen.status_code == 200
    can_change = permission == "editor"
    assert ("change" in seen.json()["access"]) is can_change
    renamed = await anonymous_client.patch(workflow, json={"name": "Edited"}, headers=_auth(second))
    assert renamed.status_code == (200 if can_change else 403), renamed.text
    ran = await anonymous_client.post(f"{workflow}/execute", json={}, headers=_auth(second))
    assert ran.status_code == (202 if can_change else 403), ran.text
    for refused in (
        anonymous_client.delete(workflow, headers=_auth(second)),
        anonymous_client.put(
            f"{workflow}/shares",
            json={"email": "first@example.com", "permission": "viewer"},
            headers=_auth(second),
        ),
    ):
        assert (await refused).status_code == 403
    listed = await anonymous_client.get("/api/executions", headers=_auth(second))
    assert {e["workflow_id"] for e in listed.json()["items"]} == {ids["workflow_id"]}
    webhook = f"/api/webhooks/{ids['webhook_id']}"
    assert (await anonymous_client.get(webhook, headers=_auth(second))).status_code == 200
    disabled = await anonymous_client.patch(webhook, json={"enabled": False}, headers=_auth(second))
    assert disabled.status_code == (200 if can_change else 403), disabled.text
    assert "secret" not in (await anonymous_client.get(webhook, headers=_auth(second))).json()
