"""Budgets in the browser: set an enforced budget below this month's spend on the costs
page (a bad limit is refused under its field first), see the banners on the costs page and
the canvas, and the next run refused with the reason; then delete the budget."""

from __future__ import annotations

import re
import sqlite3
import time
import uuid
from datetime import UTC, datetime

import httpx
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Locator, Page, expect

from e2e.app_process import AppProcess
from e2e.artifacts import ARTIFACTS
from e2e.test_accessibility_e2e import BLOCKING_IMPACTS, describe
from e2e.test_executions_url_e2e import run_all
from e2e.test_workflows_e2e import create_via_api, node

SCREENS = ((1440, 900), (1024, 800))
SPENT_MICROS = 3_000_000  # $3.00 spent this month


def _record_spend(app: AppProcess, workflow_id: int) -> None:
    """This month's spend of the workflow, as the ledger's writer leaves it in the daily
    rollup (runs with the mock provider cost nothing, so the spend is recorded here)."""
    database = app.log_path.parent / "e2e.db"
    with sqlite3.connect(database) as connection:
        connection.execute(
            "INSERT INTO llm_cost_daily (day, dims, workflow_id, provider, model, is_mock,"
            " calls, input_tokens, output_tokens, cached_tokens, cost_micros)"
            " VALUES (?, ?, ?, 'openai', 'gpt-4o', 0, 3, 90000, 30000, 0, ?)",
            (datetime.now(UTC).date().isoformat(), uuid.uuid4().hex, workflow_id, SPENT_MICROS),
        )


def _screenshots(page: Page, name: str, *, shown: Locator | None = None) -> None:
    for width, height in SCREENS:
        page.set_viewport_size({"width": width, "height": height})
        if shown is not None:
            shown.scroll_into_view_if_needed()
        for theme in ("light", "dark"):
            page.emulate_media(color_scheme=theme)
            expect(page.locator("html")).to_have_class(re.compile(rf"\b{theme}\b"))
            page.wait_for_timeout(400)
            # The viewport, not the full page: a full-page shot cuts open dialogs.
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"budgets_{name}_{width}_{theme}.png"))
    page.set_viewport_size({"width": 1400, "height": 900})
    page.emulate_media(color_scheme="light")


def _accessible(page: Page) -> None:
    """No critical or serious axe-core violation on the page as it is, light and dark."""
    page.mouse.move(0, 0)  # no button left hovered (its hover colour is not its colour)
    for theme in ("light", "dark"):
        page.emulate_media(color_scheme=theme)
        expect(page.locator("html")).to_have_class(re.compile(rf"\b{theme}\b"))
        page.wait_for_timeout(400)  # colours transition to the theme
        violations = Axe().run(page).response["violations"]
        blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
        assert blocking == [], describe(blocking)
    page.emulate_media(color_scheme="light")


def _executions(api: httpx.Client, workflow_id: int) -> int:
    listed = api.get("/api/executions", params={"workflow_id": workflow_id})
    assert listed.status_code == 200, listed.text
    return int(listed.json()["total"])


def test_an_enforced_budget_below_the_spend_refuses_the_next_run(
    page: Page, api: httpx.Client, app_server: AppProcess
) -> None:
    name = f"E2E budget {int(time.time())}"
    workflow_id = create_via_api(
        api,
        name,
        [
            node("start", "manual_trigger"),
            node("ask", "agent", model="mock/budget-e2e", prompt="Summarise {{ input }}"),
            node("out", "output"),
        ],
    )
    run_all(api, workflow_id, 1)
    _record_spend(app_server, workflow_id)
    runs_before = _executions(api, workflow_id)

    page.goto("/costs")
    section = page.get_by_test_id("budgets-section")
    expect(section.get_by_role("heading", name="Budgets")).to_be_visible()
    section.get_by_role("button", name="Set budget").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name="Set a budget")).to_be_visible()
    dialog.locator("#budget-target").click()
    page.get_by_role("option", name=name).click()
    limit = dialog.get_by_label("Monthly limit (USD)")
    limit.fill("two dollars")
    dialog.get_by_role("switch").click()
    dialog.get_by_role("button", name="Save budget").click()
    expect(dialog.get_by_role("alert")).to_have_text("Enter an amount in dollars, e.g. 25 or 12.50")
    _screenshots(page, "dialog")
    _accessible(page)
    limit.fill("2")
    expect(dialog.get_by_role("alert")).to_have_count(0)
    dialog.get_by_role("button", name="Save budget").click()
    expect(dialog).to_have_count(0)

    row = section.get_by_test_id("budget-row").filter(has_text=name)
    expect(row).to_contain_text("Used up")
    expect(row).to_contain_text("Enforced")
    expect(row).to_contain_text("$3.00 spent of $2.00 this month")
    banner = page.get_by_test_id("budget-banner").filter(has_text=name)
    expect(banner).to_have_attribute("data-level", "exceeded")
    expect(banner).to_contain_text("Enforced: runs of this workflow are refused")
    _screenshots(page, "costs")
    _screenshots(page, "section", shown=row)
    _accessible(page)

    page.goto(f"/workflows/{workflow_id}")
    expect(page.locator(".react-flow__node")).to_have_count(3)
    canvas_banner = page.get_by_test_id("budget-banner")
    expect(canvas_banner).to_contain_text(f"The monthly budget of “{name}” is used up")
    expect(page.get_by_test_id("budget-estimate")).to_contain_text("$0.00 left of $2.00")
    page.get_by_role("button", name="Run", exact=True).click()
    refused = page.get_by_text(
        f"Run refused: the monthly budget of “{name}” is used up ($3.00 spent of its $2.00 "
        "limit this month, enforced)."
    )
    expect(refused).to_be_visible()
    assert _executions(api, workflow_id) == runs_before
    _screenshots(page, "canvas")
    _accessible(page)

    # Deleted (after a confirmation), the budget no longer holds runs back.
    page.goto("/costs")
    row = page.get_by_test_id("budget-row").filter(has_text=name)
    row.get_by_role("button", name=f"Delete the budget of {name}").click()
    confirm = page.get_by_role("alertdialog")
    expect(confirm).to_contain_text(f"The budget of {name} is removed")
    confirm.get_by_role("button", name="Delete budget").click()
    expect(row).to_have_count(0)
    started = api.post(f"/api/workflows/{workflow_id}/execute")
    assert started.status_code == 202, started.text
