"""What a person does in the app: manage workflows, run one, read its execution."""

from __future__ import annotations

import itertools
import re
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from e2e.artifacts import save_screenshot

SAMPLES = ("Hello, Flowbook", "Order triage", "Parallel enrichment")


def workflow_row(page: Page, name: str) -> Any:
    """The table row of a workflow, by its exact name."""
    return page.locator(f"tr[data-workflow='{name}']")


def find_workflow(page: Page, name: str) -> Any:
    """Open the workflows page, search for a workflow and return its row."""
    page.goto("/workflows")
    page.get_by_role("textbox", name="Search workflows").fill(name)
    expect(page.locator("tr[data-workflow]").first).to_be_visible()
    return workflow_row(page, name)


def open_row_menu(page: Page, name: str) -> None:
    """Open the "⋯" actions menu of a workflow's row."""
    workflow_row(page, name).get_by_role("button", name="More actions").click()


def create_via_api(api: httpx.Client, name: str, nodes: list[dict[str, Any]]) -> int:
    """Create a linear workflow (each node feeds the next) and return its id."""
    edges = [
        {"id": f"e{i}", "source": a["id"], "target": b["id"]}
        for i, (a, b) in enumerate(itertools.pairwise(nodes))
    ]
    response = api.post(
        "/api/workflows",
        json={"name": name, "definition": {"schema": 1, "nodes": nodes, "edges": edges}},
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def node(node_id: str, node_type: str, **config: Any) -> dict[str, Any]:
    """A node of a workflow document."""
    return {"id": node_id, "type": node_type, "name": node_id.title(), "config": config}


def test_home_lists_the_samples(page: Page) -> None:
    page.goto("/")
    expect(page.locator("tr[data-workflow]").first).to_be_visible()
    # Other tests add workflows before this one, so the samples may be past the first page.
    for name in SAMPLES:
        page.get_by_role("textbox", name="Search workflows").fill(name)
        expect(workflow_row(page, name)).to_be_visible()
    page.get_by_role("textbox", name="Search workflows").fill("")
    expect(page.get_by_role("link", name="Executions")).to_be_visible()
    save_screenshot(page, "workflows")


def test_create_rename_duplicate_delete_and_search(page: Page) -> None:
    page.goto("/workflows")
    expect(page.locator("tr[data-workflow]").first).to_be_visible()

    page.get_by_role("button", name="New workflow").first.click()
    dialog = page.get_by_role("dialog")
    dialog.locator("input[name='name']").fill("E2E report")
    dialog.locator("textarea[name='description']").fill("Made by the browser test")
    dialog.get_by_role("button", name="Create workflow").click()
    expect(workflow_row(page, "E2E report")).to_be_visible()
    expect(page.get_by_text("Created “E2E report”")).to_be_visible()

    open_row_menu(page, "E2E report")
    page.get_by_role("menuitem", name="Rename").click()
    name_input = page.get_by_role("dialog").locator("input[name='name']")
    expect(name_input).to_have_value("E2E report")
    name_input.fill("E2E weekly report")
    page.get_by_role("dialog").get_by_role("button", name="Save").click()
    expect(workflow_row(page, "E2E weekly report")).to_be_visible()
    expect(workflow_row(page, "E2E report")).to_have_count(0)

    open_row_menu(page, "E2E weekly report")
    page.get_by_role("menuitem", name="Duplicate").click()
    expect(workflow_row(page, "E2E weekly report (copy)")).to_be_visible()

    open_row_menu(page, "E2E weekly report (copy)")
    page.get_by_role("menuitem", name="Delete").click()
    confirm = page.get_by_role("alertdialog")
    expect(confirm).to_contain_text("E2E weekly report (copy)")
    page.wait_for_timeout(300)  # let the dialog finish fading in for the screenshot
    save_screenshot(page, "delete_confirmation")
    confirm.get_by_role("button", name="Delete").click()
    expect(workflow_row(page, "E2E weekly report (copy)")).to_have_count(0)
    expect(workflow_row(page, "E2E weekly report")).to_be_visible()
    page.get_by_role("button", name="Undo").click()
    expect(workflow_row(page, "E2E weekly report (copy)")).to_be_visible()

    page.get_by_role("textbox", name="Search workflows").fill("(copy)")
    expect(page.locator("tr[data-workflow]")).to_have_count(1)
    expect(workflow_row(page, "E2E weekly report (copy)")).to_be_visible()
    page.get_by_role("textbox", name="Search workflows").fill("no such workflow")
    expect(page.get_by_text("No matching workflows")).to_be_visible()


def test_pagination(page: Page, api: httpx.Client) -> None:
    ids = [
        create_via_api(api, f"Bulk {number:02d}", [node("start", "manual_trigger")])
        for number in range(21)
    ]
    try:
        find_workflow(page, "Bulk")
        expect(page.get_by_text("1\u201320 of 21")).to_be_visible()
        expect(page.locator("tr[data-workflow]")).to_have_count(20)
        page.get_by_role("button", name="Next page").click()
        expect(page.get_by_text("21\u201321 of 21")).to_be_visible()
        expect(page.locator("tr[data-workflow]")).to_have_count(1)
        page.get_by_role("button", name="Previous page").click()
        expect(page.locator("tr[data-workflow]")).to_have_count(20)
    finally:
        for workflow_id in ids:
            api.delete(f"/api/workflows/{workflow_id}")


def test_run_a_sample_and_read_its_node_outputs(page: Page) -> None:
    find_workflow(page, "Hello, Flowbook").get_by_role("button", name="Run").click()
    page.wait_for_url(re.compile(r"/executions/\d+$"))

    expect(page.get_by_test_id("execution-status")).to_contain_text("Succeeded")
    greet = page.locator("details[data-node='greet']")
    expect(greet).to_have_attribute("data-status", "succeeded")
    expect(greet).to_contain_text("Hello, Flowbook! This run started at")
    expect(page.locator("details[data-node]")).to_have_count(3)
    expect(page.locator("details[data-status='succeeded']")).to_have_count(3)
    expect(page.get_by_text("Timeline")).to_be_visible()
    save_screenshot(page, "execution_detail")


def test_run_with_input_from_the_canvas(page: Page) -> None:
    find_workflow(page, "Hello, Flowbook").get_by_role("link", name="Hello, Flowbook").click()
    expect(page.get_by_role("heading", name="Hello, Flowbook")).to_be_visible()
    greet = page.locator(".react-flow__node[data-id='greet']")
    expect(greet).to_be_visible()
    page.get_by_role("button", name="Test input").click()
    page.get_by_label("Test input").fill('{"name": "Grace"}')
    save_screenshot(page, "workflow_page")
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Run", exact=True).click()
    expect(greet.locator("[data-preview]")).to_contain_text("Hello, Grace!")


def test_executions_refresh_live_and_filter_by_status(page: Page, api: httpx.Client) -> None:
    slow = create_via_api(
        api, "E2E slow", [node("start", "manual_trigger"), node("wait", "delay", seconds=3)]
    )
    broken = create_via_api(
        api,
        "E2E broken",
        [node("start", "manual_trigger"), node("fetch", "http_request", url="http://127.0.0.1:9/")],
    )
    assert api.post(f"/api/workflows/{broken}/execute").status_code == 202
    started = api.post(f"/api/workflows/{slow}/execute")
    assert started.status_code == 202, started.text
    slow_run = started.json()["execution_id"]

    page.goto("/executions")
    slow_row = page.locator(f"tr[data-execution='{slow_run}']")
    expect(slow_row).to_have_attribute("data-status", re.compile("queued|running"))
    # No reload: the page polls while something runs.
    expect(slow_row).to_have_attribute("data-status", "succeeded", timeout=15_000)

    page.get_by_role("radio", name="Failed").click()
    rows = page.locator("tr[data-execution]")
    expect(rows.first).to_have_attribute("data-status", "failed")
    expect(page.locator("tr[data-execution]:not([data-status='failed'])")).to_have_count(0)
    page.wait_for_timeout(400)  # let the filter's sliding indicator settle for the screenshot
    save_screenshot(page, "executions_failed")

    page.get_by_role("radio", name="Succeeded").click()
    expect(page.locator(f"tr[data-execution='{slow_run}']")).to_be_visible()
    expect(page.locator("tr[data-status='failed']")).to_have_count(0)

    page.locator("tr[data-status='succeeded']").first.click()
    page.wait_for_url(re.compile(r"/executions/\d+$"))
    expect(page.get_by_test_id("execution-status")).to_contain_text("Succeeded")


def test_cancel_a_running_execution(page: Page, api: httpx.Client) -> None:
    workflow_id = create_via_api(
        api, "E2E long wait", [node("start", "manual_trigger"), node("wait", "delay", seconds=60)]
    )
    started = api.post(f"/api/workflows/{workflow_id}/execute")
    assert started.status_code == 202, started.text
    page.goto(f"/executions/{started.json()['execution_id']}")
    expect(page.get_by_test_id("execution-status")).to_contain_text("Running")
    expect(page.get_by_text("have not finished yet")).to_be_visible()
    # The delay node's row is written when it starts: its card says so while it waits.
    expect(page.locator("details[data-node='wait']")).to_have_attribute("data-status", "running")
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_test_id("execution-status")).to_contain_text("Cancelled")
    expect(page.get_by_role("button", name="Run again")).to_be_visible()
