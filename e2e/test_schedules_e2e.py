"""Schedules in a browser (in Berlin): a schedule made from a preset in the editor's panel
with its sentence and next 5 times, listed on /schedules, paused there and deleted after
the confirm."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.app_process import AppProcess
from e2e.artifacts import save_screenshot
from e2e.conftest import VIEWPORT, logged_in_context
from e2e.test_canvas_e2e import create_workflow

BROWSER_TIMEZONE = "Europe/Berlin"
NAME = "E2E Monday digest"


def _document() -> dict[str, object]:
    start = {"id": "tick", "type": "schedule_trigger", "name": "Tick", "position": {"x": 0, "y": 0}}
    out = {"id": "out", "type": "output", "name": "Out", "position": {"x": 320, "y": 0}}
    return {
        "schema": 1,
        "nodes": [start, out],
        "edges": [{"id": "e", "source": "tick", "target": "out"}],
    }


@pytest.fixture
def berlin_page(browser: Browser, app_server: AppProcess, session_token: str) -> Iterator[Page]:
    """A logged-in page whose browser says it is in Berlin."""
    context = logged_in_context(
        browser, app_server, session_token, viewport=VIEWPORT, timezone_id=BROWSER_TIMEZONE
    )
    page = context.new_page()
    yield page
    context.close()


def test_a_preset_schedule_is_previewed_listed_paused_and_deleted(
    berlin_page: Page, api: httpx.Client
) -> None:
    page = berlin_page
    workflow_id = create_workflow(api, "E2E scheduled digest", _document())
    page.goto(f"/workflows/{workflow_id}")
    expect(page.locator(".react-flow__pane")).to_be_visible(timeout=60_000)

    # The trigger node sends to the panel.
    page.locator(".react-flow__node[data-id='tick']").click()
    expect(page.get_by_test_id("node-schedules")).to_contain_text("Schedules panel")
    page.get_by_test_id("node-schedules-open").click()
    panel = page.get_by_test_id("schedule-panel")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("No schedules yet")

    page.get_by_test_id("schedule-add").click()
    expect(page.get_by_test_id("schedule-timezone")).to_have_value(BROWSER_TIMEZONE)
    page.locator("#schedule-preset").click()
    page.get_by_role("option", name="Mondays at 9:00").click()
    expect(page.get_by_test_id("schedule-cron")).to_have_value("0 9 * * 1")
    expect(page.get_by_test_id("schedule-sentence")).to_have_text(
        f"At 09:00 on Monday, {BROWSER_TIMEZONE}"
    )
    times = page.get_by_test_id("schedule-preview-time")
    expect(times).to_have_count(5)
    for index in range(5):
        expect(times.nth(index)).to_contain_text(re.compile(r"^Mon \d{4}-\d\d-\d\d 09:00 CES?T"))

    # A bad cron is refused inline, and the preset comes back.
    page.get_by_test_id("schedule-cron").fill("61 * * * *")
    expect(page.get_by_test_id("schedule-error-cron")).to_be_visible()
    page.locator("#schedule-preset").click()
    page.get_by_role("option", name="Mondays at 9:00").click()
    expect(page.get_by_test_id("schedule-error-cron")).to_have_count(0)
    page.locator("#schedule-name").fill(NAME)
    save_screenshot(page, "schedule_panel_form")
    page.get_by_test_id("schedule-save").click()
    expect(page.get_by_test_id("schedule-form")).to_have_count(0)
    expect(panel).to_contain_text(NAME)
    expect(panel).to_contain_text(f"At 09:00 on Monday, {BROWSER_TIMEZONE}")

    (schedule,) = api.get("/api/schedules", params={"workflow_id": workflow_id}).json()["items"]
    assert (schedule["cron"], schedule["timezone"]) == ("0 9 * * 1", BROWSER_TIMEZONE)
    schedule_id = schedule["id"]

    page.goto("/schedules")
    row = page.locator(f"[data-schedule='{schedule_id}']")
    expect(row).to_contain_text(NAME)
    expect(row).to_contain_text("E2E scheduled digest")
    expect(row.get_by_test_id("next-viewer")).to_contain_text(re.compile(r"Mon .* 09:00 CES?T"))
    save_screenshot(page, "schedules_page")

    page.get_by_test_id(f"pause-{schedule_id}").click()
    expect(row).to_contain_text("Paused")
    expect(page.get_by_test_id(f"resume-{schedule_id}")).to_be_visible()
    assert api.get(f"/api/schedules/{schedule_id}").json()["enabled"] is False

    # The state filter lives in the URL.
    page.get_by_role("radio", name="Paused").click()
    expect(page).to_have_url(re.compile(r"/schedules\?state=paused$"))
    expect(row).to_be_visible()
    page.get_by_role("radio", name="Active").click()
    expect(page).to_have_url(re.compile(r"/schedules\?state=active$"))
    expect(row).to_have_count(0)
    page.get_by_role("radio", name="All").click()
    expect(row).to_be_visible()

    page.get_by_test_id(f"delete-{schedule_id}").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text(f"Delete {NAME}?")
    dialog.get_by_role("button", name="Delete schedule").click()
    expect(row).to_have_count(0)
    assert api.get(f"/api/schedules/{schedule_id}").status_code == 404
