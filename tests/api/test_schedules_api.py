"""Schedule routes end to end: create, list, read, change, pause, resume, history, preview
and delete; bad cron, timezone and bounds answer 422 with a message; 401, 403 and 404."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlmodel import select

from app.models.account import Role
from app.models.audit import AuditEvent
from app.models.schedule import ScheduleFire
from app.models.types import utc_now
from app.services.unit_of_work import session_scope
from tests.api.test_api_errors import assert_error
from tests.credentials import user_with_key

CreateWorkflow = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
async def workflow_id(create_workflow: CreateWorkflow, greeting_definition: dict[str, Any]) -> int:
    return int((await create_workflow(greeting_definition))["id"])


async def _create(client: httpx.AsyncClient, workflow_id: int, **fields: Any) -> dict[str, Any]:
    response = await client.post(
        f"/api/workflows/{workflow_id}/schedules", json={"cron": "0 9 * * 1", **fields}
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_the_life_of_a_schedule(client: httpx.AsyncClient, workflow_id: int) -> None:
    created = await _create(
        client, workflow_id, name="Weekly", timezone="Europe/Berlin", input={"name": "Ada"}
    )
    assert created["description"] == "At 09:00 on Monday, Europe/Berlin"
    assert created["workflow_id"] == workflow_id and created["workflow_name"] == "Test flow"
    assert created["next_fire_at"] is not None and created["revision"] == 1
    path = f"/api/schedules/{created['id']}"
    assert (await client.get(path)).json() == created

    patched = await client.patch(path, json={"cron": "*/5 * * * * *", "allow_overlap": True})
    assert patched.status_code == 200, patched.text
    assert patched.json()["description"] == "Every 5 seconds, Europe/Berlin"
    assert patched.json()["allow_overlap"] is True and patched.json()["revision"] == 2
    assert patched.json()["input"] == {"name": "Ada"}

    paused = (await client.post(f"{path}/pause")).json()
    assert paused["enabled"] is False and paused["next_fire_at"] is None
    resumed = (await client.post(f"{path}/resume")).json()
    assert resumed["enabled"] is True and resumed["next_fire_at"] is not None

    listed = await client.get("/api/schedules", params={"workflow_id": workflow_id})
    assert listed.json() == {"items": [resumed], "total": 1}
    paused_only = await client.get("/api/schedules", params={"enabled": "false"})
    assert paused_only.json() == {"items": [], "total": 0}

    assert (await client.get(f"{path}/history")).json() == []
    deleted = await client.delete(path)
    assert deleted.status_code == 204 and deleted.content == b""
    assert_error(await client.get(path), 404)
    assert_error(await client.delete(path), 404)
    with session_scope(read_only=True) as session:
        actions = session.exec(
            select(AuditEvent.action).where(AuditEvent.object_type == "schedule")
        ).all()
    assert sorted(actions) == sorted(
        [
            "schedule.create",
            "schedule.update",
            "schedule.pause",
            "schedule.resume",
            "schedule.delete",
        ]
    )


async def test_history_lists_fires_newest_first(
    client: httpx.AsyncClient, workflow_id: int
) -> None:
    created = await _create(client, workflow_id)
    with session_scope() as session:
        for day, status in ((6, "missed"), (13, "started")):
            session.add(
                ScheduleFire(
                    schedule_id=created["id"],
                    fire_time=datetime(2025, 1, day, 8, tzinfo=UTC),
                    status=status,
                    reason="the server was down" if status == "missed" else None,
                    created_at=utc_now(),
                )
            )
    history = (await client.get(f"/api/schedules/{created['id']}/history")).json()
    assert [(h["fire_time"][:10], h["status"]) for h in history] == [
        ("2025-01-13", "started"),
        ("2025-01-06", "missed"),
    ]
    assert history[1]["reason"] == "the server was down"
    one = await client.get(f"/api/schedules/{created['id']}/history", params={"limit": 1})
    assert len(one.json()) == 1
    shown = (await client.get(f"/api/schedules/{created['id']}")).json()
    assert shown["last_status"] == "started"


async def test_preview_shows_the_next_times_in_both_timezones(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/schedules/preview",
        json={"cron": "0 9 * * 1", "timezone": "Europe/Berlin", "viewer_timezone": "Asia/Tokyo"},
    )
    assert response.status_code == 200, response.text
    preview = response.json()
    assert preview["description"] == "At 09:00 on Monday, Europe/Berlin"
    assert len(preview["next"]) == 5
    first = preview["next"][0]
    assert first["local"][11:16] == "09:00" and first["viewer"][-6:] == "+09:00"
    count = await client.post("/api/schedules/preview", json={"cron": "* * * * *", "count": 20})
    assert len(count.json()["next"]) == 20


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"cron": "0 9 * *"}, "body.cron", "5 fields"),
        ({"cron": "0 0 30 2 *"}, "body.cron", "never fires"),
        ({"cron": "99 * * * *"}, "body.cron", "out of range"),
        ({"cron": "0 9 * * 1", "timezone": "Mars/Olympus"}, "body.timezone", "Unknown timezone"),
        ({"cron": "0 9 * * 1", "grace_seconds": 0}, "body.grace_seconds", ""),
        ({"cron": "0 9 * * 1", "retry_attempts": 11}, "body.retry_attempts", ""),
        ({"cron": "0 9 * * 1", "retry_backoff_seconds": 0}, "body.retry_backoff_seconds", ""),
        ({"cron": "0 9 * * 1", "misfire_policy": "later"}, "body.misfire_policy", ""),
        ({"cron": "0 9 * * 1", "enabled": 1}, "body.enabled", ""),
        ({"cron": "0 9 * * 1", "version_tag": "no spaces"}, "body.version_tag", ""),
        ({"cron": "0 9 * * 1", "colour": "red"}, "body.colour", ""),
    ],
)
async def test_bad_settings_answer_422_naming_the_field(
    client: httpx.AsyncClient, workflow_id: int, body: dict[str, Any], field: str, words: str
) -> None:
    response = await client.post(f"/api/workflows/{workflow_id}/schedules", json=body)
    problems = assert_error(response, 422)["problems"]
    assert problems[0]["field"] == field and words in problems[0]["message"]
    preview = await client.post("/api/schedules/preview", json=body)
    assert preview.status_code == 422
    assert (await client.get("/api/schedules")).json()["total"] == 0


async def test_bad_changes_and_unknown_tags_change_nothing(
    client: httpx.AsyncClient, workflow_id: int
) -> None:
    created = await _create(client, workflow_id)
    path = f"/api/schedules/{created['id']}"
    assert_error(await client.patch(path, json={"timezone": "Nowhere"}), 422)
    tag = assert_error(await client.patch(path, json={"version_tag": "production"}), 422)
    assert "no version tag 'production'" in tag["detail"]
    refused = await client.post(
        f"/api/workflows/{workflow_id}/schedules", json={"cron": "* * * * *", "version_tag": "x"}
    )
    assert_error(refused, 422)
    assert (await client.get(path)).json() == created
    assert_error(
        await client.post("/api/schedules/preview", json={"cron": "* * * * *", "count": 21}), 422
    )
    assert_error(await client.get("/api/schedules", params={"limit": 0}), 422)
    assert_error(await client.get(f"{path}/history", params={"limit": 201}), 422)


async def test_unknown_ids_are_404(client: httpx.AsyncClient) -> None:
    for method, path in (
        ("GET", "/api/schedules/999"),
        ("PATCH", "/api/schedules/999"),
        ("DELETE", "/api/schedules/999"),
        ("POST", "/api/schedules/999/pause"),
        ("POST", "/api/schedules/999/resume"),
        ("GET", "/api/schedules/999/history"),
        ("POST", "/api/workflows/999/schedules"),
    ):
        body = {"cron": "* * * * *"} if method in ("POST", "PATCH") else None
        assert_error(await client.request(method, path, json=body), 404)


async def test_credentials_and_scopes(
    client: httpx.AsyncClient, anonymous_client: httpx.AsyncClient, workflow_id: int
) -> None:
    created = await _create(client, workflow_id)
    path = f"/api/schedules/{created['id']}"
    anonymous = anonymous_client.build_request("GET", path)
    del anonymous.headers["Authorization"]
    assert_error(await anonymous_client.send(anonymous), 401)
    reader = user_with_key("reader@example.com", Role.ADMIN, ("workflows:read",))
    headers = {"Authorization": f"Bearer {reader}"}
    assert (await anonymous_client.get(path, headers=headers)).status_code == 200
    preview = await anonymous_client.post(
        "/api/schedules/preview", json={"cron": "* * * * *"}, headers=headers
    )
    assert preview.status_code == 200  # a preview saves nothing: reading is enough
    for method, url in (("PATCH", path), ("POST", f"{path}/pause"), ("DELETE", path)):
        body = {"name": "x"} if method == "PATCH" else None
        refused = await anonymous_client.request(method, url, json=body, headers=headers)
        assert_error(refused, 403)
    assert (await client.get(path)).json() == created


async def test_a_viewer_of_the_workflow_reads_its_schedules_but_changes_nothing(
    client: httpx.AsyncClient, anonymous_client: httpx.AsyncClient, workflow_id: int
) -> None:
    created = await _create(client, workflow_id)
    key = user_with_key("vic@example.com", Role.EDITOR, ("workflows:read", "workflows:write"))
    headers = {"Authorization": f"Bearer {key}"}
    path = f"/api/schedules/{created['id']}"
    assert_error(await anonymous_client.get(path, headers=headers), 404)
    shared = await client.put(
        f"/api/workflows/{workflow_id}/shares",
        json={"email": "vic@example.com", "permission": "viewer"},
    )
    assert shared.status_code == 200, shared.text
    assert (await anonymous_client.get(path, headers=headers)).status_code == 200
    listed = await anonymous_client.get("/api/schedules", headers=headers)
    assert [s["id"] for s in listed.json()["items"]] == [created["id"]]
    assert_error(await anonymous_client.post(f"{path}/pause", headers=headers), 403)
    made = await anonymous_client.post(
        f"/api/workflows/{workflow_id}/schedules", json={"cron": "* * * * *"}, headers=headers
    )
    assert_error(made, 403)
