"""LLM settings and monitoring routes on SQLite and PostgreSQL: keys go in and never come out."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from app.llm.breaker import CircuitBreaker
from app.llm.model_map import DEFAULT_GROUPS
from app.llm.types import FallbackEvent
from app.services.breaker_store_sql import SqlBreakerStore
from app.services.llm_events import FallbackRecorder
from app.services.outbound_http import ALLOWLIST_ENV
from tests.api.conftest import WaitFor
from tests.documents import chain, node
from tests.llm.recording_server import INTERNAL_BODY, recording_server

SECRET = "sk-api-test-5e4d3c2b1a09ABCD"


async def test_a_key_is_accepted_but_only_its_last_four_characters_come_back(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    put = await client.put(
        "/api/llm/providers/openai",
        json={"api_key": SECRET, "api_base": "https://gateway.example.com/v1"},
    )
    assert put.status_code == 200, put.text
    assert put.json()["configured"] is True and put.json()["key_last4"] == "ABCD"
    listed = await client.get("/api/llm/providers")
    openai = next(p for p in listed.json() if p["provider"] == "openai")
    assert (openai["configured"], openai["api_base"], openai["enabled"]) == (
        True,
        "https://gateway.example.com/v1",
        True,
    )
    docs = await client.get("/api/openapi.json")
    for response in (put, listed, docs):
        assert SECRET not in response.text
    assert SECRET not in caplog.text

    off = await client.put("/api/llm/providers/openai", json={"enabled": False})
    assert (off.json()["configured"], off.json()["enabled"]) == (True, False)
    cleared = await client.put("/api/llm/providers/openai", json={"api_key": None})
    assert (cleared.json()["configured"], cleared.json()["key_last4"]) == (False, None)


async def test_bad_provider_requests_get_json_errors(client: httpx.AsyncClient) -> None:
    unknown = await client.put("/api/llm/providers/acme", json={"enabled": True})
    assert unknown.status_code == 404 and "Unknown provider 'acme'" in unknown.json()["detail"]
    bad_base = await client.put("/api/llm/providers/openai", json={"api_base": "file:///etc"})
    assert bad_base.status_code == 422 and "api_base" in bad_base.json()["detail"]
    bad_type = await client.put("/api/llm/providers/openai", json={"enabled": "maybe"})
    assert bad_type.status_code == 422
    malformed = await client.put(
        "/api/llm/providers/openai",
        content=b"{not json",
        headers={"content-type": "application/json"},
    )
    assert malformed.status_code == 400


async def test_the_model_map_is_read_and_replaced(client: httpx.AsyncClient) -> None:
    seeded = (await client.get("/api/llm/model-map")).json()
    assert seeded["groups"] == {k: list(v) for k, v in DEFAULT_GROUPS.items()}
    assert seeded["aliases"]["claude-sonnet"] == "anthropic/claude-sonnet-4-5"
    groups = {"local": ["openai_compatible/llama3", "gpt-4o-mini"]}
    put = await client.put("/api/llm/model-map", json={"groups": groups})
    assert put.status_code == 200, put.text
    assert put.json()["groups"] == {"local": ["openai_compatible/llama3", "openai/gpt-4o-mini"]}
    assert (await client.get("/api/llm/model-map")).json()["groups"] == put.json()["groups"]
    bad = await client.put("/api/llm/model-map", json={"groups": {"x": []}})
    assert bad.status_code == 422 and "groups.x: List should have at least 1 item" in bad.text
    wrong = await client.put("/api/llm/model-map", json={"groups": ["gpt-4o"]})
    assert wrong.status_code == 422


async def test_breakers_and_fallbacks_are_visible(
    client: httpx.AsyncClient, engine: Engine
) -> None:
    assert (await client.get("/api/llm/breakers")).json() == []
    await CircuitBreaker(SqlBreakerStore(engine), failure_threshold=1).record_failure(
        "openai/gpt-4o", "server_error"
    )
    recorder = FallbackRecorder(engine)
    recorder(
        FallbackEvent(
            at=datetime.now(UTC),
            from_deployment="openai/gpt-4o",
            to_deployment="anthropic/claude-sonnet-4-5",
            reason="server_error",
            detail="HTTP 500",
        )
    )
    await recorder.drain()
    (breaker,) = (await client.get("/api/llm/breakers")).json()
    assert (breaker["deployment"], breaker["phase"], breaker["last_error"]) == (
        "openai/gpt-4o",
        "open",
        "server_error",
    )
    assert breaker["opened_at"] is not None
    (event,) = (await client.get("/api/llm/fallbacks", params={"limit": 5})).json()
    assert (event["from_deployment"], event["to_deployment"], event["reason"]) == (
        "openai/gpt-4o",
        "anthropic/claude-sonnet-4-5",
        "server_error",
    )
    too_many = await client.get("/api/llm/fallbacks", params={"limit": 10_000})
    assert too_many.status_code == 422


@pytest.fixture
def only_settings_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """No provider key nor allowlist from the environment: each test sets what it needs."""
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", ALLOWLIST_ENV):
        monkeypatch.delenv(name, raising=False)


async def run_agent(
    client: httpx.AsyncClient,
    create_workflow: Any,
    wait_for_execution: WaitFor,
    model: str,
) -> dict[str, Any]:
    """Run trigger -> agent(model, no fallback) -> output through the API; the agent node's run."""
    agent = node("ask", "agent", model=model, prompt="hello")
    workflow = await create_workflow(chain(node("start", "manual_trigger"), agent))
    started = await client.post(f"/api/workflows/{workflow['id']}/execute", json={"input": {}})
    assert started.status_code == 202, started.text
    detail = await wait_for_execution(started.json()["execution_id"])
    assert detail["status"] == "failed", detail
    return next(run for run in detail["node_runs"] if run["node_id"] == "ask")


