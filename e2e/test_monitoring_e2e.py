"""The monitoring page in a real browser: each health check with its status, a failed run
turning up in the recent errors, and the page's layout at two widths in both themes."""

from __future__ import annotations

import re
import time

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from app.ui.pages.monitoring import SNAPSHOT_MS
from app.ui.state.monitoring_state import MOUNT_CALL_S
from e2e.app_process import AppProcess
from e2e.artifacts import save_screenshot
from e2e.conftest import logged_in_context, wait_finished

# The snapshot's checks; on a fresh app the database answers and its schema is at head.
CHECKS = ("database", "migrations", "scheduler", "disk")
ALWAYS_OK = ("database", "migrations")
STATUS_LABELS = {"ok": "OK", "warning": "Warning", "error": "Error"}


def _failing_workflow(api: httpx.Client) -> int:
    """A workflow whose HTTP node calls a closed local port, so every run fails."""
    nodes = [
        {"id": "start", "type": "manual_trigger", "name": "start", "config": {}},
        {
            "id": "fetch",
            "type": "http_request",
            "name": "fetch",
            "config": {"url": "http://127.0.0.1:9/"},
        },
    ]
    edges = [{"id": "e0", "source": "start", "target": "fetch"}]
    created = api.post(
        "/api/workflows",
        json={
            "name": "E2E monitoring broken",
            "definition": {"schema": 1, "nodes": nodes, "edges": edges},
        },
    )
    assert created.status_code == 201, created.text
    return int(created.json()["id"])


def test_each_check_shows_its_status(page: Page) -> None:
    page.goto("/monitoring")
    strip = page.get_by_test_id("monitoring-checks")
    expect(strip).to_be_visible()
    for name in CHECKS:
        check = strip.locator(f"[data-check='{name}']")
        expect(check).to_be_visible()
        status = check.get_attribute("data-status")
        assert status in STATUS_LABELS, f"{name}: {status}"
        expect(check.locator(f"[data-status='{status}']")).to_have_text(STATUS_LABELS[status])
    for name in ALWAYS_OK:
        expect(strip.locator(f"[data-check='{name}']")).to_have_attribute("data-status", "ok")
    # The header shows the worst of them.
    worst = max(
        (strip.locator(f"[data-check='{name}']").get_attribute("data-status") for name in CHECKS),
        key=["ok", "warning", "error"].index,
    )
    expect(page.get_by_test_id("monitoring-overall").locator("[data-status]")).to_have_attribute(
        "data-status", str(worst)
    )

    for card, figure in (
        ("health-database", "Query latency"),
        ("health-scheduler", "Last fire"),
        ("health-runner", "Oldest queued"),
        ("health-system", "Disk free"),
    ):
        expect(page.get_by_test_id(card)).to_contain_text(figure)
    expect(page.get_by_test_id("chart-throughput").locator(".main-svg").first).to_be_visible()
    page.get_by_role("radio", name="Last day").click()
    expect(page.get_by_role("radio", name="Last day")).to_be_checked()
    expect(page.get_by_test_id("chart-latency").locator(".main-svg").first).to_be_visible()


def test_a_failed_run_shows_in_recent_errors(page: Page, api: httpx.Client) -> None:
    page.goto("/monitoring")
    expect(page.get_by_test_id("monitoring-checks")).to_be_visible()

    started = api.post(f"/api/workflows/{_failing_workflow(api)}/execute")
    assert started.status_code == 202, started.text
    execution_id = int(started.json()["execution_id"])
    wait_finished(api, execution_id, timeout_s=20)
    assert api.get(f"/api/executions/{execution_id}").json()["status"] == "failed"

    # Without reloading the page: the Refresh button reads the snapshot again.
    page.get_by_test_id("monitoring-refresh").click()
    group = page.locator(
        f"details[data-error-group]:has(a[href='/executions/{execution_id}'])"
    ).first
    expect(group).to_be_attached()
    group.locator("summary").click()
    # A node's failure is recorded with its context (a raised exception adds its stack).
    expect(group.get_by_test_id("error-context")).to_contain_text("http_request")
    expect(group).to_contain_text(re.compile(r"once|\d+ times"))

    group.get_by_role("button", name="Show latest occurrences").click()
    expect(group.get_by_text("Latest occurrences")).to_be_visible()
    save_screenshot(page, "monitoring-error-open")

    group.get_by_role("link", name=f"Execution #{execution_id}").first.click()
    page.wait_for_url(re.compile(rf"/executions/{execution_id}$"))
    expect(page.get_by_test_id("execution-status")).to_contain_text("Failed")


def test_the_page_refreshes_itself(page: Page, api: httpx.Client) -> None:
    page.clock.install()  # the page's own timers, driven below instead of waited for
    page.goto("/monitoring")
    expect(page.get_by_test_id("monitoring-checks")).to_be_visible()
    loaded = time.monotonic()
    started = api.post(f"/api/workflows/{_failing_workflow(api)}/execute")
    assert started.status_code == 202, started.text
    execution_id = int(started.json()["execution_id"])
    wait_finished(api, execution_id, timeout_s=20)
    # The timer's call at mount is skipped; the one fast-forwarded below must not look like it.
    time.sleep(max(0.0, MOUNT_CALL_S - (time.monotonic() - loaded)))

    # No click, no reload: the snapshot is read again when its 30 s period has passed.
    group = page.locator(f"details[data-error-group]:has(a[href='/executions/{execution_id}'])")
    expect(group).to_have_count(0)
    page.clock.fast_forward(SNAPSHOT_MS + 1_000)
    expect(group).to_be_attached()


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("width", [1440, 1024])
def test_page_fits_the_window(
    browser: Browser, app_server: AppProcess, session_token: str, width: int, theme: str
) -> None:
    context = logged_in_context(
        browser,
        app_server,
        session_token,
        viewport={"width": width, "height": 900},
        color_scheme=theme,
    )
    try:
        page = context.new_page()
        page.goto("/monitoring")
        expect(page.locator("html")).to_have_class(re.compile(rf"\b{theme}\b"))
        expect(
            page.get_by_test_id("monitoring-checks").locator("[data-check]").first
        ).to_be_visible()
        expect(page.get_by_test_id("chart-throughput").locator(".main-svg").first).to_be_visible()
        page.wait_for_timeout(500)  # let the charts finish their first layout
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        save_screenshot(page, f"monitoring-{width}-{theme}")
        assert overflow <= 0, f"the page scrolls sideways by {overflow} px at {width} px"
    finally:
        context.close()
