"""`make run` exactly as the README says, in a fresh clone: it must start and keep serving.

The dev server hot-reloads the backend on file changes; anything the app writes where it
looks restarts the backend, which writes again, forever ("Cannot connect to server").
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from e2e.app_process import REPO_ROOT, AppProcess, free_port, launch
from tests.credentials import OWNER

SETUP_TIMEOUT_S = 900.0
STEADY_WAIT_S = 90.0
LOADS = 10
LOAD_TIMEOUT_MS = 10_000
# Set by the test harness or a developer's venv; a new user's shell has none of them.
HARNESS_VARIABLES = (
    "DATABASE_URL",
    "FLOWBOOK_DATA_DIR",
    "VIRTUAL_ENV",
    "PYTHONPATH",
    # `make test` runs this test: the clone's `make run` must not inherit the outer make's.
    "MAKEFLAGS",
    "MFLAGS",
    "MAKELEVEL",
)


def user_environment(frontend_port: int, backend_port: int) -> dict[str, str]:
    """A shell like a new user's: no project venv on PATH, no Reflex or test settings."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("REFLEX_") and key not in HARNESS_VARIABLES
    }
    env["PATH"] = os.pathsep.join(
        entry for entry in env.get("PATH", "").split(os.pathsep) if str(REPO_ROOT) not in entry
    )
    env["FLOWBOOK_FRONTEND_PORT"] = str(frontend_port)
    env["FLOWBOOK_BACKEND_PORT"] = str(backend_port)
    return env


@pytest.fixture(scope="module")
def make_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppProcess]:
    """`make run` in a fresh clone of HEAD, on ports of its own, until it serves."""
    work = tmp_path_factory.mktemp("make-run")
    clone = work / "flowbook"
    subprocess.run(["git", "clone", "--quiet", str(REPO_ROOT), str(clone)], check=True)
    frontend_port, backend_port = free_port(), free_port()
    try:
        app = launch(
            ["make", "run"],
            cwd=clone,
            env=user_environment(frontend_port, backend_port),
            log_path=work / "make-run.log",
            ports=(frontend_port, backend_port),
            timeout_s=SETUP_TIMEOUT_S,
        )
    except RuntimeError as exc:
        pytest.fail(f"make run did not come up: {exc}")
    try:
        yield app
    finally:
        app.stop()


@pytest.mark.slow
def test_make_run_serves_and_keeps_serving(make_run: AppProcess, browser: Browser) -> None:
    time.sleep(STEADY_WAIT_S)
    assert make_run.process.poll() is None, make_run.log_tail()
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