@pytest.mark.usefixtures("only_settings_keys")
async def test_a_provider_base_url_on_loopback_is_refused_when_saved(
    client: httpx.AsyncClient,
) -> None:
    """Issue 8: a stored key, then a base URL on a loopback listener, then any agent run sent
    the key to the listener. The base URL is now refused with a 422 saying why."""
    with recording_server() as listener:
        keyed = await client.put("/api/llm/providers/openai", json={"api_key": SECRET})
        assert keyed.status_code == 200, keyed.text
        moved = await client.put("/api/llm/providers/openai", json={"api_base": listener.base()})
    assert moved.status_code == 422, moved.text
    detail = moved.json()["detail"]
    assert "api_base is refused: 127.0.0.1 is a loopback address" in detail
    assert f"127.0.0.1:{listener.port} to {ALLOWLIST_ENV}" in detail
    providers = (await client.get("/api/llm/providers")).json()
    assert next(p for p in providers if p["provider"] == "openai")["api_base"] is None
    assert listener.seen == []


@pytest.mark.usefixtures("only_settings_keys")
async def test_a_base_url_refused_at_call_time_never_gets_the_key(
    client: httpx.AsyncClient,
    create_workflow: Any,
    wait_for_execution: WaitFor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Saved while allowlisted, then the allowlist entry went away: the run is refused at
    call time (the guard runs on every request) and the listener receives nothing."""
    with recording_server() as listener:
        monkeypatch.setenv(ALLOWLIST_ENV, f"127.0.0.1:{listener.port}")
        saved = await client.put(
            "/api/llm/providers/openai", json={"api_key": SECRET, "api_base": listener.base()}
        )
        assert saved.status_code == 200, saved.text
        monkeypatch.delenv(ALLOWLIST_ENV)
        ask = await run_agent(client, create_workflow, wait_for_execution, "openai/gpt-4o-mini")
    assert listener.seen == []
    assert "refused: 127.0.0.1 is a loopback address" in ask["error"]
    assert SECRET not in ask["error"]


@pytest.mark.usefixtures("only_settings_keys")
async def test_an_internal_error_body_is_cut_in_the_execution_error(
    client: httpx.AsyncClient,
    create_workflow: Any,
    wait_for_execution: WaitFor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 8: openai_compatible on a loopback service echoed its whole error body
    (`INTERNAL-ONLY-DATA: ...`) into the execution error. Not allowlisted: refused, nothing
    sent. Allowlisted (a local model server): only the first 300 characters show."""
    model = "openai_compatible/llama3"
    with recording_server() as listener:
        monkeypatch.setenv(ALLOWLIST_ENV, f"127.0.0.1:{listener.port}")
        saved = await client.put(
            "/api/llm/providers/openai_compatible", json={"api_base": listener.base()}
        )
        assert saved.status_code == 200, saved.text
        allowed = await run_agent(client, create_workflow, wait_for_execution, model)
        assert len(listener.seen) == 1
        monkeypatch.delenv(ALLOWLIST_ENV)
        refused = await run_agent(client, create_workflow, wait_for_execution, model)
        assert len(listener.seen) == 1
    assert "INTERNAL-ONLY-DATA" in allowed["error"]
    assert INTERNAL_BODY[:301] not in allowed["error"]
    assert "cut at 300 characters" in allowed["error"]
    assert "INTERNAL-ONLY-DATA" not in refused["error"]
    assert "refused: 127.0.0.1 is a loopback address" in refused["error"]
