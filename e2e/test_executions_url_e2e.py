"""The executions list keeps its filters and page in the URL: reload and back show the same
list, and the workflow filter is named after its workflow."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlsplit

import httpx
from playwright.sync_api import Page, expect

from e2e.artifacts import save_screenshot
from e2e.conftest import wait_finished
from e2e.test_workflows_e2e import create_via_api, node

RUNS = 23  # a page holds 20


def query(page: Page) -> dict[str, list[str]]:
    """The current URL's query parameters."""
    return parse_qs(urlsplit(page.url).query)


def run_all(api: httpx.Client, workflow_id: int, count: int) -> None:
    """Start `count` executions of a workflow and wait until every one has finished."""
    started = []
    for _ in range(count):
        response = api.post(f"/api/workflows/{workflow_id}/execute")
        assert response.status_code == 202, response.text
        started.append(response.json()["execution_id"])
    deadline = time.monotonic() + 60
    for execution_id in started:
        wait_finished(api, execution_id, timeout_s=deadline - time.monotonic())


def test_filters_and_page_live_in_the_url(page: Page, api: httpx.Client) -> None:
    name = f"E2E URL filters {int(time.time())}"
    nodes = [node("start", "manual_trigger"), node("out", "output")]
    workflow_id = create_via_api(api, name, nodes)
    run_all(api, workflow_id, RUNS)
    rows = page.locator("tr[data-execution]")

    page.goto(f"/executions?workflow={workflow_id}")
    expect(page.get_by_test_id("workflow-filter")).to_have_text(name)
    expect(rows).to_have_count(20)

    page.get_by_role("radio", name="Succeeded").click()
    page.wait_for_url(re.compile(r"status=succeeded"))
    # The page has applied the filter (its load ran), so the next page keeps it: clicking
    # on before that built the page-2 URL from the old filter on a busy CI machine.
    expect(page.get_by_role("radio", name="Succeeded")).to_have_attribute("aria-checked", "true")
    assert query(page) == {"status": ["succeeded"], "workflow": [str(workflow_id)]}
    page.get_by_role("button", name="Next page").click()
    page.wait_for_url(re.compile(r"page=2"))
    expect(rows).to_have_count(RUNS - 20)
    expect(page.get_by_text(f"21\u2013{RUNS} of {RUNS}")).to_be_visible()

    page.reload()
    expect(rows).to_have_count(RUNS - 20)
    expect(page.get_by_role("radio", name="Succeeded")).to_have_attribute("aria-checked", "true")
    expect(page.get_by_test_id("workflow-filter")).to_have_text(name)
    page.wait_for_timeout(400)  # the status control's sliding indicator settles
    save_screenshot(page, "executions_url_filters")

    page.go_back()
    page.wait_for_url(lambda url: "page=" not in url)
    assert query(page) == {"status": ["succeeded"], "workflow": [str(workflow_id)]}
    expect(rows).to_have_count(20)
    expect(page.get_by_text(f"1\u201320 of {RUNS}")).to_be_visible()
    page.go_back()
    page.wait_for_url(lambda url: "status=" not in url)
    expect(page.get_by_role("radio", name="All")).to_have_attribute("aria-checked", "true")

    page.get_by_test_id("workflow-filter").locator("svg").last.click()
    page.wait_for_url(re.compile(r"/executions$"))
    expect(page.get_by_test_id("workflow-filter")).to_have_count(0)


def test_the_workflow_chip_is_named_even_without_runs(page: Page, api: httpx.Client) -> None:
    name = f"E2E never run {int(time.time())}"
    workflow_id = create_via_api(api, name, [node("start", "manual_trigger")])
    page.goto(f"/executions?workflow={workflow_id}")
    expect(page.get_by_test_id("workflow-filter")).to_have_text(name)
    expect(page.get_by_text("No executions match")).to_be_visible()
