"""`make run` exactly as the README says, in a fresh clone: it must start and keep serving.

The dev server hot-reloads the backend on file changes; anything the app writes where it
looks restarts the backend, which writes again, forever ("Cannot connect to server").
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from e2e.app_process import AppProcess
from tests.credentials import OWNER

STEADY_WAIT_S = 90.0
LOADS = 10
LOAD_TIMEOUT_MS = 10_000


@pytest.mark.slow
def test_make_run_serves_and_keeps_serving(make_run: AppProcess, browser: Browser) -> None:
    # `make run` came up while other tests ran (e2e/conftest.py, e2e/shared_make_run.py):
    # the part of the steady wait that they took already is not waited again.
    time.sleep(max(0.0, STEADY_WAIT_S - (time.monotonic() - make_run.ready_at)))
    assert make_run.alive(), make_run.log_tail()
    log = Path(make_run.log_path).read_text(errors="replace")
    compiles = sum("Compiling" in line for line in log.splitlines())
    assert compiles == 1, f"the backend compiled {compiles} times:\n{make_run.log_tail()}"

    # A fresh clone has no user: every page leads to the owner's set-up form, filled in as
    # a person would; the browser keeps the session it answers with.
    context = browser.new_context(base_url=make_run.frontend_url)
    try:
        page = context.new_page()
        page.goto("/workflows", timeout=LOAD_TIMEOUT_MS)
        form = page.get_by_role("form", name="Create the owner account")
        expect(form).to_be_visible(timeout=LOAD_TIMEOUT_MS)
        expect(page).to_have_url(re.compile(r"/setup$"))
        form.get_by_label("Name").fill(OWNER["name"])
        form.get_by_label("E-mail").fill(OWNER["email"])
        form.get_by_label("Password").fill(OWNER["password"])
        form.get_by_role("button", name="Create the owner account").click()
        expect(page).to_have_url(re.compile(r"/workflows$"), timeout=LOAD_TIMEOUT_MS)
        page.close()
        for path in ("/", "/workflows"):
            for attempt in range(LOADS):
                page = context.new_page()
                started = time.monotonic()
                page.goto(path, timeout=LOAD_TIMEOUT_MS)
                left_ms = LOAD_TIMEOUT_MS - (time.monotonic() - started) * 1000
                # The samples' rows come from the backend over the websocket.
                expect(page.locator("tr[data-workflow='Hello, Flowbook']")).to_be_visible(
                    timeout=max(left_ms, 1)
                )
                body = page.inner_text("body")
                assert "Cannot connect" not in body, f"{path} load {attempt + 1}: {body[:500]}"
                page.close()
    finally:
        context.close()
    log = Path(make_run.log_path).read_text(errors="replace")
    assert sum("Compiling" in line for line in log.splitlines()) == 1, make_run.log_tail()
