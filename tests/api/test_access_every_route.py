"""Every operation of the OpenAPI document, walked: without credentials it answers 401, with a
key lacking its scope 403, with a key holding it neither. A route added later is walked too."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from app.api.main import create_api
from app.models.account import Role, Scope
from tests.credentials import user_with_key

# Reachable without credentials, on purpose: readiness, the ways to get credentials, and
# webhooks (the request's signature is their authentication).
PUBLIC = {
    ("get", "/api/health"),
    ("get", "/api/health/ready"),
    ("get", "/api/auth/status"),
    ("post", "/api/auth/setup"),
    ("post", "/api/auth/login"),
    ("post", "/api/auth/logout"),
    ("post", "/api/auth/token"),
    ("post", "/api/invites/accept"),
    ("post", "/api/auth/join"),
    ("post", "/api/hooks/{public_id}"),
}


# Any valid credentials may ask who they are.
ANY_CREDENTIALS = {("get", "/api/me")}


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    document = create_api().openapi()
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def _request(client: httpx.AsyncClient, method: str, path: str, key: str | None) -> Any:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    body = None if method in ("get", "delete") else {}
    return client.request(method.upper(), _concrete(path), json=body, headers=headers)


@pytest.mark.parametrize(("method", "path", "operation"), _operations(), ids=lambda v: str(v)[:40])
async def test_every_operation_needs_credentials_and_its_scope(
    anonymous_client: httpx.AsyncClient, method: str, path: str, operation: dict[str, Any]
) -> None:
    if (method, path) in PUBLIC:
        assert "security" not in operation
        return
    assert operation.get("security"), "a protected operation lists the ways in"
    anonymous = await _request(anonymous_client, method, path, None)
    assert anonymous.status_code == 401, anonymous.text
    if (method, path) in ANY_CREDENTIALS:
        return
    needed = (
        Scope(operation["x-required-scope"]) if "x-required-scope" in operation else Scope.ADMIN
    )
    others = tuple(s.value for s in Scope if s not in (needed, Scope.ADMIN))
    lacking = user_with_key("lacking@example.com", Role.ADMIN, others)
    refused = await _request(anonymous_client, method, path, lacking)
    assert refused.status_code == 403, refused.text
    if needed is not Scope.ADMIN:
        holding = user_with_key("holding@example.com", Role.ADMIN, (needed.value,))
        allowed = await _request(anonymous_client, method, path, holding)
        assert allowed.status_code not in (401, 403), allowed.text


async def test_a_viewer_reads_but_cannot_change_or_run(anonymous_client: httpx.AsyncClient) -> None:
    key = user_with_key("viewer@example.com", Role.VIEWER, ("workflows:read", "executions:read"))
    headers = {"Authorization": f"Bearer {key}"}
    assert (await anonymous_client.get("/api/workflows", headers=headers)).status_code == 200
    created = await anonymous_client.post("/api/workflows", json={"name": "x"}, headers=headers)
    assert created.status_code == 403
    ran = await anonymous_client.post("/api/workflows/1/execute", json={}, headers=headers)
    assert ran.status_code == 403
    # A viewer's key cannot be given more than the role allows.
    editor_scopes = user_with_key(
        "viewer2@example.com", Role.VIEWER, ("workflows:read", "workflows:write")
    )
    refused = await anonymous_client.post(
        "/api/workflows", json={"name": "x"}, headers={"Authorization": f"Bearer {editor_scopes}"}
    )
    assert refused.status_code == 403
