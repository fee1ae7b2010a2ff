"""Readiness, /metrics (read back with prometheus_client's own parser) and the capture of
unexpected API errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample
from sqlalchemy import Connection, select

from app.api.main import create_api
from app.api.metrics import METRICS_TOKEN_ENV
from app.models.account import Role
from app.models.cost import CostDaily
from app.models.db import configure_engine
from app.models.error_log import ErrorEvent, ErrorGroup
from app.models.llm import LLMBreaker
from app.services.db_threads import run_write
from app.services.unit_of_work import session_scope
from tests.credentials import user_with_key


def samples(text: str) -> dict[str, list[Sample]]:
    """Every sample of the exposition, by sample name (`..._total`, `..._count`, ...)."""
    found: dict[str, list[Sample]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found.setdefault(sample.name, []).append(sample)
    return found


def value(found: dict[str, list[Sample]], name: str, **labels: str) -> float:
    """The sum of the samples of `name` whose labels include `labels` (0 when none)."""
    return sum(s.value for s in found.get(name, []) if labels.items() <= s.labels.items())


async def scrape(client: httpx.AsyncClient) -> dict[str, list[Sample]]:
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return samples(response.text)


async def test_ready_lists_each_check(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/health/ready")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready"
    checks = {check["name"]: check for check in body["checks"]}
    assert set(checks) == {"database", "migrations", "scheduler", "disk"}
    assert checks["database"]["status"] == "ok" and checks["database"]["required"]
    assert checks["migrations"]["status"] == "ok" and checks["migrations"]["required"]
    assert not checks["disk"]["required"]


async def test_ready_is_503_when_the_database_is_unreachable(
    anonymous_client: httpx.AsyncClient, db_url: str
) -> None:
    configure_engine("postgresql+psycopg://nobody@127.0.0.1:1/absent?connect_timeout=2")
    try:
        response = await anonymous_client.get("/api/health/ready")
    finally:
        configure_engine(db_url)

    assert response.status_code == 503, response.text
    body = response.json()
    assert body["status"] == "not_ready"
    checks = {check["name"]: check for check in body["checks"]}
    assert checks["database"]["status"] == "error"
    assert checks["database"]["detail"].startswith("unreachable")
    assert "disk" in checks
    assert (await anonymous_client.get("/api/health/ready")).status_code == 200


async def test_metrics_need_admin_credentials_or_the_metrics_token(
    anonymous_client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (await anonymous_client.get("/metrics")).status_code == 401
    reader = user_with_key("reader@example.com", Role.ADMIN, ("workflows:read",))
    refused = await anonymous_client.get("/metrics", headers={"Authorization": f"Bearer {reader}"})
    assert refused.status_code == 403
    monkeypatch.setenv(METRICS_TOKEN_ENV, "scrape-only-token")
    wrong = await anonymous_client.get("/metrics", headers={"Authorization": "Bearer other"})
    assert wrong.status_code == 401
    scraper = {"Authorization": "Bearer scrape-only-token"}
    assert (await anonymous_client.get("/metrics", headers=scraper)).status_code == 200
    admin = user_with_key("admin@example.com", Role.ADMIN, ("admin",))
    allowed = await anonymous_client.get("/metrics", headers={"Authorization": f"Bearer {admin}"})
    assert allowed.status_code == 200


async def test_metrics_count_runs_llm_usage_breakers_webhooks_and_the_pool(
    client: httpx.AsyncClient,
    create_workflow: Callable[..., Awaitable[dict[str, Any]]],
    wait_for_execution: Callable[..., Awaitable[dict[str, Any]]],
    greeting_definition: dict[str, Any],
) -> None:
    before = await scrape(client)
    workflow = await create_workflow(greeting_definition)
    started = await client.post(
        f"/api/workflows/{workflow['id']}/execute", json={"input": {"name": "Ada"}}
    )
    assert started.status_code == 202, started.text
    assert (await wait_for_execution(started.json()["execution_id"]))["status"] == "succeeded"
    with session_scope() as session:
        session.add(
            CostDaily(
                day=date(2026, 1, 2),
                dims="d" * 64,
                provider="openai",
                model="gpt-4o",
                calls=3,
                input_tokens=1000,
                output_tokens=200,
                cached_tokens=50,
                cost_micros=1_250_000,
            )
        )
        session.add(LLMBreaker(deployment="openai/gpt-4o", phase="open", failures=[]))
    assert (await client.post("/api/hooks/no-such-hook", json={})).status_code == 404

    after = await scrape(client)

    succeeded = {"workflow_id": str(workflow["id"]), "status": "succeeded"}
    runs = value(after, "flowbook_executions_total", **succeeded)
    assert runs - value(before, "flowbook_executions_total", **succeeded) == 1
    ran = value(after, "flowbook_node_duration_seconds_count", status="succeeded")
    assert ran - value(before, "flowbook_node_duration_seconds_count", status="succeeded") >= 3
    model = {"provider": "openai", "model": "gpt-4o"}
    assert value(after, "flowbook_llm_calls_total", **model) == 3
    assert value(after, "flowbook_llm_tokens_total", kind="cached", **model) == 50
    assert value(after, "flowbook_llm_cost_usd_total", **model) == pytest.approx(1.25)
    assert value(after, "flowbook_llm_breaker_state", deployment="openai/gpt-4o") == 2
    missing = value(after, "flowbook_webhook_calls_total", outcome="not_found")
    assert missing - value(before, "flowbook_webhook_calls_total", outcome="not_found") == 1
    assert value(after, "flowbook_database_up") == 1
    assert value(after, "flowbook_db_pool_connections", state="size") > 0
    assert "flowbook_schedule_fires_total" in after
    assert "flowbook_schedule_fire_lag_seconds_count" in after


def _nothing(connection: Connection) -> None:
    """A write queued after another is committed after it: waiting for it waits for both."""


async def test_an_unexpected_api_error_is_captured_with_its_route(db_url: str) -> None:
    api = create_api()

    async def explode(item_id: int) -> None:
        raise ZeroDivisionError(f"cannot divide item {item_id}")

    api.add_api_route("/boom/{item_id}", explode)
    transport = httpx.ASGITransport(app=api, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
        for item_id in (1, 2):
            response = await http.get(f"/boom/{item_id}?token=secret")
            assert response.status_code == 500
            assert response.json()["detail"] == "Internal server error"
    await run_write(_nothing)

    with session_scope(read_only=True) as session:
        [group] = session.scalars(select(ErrorGroup)).all()
        events = session.scalars(select(ErrorEvent).order_by(ErrorEvent.id)).all()
    assert (group.source, group.error_type, group.count) == ("api", "ZeroDivisionError", 2)
    assert [event.message for event in events] == ["cannot divide item 1", "cannot divide item 2"]
    assert events[0].context == {"method": "GET", "route": "/boom/{item_id}"}
    assert events[0].stack is not None and "explode" in events[0].stack
