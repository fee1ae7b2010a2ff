"""Bounded inputs: bodies over the limit get 413 before they are read whole; documents with
more nodes than allowed get a clear 422."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from app.api.body_limit import DEFAULT_MAX_BODY_BYTES, MAX_BODY_BYTES_ENV
from app.api.main import create_api
from app.engine.validation import DEFAULT_MAX_NODES, MAX_NODES_ENV
from tests.api.test_api_errors import assert_error
from tests.documents import chain, node

MB = 1024 * 1024


async def call(body_chunks: list[bytes], headers: list[tuple[bytes, bytes]]) -> tuple[Any, int]:
    """Send a POST to /api/workflows/validate straight to the ASGI app.

    Returns:
        The response start message and how many body chunks the app read.
    """
    reads = 0
    sent: list[Any] = []

    async def receive() -> dict[str, Any]:
        nonlocal reads
        reads += 1
        more = reads < len(body_chunks)
        return {"type": "http.request", "body": body_chunks[reads - 1], "more_body": more}

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/workflows/validate",
        "raw_path": b"/api/workflows/validate",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), (b"content-type", b"application/json"), *headers],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    await create_api()(scope, receive, send)
    return sent, reads


async def test_a_declared_length_over_the_limit_is_refused_without_reading_the_body() -> None:
    length = str(100 * MB).encode()
    sent, reads = await call([b"{}"], [(b"content-length", length)])
    assert sent[0]["status"] == 413
    assert reads == 0
    assert b"larger than 5242880 bytes" in sent[1]["body"]


async def test_a_chunked_body_is_refused_as_soon_as_it_passes_the_limit() -> None:
    chunks = [b"[" + b" " * (MB - 1)] + [b" " * MB] * 99  # 100 MB, no Content-Length
    sent, reads = await call(chunks, [])
    assert sent[0]["status"] == 413
    assert reads == 6  # 6 MB read, not 100
    assert dict(sent[0]["headers"])[b"content-type"] == b"application/json"


async def test_the_limit_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MAX_BODY_BYTES_ENV, "1000")
    sent, _ = await call([b'{"definition": {"x": "' + b"a" * 1000 + b'"}}'], [])
    assert sent[0]["status"] == 413


async def test_a_document_just_under_the_limit_is_accepted(client: httpx.AsyncClient) -> None:
    document = chain(node("start", "manual_trigger"))
    document["nodes"][0]["pinned_output"] = "a" * (DEFAULT_MAX_BODY_BYTES - 1000)
    response = await client.post("/api/workflows/validate", json={"definition": document})
    assert response.status_code == 200, response.text[:200]
    assert response.json()["valid"]


async def test_a_body_over_the_limit_is_a_413_through_http(client: httpx.AsyncClient) -> None:
    body = b'{"name": "x", "description": "' + b"a" * (6 * MB) + b'"}'
    response = await client.post(
        "/api/workflows", content=body, headers={"content-type": "application/json"}
    )
    assert_error(response, 413)
    assert (await client.get("/api/workflows")).json()["total"] == 0


def many_nodes(count: int) -> dict[str, Any]:
    return chain(
        node("start", "manual_trigger"), *(node(f"n{i}", "noop") for i in range(count - 1))
    )


async def test_documents_with_more_nodes_than_allowed_are_a_clear_422(
    client: httpx.AsyncClient, create_workflow: Callable[..., Awaitable[Any]]
) -> None:
    too_many = many_nodes(DEFAULT_MAX_NODES + 1)
    body = assert_error(
        await client.post("/api/workflows", json={"name": "x", "definition": too_many}), 422
    )
    assert "2001 nodes, more than the 2000 allowed" in body["problems"][0]["message"]
    validated = await client.post("/api/workflows/validate", json={"definition": too_many})
    assert "more than the 2000 allowed" in validated.json()["problems"][0]["message"]
    await create_workflow(many_nodes(DEFAULT_MAX_NODES))


async def test_the_node_limit_is_configurable(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(MAX_NODES_ENV, "3")
    response = await client.post("/api/workflows", json={"name": "x", "definition": many_nodes(4)})
    assert_error(response, 422)
