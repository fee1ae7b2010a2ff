"""Browser tests against the real app: one `reflex run` and one Chromium per session."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from app.services.user_sessions import SESSION_COOKIE
from e2e.app_process import (
    MAKE_RUN_TIMEOUT_S,
    SERVE_TIMEOUT_S,
    AppProcess,
    start_app,
    start_make_run,
    start_serve,
    wait_ready,
)
from e2e.artifacts import ARTIFACTS, save_screenshot
from e2e.shared_make_run import (
    hand_to_worker,
    selects_the_make_run_test,
    shared_make_run,
    stop_for_workers,
    wait_shared,
)
from tests.credentials import owner_api_key, set_up_owner

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT = {"width": 1400, "height": 900}
FINISHED = {"succeeded", "failed", "cancelled", "crashed"}
# The first page compiles in the dev server; later expectations are quick.
expect.set_options(timeout=20_000)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Remember each phase's outcome on the item so fixtures can react to failures."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppProcess]:
    """The app on free ports with a fresh SQLite database (the samples load on start)."""
    app = start_app(tmp_path_factory.mktemp("flowbook-e2e"))
    try:
        yield app
    finally:
        app.stop()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(app.log_path, ARTIFACTS / "reflex.log")


def in_background(app: AppProcess, timeout_s: float) -> Iterator[Future[AppProcess]]:
    """The app once it serves (or the RuntimeError saying why not), waited for in a thread;
    the app is stopped at the end."""
    with ThreadPoolExecutor(max_workers=1) as waiter:
        try:
            yield waiter.submit(wait_ready, app, timeout_s)
        finally:
            app.stop()


@pytest.fixture(scope="session")
def make_run_started(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Future[AppProcess]]:
    """`make run` in a fresh clone of HEAD, coming up in the background (the xdist
    controller's, when it started one for the workers)."""
    shared = shared_make_run(request.config)
    if shared is not None:
        with ThreadPoolExecutor(max_workers=1) as waiter:
            yield waiter.submit(wait_shared, shared, MAKE_RUN_TIMEOUT_S)
        return
    app = start_make_run(tmp_path_factory.mktemp("make-run"))
    yield from in_background(app, MAKE_RUN_TIMEOUT_S)


@pytest.fixture(scope="session")
def served_started(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Future[AppProcess]]:
    """`flowbook serve` on a scratch database and build folder, coming up in the background."""
    app = start_serve(tmp_path_factory.mktemp("serve"))
    yield from in_background(app, SERVE_TIMEOUT_S)


# The apps that take minutes to come up, and their starters.
SLOW_STARTS = {"make_run": "make_run_started", "served": "served_started"}


def on_xdist_worker(config: pytest.Config) -> bool:
    """Whether this session is one of several pytest-xdist workers (`make test`: `-n 2`)."""
    return hasattr(config, "workerinput")


def pytest_configure_node(node: Any) -> None:
    """xdist controller, per worker: `make run` comes up once, from the start, for all."""
    if selects_the_make_run_test(node.config):
        hand_to_worker(node.config, node.workerinput)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop the controller's `make run` (if it started one) once every worker is done."""
    stop_for_workers(config)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With several workers, the tests of the slow apps a worker starts itself go first:
    `--dist worksteal` hands the first worker the front of the queue, so it takes them and
    waits minutes for their apps while the other worker runs the rest, stealing from the
    back of its queue. The test of the controller's `make run` goes last, when that app has
    long come up and served (whichever worker takes it)."""
    if not on_xdist_worker(config):
        return
    shared = shared_make_run(config) is not None
    own = set(SLOW_STARTS) - ({"make_run"} if shared else set())
    items.sort(
        key=lambda item: (
            shared and "make_run" in item.fixturenames,
            not own & set(item.fixturenames),
        )
    )


@pytest.fixture(scope="session", autouse=True)
def slow_starts_first(request: pytest.FixtureRequest) -> None:
    """In one session, start the slow apps its tests use before the first test: their
    minutes of set-up and build (and `make run`'s of steady serving) pass during the other
    tests. A worker of several starts them only when a test needs them: every worker sees
    every test, and two `make run`s would only slow both."""
    if on_xdist_worker(request.config):
        return
    used = {name for item in request.session.items for name in item.fixturenames}
    for app, starter in SLOW_STARTS.items():
        if app in used:
            request.getfixturevalue(starter)


@pytest.fixture
def make_run(make_run_started: Future[AppProcess]) -> AppProcess:
    """`make run`'s app, once it serves."""
    try:
        return make_run_started.result()
    except RuntimeError as exc:
        pytest.fail(f"make run did not come up: {exc}")


@pytest.fixture
def served(served_started: Future[AppProcess]) -> AppProcess:
    """`flowbook serve`'s app, once it serves."""
    return served_started.result()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Chromium from the system (Playwright cannot download browsers here)."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(
    browser: Browser, app_server: AppProcess, session_token: str, request: pytest.FixtureRequest
) -> Iterator[Page]:
    """A fresh, logged-in browser context per test; a screenshot is saved when it fails."""
    context = logged_in_context(browser, app_server, session_token, viewport=VIEWPORT)
    page = context.new_page()
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        save_screenshot(page, f"FAILED-{request.node.name}")
    context.close()


def logged_in_context(
    browser: Browser, app: AppProcess, token: str, **options: Any
) -> BrowserContext:
    """A browser context on the app carrying the owner's session cookie."""
    context = browser.new_context(base_url=app.frontend_url, **options)
    host = httpx.URL(app.frontend_url).host
    context.add_cookies(
        [{"name": SESSION_COOKIE, "value": token, "domain": host, "path": "/", "httpOnly": True}]
    )
    return context


@pytest.fixture(scope="session")
def session_token(app_server: AppProcess) -> str:
    """The owner's session (the owner is created on first use)."""
    return set_up_owner(app_server.backend_url)


@pytest.fixture(scope="session")
def api_key(app_server: AppProcess, session_token: str) -> str:
    """An API key of the owner with every scope."""
    return owner_api_key(app_server.backend_url, session_token)


@pytest.fixture
def api(app_server: AppProcess, api_key: str) -> Iterator[httpx.Client]:
    """An HTTP client on the app's REST API as its owner (for setting up data quickly)."""
    headers = {"Authorization": f"Bearer {api_key}"}
    with httpx.Client(base_url=app_server.backend_url, timeout=10.0, headers=headers) as client:
        yield client


def wait_finished(api: httpx.Client, execution_id: int, *, timeout_s: float) -> None:
    """Poll an execution through the API until it has finished, for up to `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while api.get(f"/api/executions/{execution_id}").json()["status"] not in FINISHED:
        assert time.monotonic() < deadline, "the run did not finish"
        time.sleep(0.1)
