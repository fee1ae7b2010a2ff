"""The crash test: kill -9 the API server mid-execution, start it again, check recovery.

A real server process (uvicorn on `app.api.server:app`) on a temporary SQLite file; the
heartbeat is shortened so the killed run becomes stale within a second.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.credentials import owner_api_key
from tests.documents import chain, greeting, node, slow

REPO_ROOT = Path(__file__).resolve().parent.parent
STALE_S = 1.0

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ApiServer:
    """The standalone API server in its own process group."""

    def __init__(self, database: Path, log: Path) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{database}",
            "FLOWBOOK_HEARTBEAT_S": "0.2",
            "FLOWBOOK_HEARTBEAT_STALE_S": str(STALE_S),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [sys.executable, "-m", "uvicorn", "app.api.server:app"]
        command += ["--host", "127.0.0.1", "--port", str(self.port)]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=REPO_ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until(self._healthy, timeout_s=60, what=f"server up (log: {self.log})")

    def _healthy(self) -> bool:
        assert self.process is not None
        assert self.process.poll() is None, self.log.read_text()
        try:
            return httpx.get(f"{self.base_url}/api/health", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    def kill(self) -> None:
        """SIGKILL: no lifespan shutdown, no chance to tidy up."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None


def wait_until(check: Callable[[], Any], *, timeout_s: float, what: str) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ApiServer]:
    api_server = ApiServer(tmp_path / "crash.db", tmp_path / "server.log")
    api_server.start()
    yield api_server
    api_server.kill()


def owner_headers(base_url: str) -> dict[str, str]:
    """The header that sends an API key of the fresh server's owner (set up here)."""
    return {"Authorization": f"Bearer {owner_api_key(base_url)}"}


def detail(http: httpx.Client, execution_id: int) -> dict[str, Any]:
    response = http.get(f"/api/executions/{execution_id}")
    assert response.status_code == 200, response.text
    return response.json()


def execute(http: httpx.Client, definition: dict[str, Any], name: str) -> int:
    created = http.post("/api/workflows", json={"name": name, "definition": definition})
    assert created.status_code == 201, created.text
    started = http.post(f"/api/workflows/{created.json()['id']}/execute", json={"input": {}})
    assert started.status_code == 202, started.text
    return int(started.json()["execution_id"])


def wait_for_status(http: httpx.Client, execution_id: int, status: str) -> dict[str, Any]:
    def reached() -> dict[str, Any] | None:
        body = detail(http, execution_id)
        return body if body["status"] == status else None

    return wait_until(reached, timeout_s=20, what=f"execution {execution_id} {status}")


def test_killed_execution_is_marked_crashed_on_restart(server: ApiServer) -> None:
    headers = owner_headers(server.base_url)
    with httpx.Client(base_url=server.base_url, timeout=10, headers=headers) as http:
        quick_id = execute(http, greeting(), "Quick")
        quick = wait_for_status(http, quick_id, "succeeded")

        slow_id = execute(http, slow(30), "Slow")

        def waiting_node_running() -> dict[str, Any] | None:
            body = detail(http, slow_id)
            statuses = {r["node_id"]: r["status"] for r in body["node_runs"]}
            running = body["status"] == "running"
            return body if running and statuses.get("wait") == "running" else None

        before_kill = wait_until(waiting_node_running, timeout_s=20, what="the delay running")
        started = {r["node_id"]: r for r in before_kill["node_runs"]}
        assert started["prepare"]["status"] == "succeeded"
        assert started["wait"]["started_at"] is not None
        assert started["wait"]["finished_at"] is None

    server.kill()
    time.sleep(STALE_S + 0.5)  # let the last heartbeat go stale before the restart
    server.start()

    with httpx.Client(base_url=server.base_url, timeout=10, headers=headers) as http:
        crashed = detail(http, slow_id)

        assert crashed["status"] == "crashed", crashed
        assert crashed["finished_at"] is not None
        kept = {r["node_id"]: r for r in crashed["node_runs"]}
        assert kept["start"]["status"] == "succeeded"
        assert kept["prepare"]["status"] == "succeeded"
        assert kept["prepare"]["output"] == "prepared"
        assert "result" not in kept or kept["result"]["status"] != "succeeded"
        # The attempt that was running when the process died is closed with its execution.
        assert kept["wait"]["status"] == "crashed"
        assert kept["wait"]["finished_at"] == crashed["finished_at"]
        assert all(r["status"] != "running" for r in crashed["node_runs"])

        assert http.get("/api/executions", params={"status": "running"}).json()["total"] == 0
        assert detail(http, quick_id) == quick

        # The restarted server still runs work.
        one_node = chain(node("t", "manual_trigger"), node("o", "output", value=1))
        wait_for_status(http, execute(http, one_node, "Again"), "succeeded")
