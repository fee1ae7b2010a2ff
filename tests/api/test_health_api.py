"""Health (with the schedules' self-check), node types and the OpenAPI document."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx

from app.models.db import configure_engine
from app.models.types import utc_now
from app.services import loop_lag
from app.services.lifespan import serving_lifespan
from tests.documents import greeting
from tests.records import make_workflow
from tests.services.schedule_builders import add_schedule


async def test_health_reports_the_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/health")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["version"]


async def test_node_types_describe_every_node_with_its_config_schema(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/api/node-types")
    assert response.status_code == 200
    types = {t["type"]: t for t in response.json()}
    for expected in ("manual_trigger", "http_request", "transform", "condition", "delay"):
        assert expected in types
    assert types["manual_trigger"]["inputs"] == []
    assert "seconds" in types["delay"]["config_schema"]["properties"]


async def test_openapi_lists_every_route(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    expected = {
        "/api/workflows": {"get", "post"},
        "/api/workflows/validate": {"post"},
        "/api/workflows/{workflow_id}": {"get", "put", "patch", "delete"},
        "/api/workflows/{workflow_id}/restore": {"post"},
        "/api/workflows/{workflow_id}/duplicate": {"post"},
        "/api/workflows/{workflow_id}/validate": {"post"},
        "/api/workflows/{workflow_id}/execute": {"post"},
        "/api/executions": {"get"},
        "/api/executions/{execution_id}": {"get"},
        "/api/executions/{execution_id}/cancel": {"post"},
        "/api/node-types": {"get"},
        "/api/health": {"get"},
    }
    for path, methods in expected.items():
        assert path in paths, path
        assert methods <= set(paths[path]), (path, set(paths[path]))
    assert all(path.startswith("/api/") for path in paths)


async def test_swagger_ui_is_served_under_api_and_redoc_is_off(client: httpx.AsyncClient) -> None:
    docs = await client.get("/api/docs")
    assert docs.status_code == 200
    assert "/api/openapi.json" in docs.text
    assert (await client.get("/docs")).status_code == 404
    assert (await client.get("/redoc")).status_code == 404


async def test_health_is_503_when_the_database_is_unreachable(
    client: httpx.AsyncClient, db_url: str
) -> None:
    configure_engine("postgresql+psycopg://nobody@127.0.0.1:1/absent?connect_timeout=2")
    try:
        response = await client.get("/api/health")
    finally:
        configure_engine(db_url)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["database"].startswith("error")
    assert (await client.get("/api/health")).json()["database"] == "ok"


async def test_health_reports_the_serving_loops_lag(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/health")).json()["event_loop_lag_p99_ms"] is None

    async with serving_lifespan():
        await asyncio.sleep(3 * loop_lag.SERVING_INTERVAL_S)
        body = (await client.get("/api/health")).json()

    assert isinstance(body["event_loop_lag_p99_ms"], float)
    assert (await client.get("/api/health")).json()["event_loop_lag_p99_ms"] is None


async def test_health_reports_overdue_schedules(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/health")).json()
    assert body["schedules"] == {"status": "ok", "overdue": []}
    workflow_id = make_workflow(greeting())
    owed = utc_now() - timedelta(minutes=5)
    schedule_id = add_schedule(workflow_id, next_fire_at=owed, grace_seconds=60)

    response = await client.get("/api/health")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["schedules"] == {"status": "overdue", "overdue": [schedule_id]}
