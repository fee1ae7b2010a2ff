"""Cross-site changes and form bodies are refused on /api; every answer has security headers."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.api.allowed_origins import allowed_origins, bind_host
from app.api.request_guard import RequestGuardMiddleware

EVIL = "http://evil.example"


async def _workflow_count(client: httpx.AsyncClient) -> int:
    return int((await client.get("/api/workflows")).json()["total"])


async def test_a_change_from_a_foreign_origin_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, greeting_definition: dict[str, Any]
) -> None:
    body = {"name": "from evil", "definition": greeting_definition}
    refused = await client.post("/api/workflows", json=body, headers={"Origin": EVIL})
    assert refused.status_code == 403
    assert "Cross-origin request from http://evil.example refused" in refused.json()["detail"]
    assert await _workflow_count(client) == 0

    for origin in ("http://localhost:3000", "http://127.0.0.1", None):
        headers = {"Origin": origin} if origin else {}
        created = await client.post("/api/workflows", json=body, headers=headers)
        assert created.status_code == 201, (origin, created.text)
    assert await _workflow_count(client) == 3
    # Reading is not a change: a foreign origin may GET (CORS decides what its page sees).
    assert (await client.get("/api/workflows", headers={"Origin": EVIL})).status_code == 200


@pytest.mark.parametrize(
    "content_type",
    ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain"],
)
async def test_a_form_post_is_refused_even_without_an_origin(
    client: httpx.AsyncClient, greeting_definition: dict[str, Any], content_type: str
) -> None:
    created = await client.post(
        "/api/workflows", json={"name": "target", "definition": greeting_definition}
    )
    workflow_id = created.json()["id"]
    refused = await client.post(
        f"/api/workflows/{workflow_id}/duplicate",
        content=b"a=1",
        headers={"Content-Type": content_type},
    )
    assert refused.status_code == 415 and "JSON" in refused.json()["detail"]
    assert await _workflow_count(client) == 1


async def test_every_answer_carries_the_security_headers(
    client: httpx.AsyncClient, greeting_definition: dict[str, Any]
) -> None:
    answers = [
        await client.get("/api/workflows"),
        await client.get("/api/workflows/999"),
        await client.post("/api/workflows", json={}, headers={"Origin": EVIL}),
        await client.get("/api/docs"),
    ]
    assert [a.status_code for a in answers] == [200, 404, 403, 200]
    for answer in answers:
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["content-security-policy"] == "frame-ancestors 'none'"
        assert answer.headers["referrer-policy"] == "same-origin"


def test_allowed_origins_are_the_apps_own_pages_or_the_configured_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("FLOWBOOK_CORS_ORIGINS", raising=False)
    monkeypatch.setenv("FLOWBOOK_FRONTEND_PORT", "4100")
    monkeypatch.setenv("FLOWBOOK_BACKEND_PORT", "4100")
    assert allowed_origins() == ("http://localhost:4100", "http://127.0.0.1:4100")
    monkeypatch.setenv("FLOWBOOK_CORS_ORIGINS", " https://flows.example.com/ , * ,")
    assert allowed_origins() == ("https://flows.example.com",)
    monkeypatch.delenv("FLOWBOOK_HOST", raising=False)
    assert bind_host() == "127.0.0.1"
    monkeypatch.setenv("FLOWBOOK_HOST", "0.0.0.0")
    assert bind_host() == "0.0.0.0"


@pytest.mark.parametrize(
    ("host", "status"),
    [
        ("127.0.0.1:8000", 200),
        ("localhost:3000", 200),
        ("[::1]:8000", 200),
        ("LOCALHOST", 200),
        ("flows.example.com", 200),
        ("intranet.example:8000", 200),
        ("evil.example", 421),
        ("evil.example:8000", 421),
        ("127.0.0.1.evil.example", 421),
    ],
)
async def test_requests_to_a_host_name_not_ours_are_refused(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, host: str, status: int
) -> None:
    monkeypatch.setenv("FLOWBOOK_CORS_ORIGINS", "https://flows.example.com")
    monkeypatch.setenv("FLOWBOOK_HOST", "intranet.example")
    answer = await client.get("/api/workflows", headers={"Host": host})
    assert answer.status_code == status, answer.text
    if status == 421:
        assert "does not answer to" in answer.json()["detail"]


async def test_the_event_websocket_opens_only_on_our_host_names() -> None:
    reached: list[str] = []
    sent: list[dict[str, Any]] = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        reached.append(scope["path"])

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    guard = RequestGuardMiddleware(inner)
    for host in (b"evil.example:8000", b"localhost:8000"):
        scope = {"type": "websocket", "path": "/_event/", "headers": [(b"host", host)]}
        await guard(scope, receive, send)
    assert sent == [{"type": "websocket.close", "code": 1008}]
    assert reached == ["/_event/"]
