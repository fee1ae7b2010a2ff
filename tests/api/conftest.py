"""API test fixtures: an ASGI client over `create_api()` on each database of the suite."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import fastapi.dependencies.models
import httpx
import pytest
from fastapi import FastAPI

from app.api.main import create_api
from tests.credentials import user_with_key
from tests.documents import chain, edge, greeting, node, slow

FINISHED = {"succeeded", "failed", "cancelled", "crashed"}

WaitFor = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
def greeting_definition() -> dict[str, Any]:
    """trigger -> transform (greets `trigger.name`) -> output."""
    return greeting()


@pytest.fixture
def slow_definition() -> dict[str, Any]:
    """trigger -> transform -> delay 30 s -> output: runs long enough to be cancelled."""
    return slow(30)


@pytest.fixture
def cyclic_definition() -> dict[str, Any]:
    """A document that parses but has graph problems (a cycle between a and b)."""
    document = chain(
        node("start", "manual_trigger"),
        node("a", "transform", template="{{ input }}"),
        node("b", "transform", template="{{ input }}"),
    )
    document["edges"].append(edge("b", "a"))
    return document


@pytest.fixture(autouse=True)
def forget_fastapi_apps() -> Iterator[None]:
    """Let each test's app go after the test: FastAPI keeps what it learnt about each route's
    callables in module-level caches of 4,096 entries, which otherwise hold the last few
    dozen test apps (millions of objects) that every full garbage collection then walks."""
    yield
    for cached in vars(fastapi.dependencies.models).values():
        if isinstance(cached, functools._lru_cache_wrapper):
            cached.cache_clear()


@pytest.fixture(scope="session")
def api_app() -> FastAPI:
    """One app of the API for the session. A new app costs about a second on its first
    requests (FastAPI prepares every included route then, and the 404/405/422 handlers build
    the OpenAPI document), and an app keeps nothing of a request but what it derives from its
    routes: the database, settings and limits are read per request."""
    return create_api()


@pytest.fixture
async def anonymous_client(db_url: str, api_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client talking to the API in-process, on the database `db_url`, with no credentials."""
    transport = httpx.ASGITransport(app=api_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
        yield http


@pytest.fixture
def owner_key(db_url: str) -> str:
    """An API key with every scope of the instance's owner (created for the test)."""
    return user_with_key()


@pytest.fixture
async def client(anonymous_client: httpx.AsyncClient, owner_key: str) -> httpx.AsyncClient:
    """The same client as the instance's owner, with an API key that has every scope."""
    anonymous_client.headers["Authorization"] = f"Bearer {owner_key}"
    return anonymous_client


@pytest.fixture
def wait_for_execution(client: httpx.AsyncClient) -> WaitFor:
    """Poll an execution through the API until it reaches a wanted status."""

    async def wait(
        execution_id: int, statuses: set[str] = FINISHED, timeout_s: float = 15.0
    ) -> dict[str, Any]:
        deadline = asyncio.get_running_loop().time() + timeout_s
        while True:
            response = await client.get(f"/api/executions/{execution_id}")
            assert response.status_code == 200, response.text
            detail = response.json()
            if detail["status"] in statuses:
                return detail
            assert asyncio.get_running_loop().time() < deadline, detail
            await asyncio.sleep(0.05)

    return wait


@pytest.fixture
def create_workflow(client: httpx.AsyncClient) -> Callable[..., Awaitable[dict[str, Any]]]:
    """Create a workflow through the API and return its JSON."""

    async def create(definition: dict[str, Any], name: str = "Test flow", **extra: Any) -> Any:
        response = await client.post(
            "/api/workflows", json={"name": name, "definition": definition, **extra}
        )
        assert response.status_code == 201, response.text
        return response.json()

    return create
