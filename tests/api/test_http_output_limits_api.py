"""An HTTP response that cannot be stored as it is (300 levels deep, NaN inside) fails or
changes only its own node, through a real HTTP server on 127.0.0.1; reads keep working."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from app.services.outbound_http import ALLOWLIST_ENV
from tests.api.conftest import WaitFor
from tests.documents import chain, node

BODIES = {
    "/deep": ("[" * 300 + "]" * 300).encode(),
    "/nan": b'{"ratio": NaN, "ok": 1}',
}


class Handler(BaseHTTPRequestHandler):
    """Serves the bodies that cannot be stored as they are."""

    def do_GET(self) -> None:
        """Answer the body for the path."""
        body = BODIES[self.path]
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port = httpd.server_address[1]
    monkeypatch.setenv(ALLOWLIST_ENV, f"127.0.0.1:{port}")
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    httpd.shutdown()
    httpd.server_close()


async def fetch(
    client: httpx.AsyncClient, create_workflow: Any, wait: WaitFor, url: str
) -> dict[str, Any]:
    definition = chain(node("start", "manual_trigger"), node("fetch", "http_request", url=url))
    workflow = await create_workflow(definition)
    started = await client.post(f"/api/workflows/{workflow['id']}/execute", json={})
    assert started.status_code == 202, started.text
    done = await wait(started.json()["execution_id"])
    for path in (
        f"/api/executions/{done['id']}",
        "/api/executions",
        f"/api/workflows/{workflow['id']}/node-states",
    ):
        response = await client.get(path)
        assert response.status_code == 200, (path, response.text[:300])
    return done


async def test_a_response_300_levels_deep_fails_its_node_and_reads_keep_working(
    client: httpx.AsyncClient, create_workflow: Any, wait_for_execution: WaitFor, server: str
) -> None:
    done = await fetch(client, create_workflow, wait_for_execution, f"{server}/deep")
    assert done["status"] == "failed"
    [run] = [r for r in done["node_runs"] if r["node_id"] == "fetch"]
    assert run["error"] == "output refused: nested deeper than 64 levels"
    assert "SQL" not in json.dumps(done)


async def test_nan_in_a_response_is_stored_as_null(
    client: httpx.AsyncClient, create_workflow: Any, wait_for_execution: WaitFor, server: str
) -> None:
    done = await fetch(client, create_workflow, wait_for_execution, f"{server}/nan")
    assert done["status"] == "succeeded", done["error"]
    [run] = [r for r in done["node_runs"] if r["node_id"] == "fetch"]
    assert run["output"]["body"] == {"ratio": None, "ok": 1}
