"""Webhook management over HTTP, on SQLite and PostgreSQL: every route, the secret only in
the create/regenerate/mode-change answers, 4xx bodies for bad settings, 401/403/404 for
callers without credentials, scope or access, and "send test event": a signed call through
the webhook, logged with `test` set, that starts a run."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from app.models.account import Role
from tests.api.test_api_errors import assert_error
from tests.credentials import user_with_key
from tests.documents import chain, node

CreateWorkflow = Callable[..., Awaitable[dict[str, Any]]]
WaitFor = Callable[..., Awaitable[dict[str, Any]]]


def _hooked() -> dict[str, Any]:
    """webhook trigger -> output of the trigger payload."""
    return chain(
        node("hook", "webhook_trigger"),
        node("result", "output", value="{{ input }}"),
    )


@pytest.fixture
async def workflow_id(create_workflow: CreateWorkflow) -> int:
    return int((await create_workflow(_hooked(), name="Hooked"))["id"])


async def _create(client: httpx.AsyncClient, workflow_id: int, **settings: Any) -> Any:
    response = await client.post(f"/api/workflows/{workflow_id}/webhooks", json=settings)
    assert response.status_code == 201, response.text
    return response.json()


async def test_crud_round_trip_shows_the_secret_only_once(
    client: httpx.AsyncClient, workflow_id: int
) -> None:
    created = await _create(client, workflow_id, name="Orders", ip_allowlist=["10.0.0.1/8"])
    secret = created["secret"]
    assert secret.startswith("whsec_") and created["path"] == f"/api/hooks/{created['public_id']}"
    assert created["ip_allowlist"] == ["10.0.0.0/8"] and created["workflow_name"] == "Hooked"
    hook = f"/api/webhooks/{created['id']}"

    got = await client.get(hook)
    listed = await client.get("/api/webhooks", params={"workflow_id": workflow_id})
    assert got.status_code == 200 and listed.status_code == 200
    assert "secret" not in got.json() and secret not in got.text + listed.text
    assert [w["id"] for w in listed.json()["items"]] == [created["id"]]

    patched = await client.patch(hook, json={"name": "Invoices", "enabled": False})
    assert patched.status_code == 200, patched.text
    assert (patched.json()["name"], patched.json()["enabled"]) == ("Invoices", False)
    assert patched.json()["secret"] is None

    audit = await client.get("/api/audit", params={"object_type": "webhook"})
    assert audit.status_code == 200 and secret not in audit.text
    assert {"webhook.create", "webhook.update", "webhook.disable"} <= {
        row["action"] for row in audit.json()
    }

    deleted = await client.delete(hook)
    assert deleted.status_code == 200 and deleted.json()["id"] == created["id"]
    assert_error(await client.get(hook), 404)


async def test_regenerate_and_mode_change_answer_a_new_secret(
    client: httpx.AsyncClient, workflow_id: int
) -> None:
    created = await _create(client, workflow_id)
    hook = f"/api/webhooks/{created['id']}"
    renewed = await client.post(f"{hook}/secret", json={"grace_seconds": 600})
    assert renewed.status_code == 200, renewed.text
    assert renewed.json()["secret"] not in (None, created["secret"])
    assert renewed.json()["has_previous_secret_until"] is not None
    github = await client.patch(hook, json={"signature_mode": "github"})
    assert github.json()["secret"] and github.json()["has_previous_secret_until"] is None
    unsigned = await client.patch(hook, json={"signature_mode": "none"})
    assert unsigned.json()["unsigned"] is True and unsigned.json()["secret"] is None
    body = assert_error(await client.post(f"{hook}/secret", json={}), 409)
    assert "no secret" in body["detail"]


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"ip_allowlist": ["10.0.0.0/33"]}, "ip_allowlist"),
        ({"mapping": "body.["}, "mapping"),
        ({"rate_limit_per_hour": 0}, "rate_limit_per_hour"),
        ({"body_limit_bytes": 20_000_000}, "body_limit_bytes"),
        ({"respond_timeout_seconds": 500}, "respond_timeout_seconds"),
        ({"signature_mode": "md5"}, "signature_mode"),
        ({"secret": "chosen"}, "secret"),
    ],
)
async def test_bad_settings_are_a_422_naming_the_field(
    client: httpx.AsyncClient, workflow_id: int, settings: dict[str, Any], field: str
) -> None:
    body = assert_error(
        await client.post(f"/api/workflows/{workflow_id}/webhooks", json=settings), 422
    )
    assert body["problems"][0]["field"] == f"body.{field}"
    created = await _create(client, workflow_id)
    assert_error(await client.patch(f"/api/webhooks/{created['id']}", json=settings), 422)
    assert (await client.get("/api/webhooks")).json()["total"] == 1


async def test_callers_without_credentials_scope_or_access_are_refused(
    anonymous_client: httpx.AsyncClient, client: httpx.AsyncClient, workflow_id: int
) -> None:
    created = await _create(client, workflow_id)
    hook = f"/api/webhooks/{created['id']}"
    assert_error(await anonymous_client.get(hook, headers={"Authorization": ""}), 401)
    reader = user_with_key("reader@example.com", Role.EDITOR, ("workflows:read",))
    as_reader = {"Authorization": f"Bearer {reader}"}
    assert_error(await anonymous_client.patch(hook, json={}, headers=as_reader), 403)
    assert_error(await anonymous_client.post(f"{hook}/test", headers=as_reader), 403)
    # The workflow is not theirs: not found, and not listed.
    assert_error(await anonymous_client.get(hook, headers=as_reader), 404)
    assert_error(await anonymous_client.get(f"{hook}/calls", headers=as_reader), 404)
    listed = await anonymous_client.get("/api/webhooks", headers=as_reader)
    assert listed.json() == {"items": [], "total": 0}
    assert_error(await client.get("/api/webhooks/999999"), 404)
    assert_error(await client.post("/api/workflows/999999/webhooks", json={}), 404)


async def test_mapping_preview_of_a_sample_and_of_the_last_real_call(
    client: httpx.AsyncClient, workflow_id: int
) -> None:
    sample = {
        "mapping": '{order: body.id, agent: headers."user-agent", page: query.page}',
        "body": {"id": 7},
        "headers": {"User-Agent": "curl"},
        "query": {"page": "2"},
    }
    preview = await client.post("/api/webhooks/mapping-preview", json=sample)
    assert preview.status_code == 200, preview.text
    assert preview.json()["input"] == {"order": 7, "agent": "curl", "page": "2"}
    failing = await client.post(
        "/api/webhooks/mapping-preview", json={"mapping": "abs(body)", "body": "x"}
    )
    assert failing.json()["input"] is None and "abs" in failing.json()["error"]
    assert_error(await client.post("/api/webhooks/mapping-preview", json={"mapping": "a.["}), 422)
    created = await _create(client, workflow_id)
    last = await client.get(f"/api/webhooks/{created['id']}/mapping-preview")
    assert last.status_code == 200 and last.json()["error"] and last.json()["call_id"] is None


@pytest.mark.parametrize("mode", ["standard", "github", "token", "none"])
async def test_a_test_event_is_signed_by_the_server_and_starts_a_run(
    client: httpx.AsyncClient, workflow_id: int, wait_for_execution: WaitFor, mode: str
) -> None:
    created = await _create(client, workflow_id, signature_mode=mode, mapping="body.data")
    hook = f"/api/webhooks/{created['id']}"
    sent = await client.post(f"{hook}/test")
    assert sent.status_code == 200, sent.text
    call = sent.json()
    assert call["test"] is True and call["status_code"] == 202, call
    assert call["mapped_input"]["message"] and call["reason"] is None
    finished = await wait_for_execution(call["execution_id"])
    assert finished["status"] == "succeeded", finished
    calls = (await client.get(f"{hook}/calls")).json()
    assert [(c["id"], c["test"]) for c in calls] == [(call["id"], True)]
    assert calls[0]["execution_status"] == "succeeded"
    # A test event is not the last real call.
    last = (await client.get(f"{hook}/mapping-preview")).json()
    assert last["call_id"] is None and last["error"]
    if created["secret"]:
        assert created["secret"] not in sent.text


async def test_a_disabled_webhook_logs_the_test_event_as_refused(
    client: httpx.AsyncClient, workflow_id: int
) -> None:
    created = await _create(client, workflow_id, enabled=False)
    sent = await client.post(f"/api/webhooks/{created['id']}/test")
    assert sent.status_code == 200, sent.text
    assert sent.json()["status_code"] == 404 and sent.json()["execution_id"] is None
    assert "disabled" in sent.json()["reason"]
