"""The costs page after real runs of a workflow whose agent uses the mock provider: charts,
a date range that changes the totals, CSV exports read back, and the empty states."""

from __future__ import annotations

import csv
import io
import re
import time
from datetime import UTC, datetime, timedelta

import httpx
from playwright.sync_api import Browser, Page, expect

from e2e.app_process import AppProcess
from e2e.artifacts import save_screenshot
from e2e.conftest import logged_in_context
from e2e.test_executions_url_e2e import run_all
from e2e.test_sharing_e2e import _join
from e2e.test_workflows_e2e import create_via_api, node

RUNS = 2
SCREENS = ((1440, 900), (1024, 800))


def _agent_workflow(api: httpx.Client, name: str) -> int:
    nodes = [
        node("start", "manual_trigger"),
        node("ask", "agent", model="mock/cost-e2e", prompt="Summarise {{ input }}"),
        node("out", "output"),
    ]
    return create_via_api(api, name, nodes)


def _download(page: Page, test_id: str) -> list[list[str]]:
    with page.expect_download() as info:
        page.get_by_test_id(test_id).click()
    download = info.value
    path = download.path()
    assert path is not None
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def _screenshots(page: Page, name: str) -> None:
    for width, height in SCREENS:
        page.set_viewport_size({"width": width, "height": height})
        for theme in ("light", "dark"):
            page.emulate_media(color_scheme=theme)
            expect(page.locator("html")).to_have_class(re.compile(rf"\b{theme}\b"))
            page.wait_for_timeout(600)  # charts redraw at the new width and colours
            save_screenshot(page, f"costs_{name}_{width}_{theme}")


def test_charts_follow_the_range_and_the_csv_holds_the_calls(page: Page, api: httpx.Client) -> None:
    name = f"E2E costs {int(time.time())}"
    workflow_id = _agent_workflow(api, name)
    run_all(api, workflow_id, RUNS)

    page.goto(f"/costs?workflow={workflow_id}")
    expect(page.get_by_role("heading", name="Costs")).to_be_visible()
    totals = page.get_by_test_id("range-total")
    expect(totals).to_contain_text(f"{RUNS} calls")
    today = page.locator("[data-testid='total-card'][data-period='Today']")
    expect(today).to_contain_text(f"{RUNS} calls")
    # Daily spend, token usage, breakdown and top ten: four drawn plotly charts.
    expect(page.locator(".js-plotly-plot")).to_have_count(4)
    expect(page.locator(".js-plotly-plot .main-svg").first).to_be_visible()
    expect(page.get_by_test_id("workflow-stat-row")).to_contain_text(name)
    page.get_by_role("radio", name="Provider").click()
    expect(page.get_by_test_id("breakdown-row").first).to_contain_text("mock")

    rows = _download(page, "csv-rows")
    header, body = rows[0], rows[1:]
    assert len(body) == RUNS, rows
    record = dict(zip(header, body[0], strict=True))
    assert record["workflow_name"] == name
    assert (record["provider"], record["model"]) == ("mock", "cost-e2e")
    assert int(record["input_tokens"]) > 0
    assert re.fullmatch(r"\d+\.\d{6}", record["cost_usd"])
    by_provider = _download(page, "csv-provider")
    assert [line[1] for line in by_provider[1:]] == ["mock"], by_provider

    _screenshots(page, "data")
    page.set_viewport_size({"width": 1400, "height": 900})

    # A range that ends before the runs: the totals drop to nothing and the URL keeps it.
    yesterday = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()
    form = page.get_by_test_id("custom-range")
    page.get_by_role("radio", name="Custom").click()
    expect(form.get_by_label("From")).to_be_focused()
    form.get_by_label("From").fill(yesterday)
    form.get_by_label("To").fill(yesterday)
    form.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(rf"from={yesterday}&to={yesterday}&workflow={workflow_id}"))
    expect(totals).to_contain_text("0 calls")
    expect(page.get_by_text("No LLM calls in this range")).to_be_visible()
    expect(today).to_contain_text(f"{RUNS} calls")  # the periods ignore the range
    expect(page.get_by_role("radio", name="Custom")).to_have_attribute("aria-checked", "true")

    page.reload()
    expect(totals).to_contain_text("0 calls")
    page.get_by_role("radio", name="7 days").click()
    page.wait_for_url(re.compile(r"range=7"))
    expect(totals).to_contain_text(f"{RUNS} calls")


def test_a_workflow_without_calls_says_so(page: Page, api: httpx.Client) -> None:
    workflow_id = create_via_api(
        api, f"E2E no calls {int(time.time())}", [node("s", "manual_trigger")]
    )
    page.goto(f"/costs?workflow={workflow_id}")
    expect(page.get_by_text("No LLM calls for this workflow")).to_be_visible()
    page.get_by_role("button", name="All workflows").click()
    page.wait_for_url(re.compile(r"/costs$"))


def test_someone_without_workflows_is_told_how_to_get_data(
    browser: Browser, app_server: AppProcess, api: httpx.Client
) -> None:
    token = _join(app_server, api, f"costs.{int(time.time())}@example.com")
    context = logged_in_context(browser, app_server, token)
    try:
        page = context.new_page()
        page.goto("/costs")
        expect(page.get_by_text("No LLM costs yet")).to_be_visible()
        expect(page.get_by_role("link", name="Go to workflows")).to_have_attribute(
            "href", "/workflows"
        )
        _screenshots(page, "empty")
    finally:
        context.close()
