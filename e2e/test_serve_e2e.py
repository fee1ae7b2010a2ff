"""`flowbook serve`: one process serves the built pages, the event socket and /api on one port.

The pages load in a browser with their rows from the backend (over the websocket), a run
started through the API shows up on the executions page, and SIGTERM stops the process.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import psutil
from playwright.sync_api import Browser, expect

from e2e.app_process import AppProcess
from e2e.conftest import logged_in_context, wait_finished
from tests.credentials import owner_api_key, set_up_owner

LOAD_TIMEOUT_MS = 20_000


def test_one_process_serves_pages_events_and_the_api(served: AppProcess, browser: Browser) -> None:
    server = psutil.Process(served.pid)
    assert server.children(recursive=True) == [], served.log_tail()

    token = set_up_owner(served.backend_url)
    headers = {"Authorization": f"Bearer {owner_api_key(served.backend_url, token)}"}
    with httpx.Client(base_url=served.backend_url, timeout=30, headers=headers) as api:
        workflow = api.get("/api/workflows", params={"search": "Hello, Flowbook"}).json()
        workflow_id = workflow["items"][0]["id"]
        started = api.post(f"/api/workflows/{workflow_id}/execute", json={"input": {}})
        assert started.status_code == 202, started.text
        execution_id = started.json()["execution_id"]
        wait_finished(api, execution_id, timeout_s=30)

    context = logged_in_context(browser, served, token)
    try:
        page = context.new_page()
        page.goto("/workflows", timeout=LOAD_TIMEOUT_MS)
        # The samples' rows come from the backend over the websocket.
        expect(page.locator("tr[data-workflow='Hello, Flowbook']")).to_be_visible(
            timeout=LOAD_TIMEOUT_MS
        )
        page.goto(f"/executions/{execution_id}", timeout=LOAD_TIMEOUT_MS)
        expect(page.get_by_text("succeeded").first).to_be_visible(timeout=LOAD_TIMEOUT_MS)
        assert "Cannot connect" not in page.inner_text("body")
    finally:
        context.close()

    served.stop()
    assert served.process is not None and served.process.returncode is not None
    log = Path(served.log_path).read_text(errors="replace")
    assert "Shutting down granian" in log, served.log_tail()
