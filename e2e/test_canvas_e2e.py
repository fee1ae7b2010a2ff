"""The canvas with real mouse events: build, connect, edit, save, run, re-run what is stale."""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.sync_api import FloatRect, Locator, Page, expect

from e2e.app_process import REPO_ROOT
from e2e.artifacts import save_screenshot

SAMPLE_SCREENSHOT = REPO_ROOT / "artifacts" / "canvas_sample_after_run.png"
SETTLED = ("succeeded", "cached", "skipped", "failed")


def create_workflow(api: httpx.Client, name: str, document: dict[str, Any] | None = None) -> int:
    """A workflow made through the API (an empty one by default)."""
    definition = document or {"schema": 1, "nodes": [], "edges": []}
    response = api.post("/api/workflows", json={"name": name, "definition": definition})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def canvas_node(page: Page, node_id: str) -> Locator:
    """The card of a node on the canvas."""
    return page.locator(f".react-flow__node[data-id='{node_id}']")


def node_status(page: Page, node_id: str) -> Locator:
    """The element carrying a card's status (`data-node-status`)."""
    return page.locator(f"[data-node-id='{node_id}']")


def open_editor(page: Page, workflow_id: int) -> None:
    """Open a workflow's canvas and wait until React Flow is ready."""
    page.goto(f"/workflows/{workflow_id}")
    expect(page.locator(".react-flow__pane")).to_be_visible()


def drag_from_palette(page: Page, node_type: str, x: float, y: float) -> None:
    """Drag a palette item onto the canvas with the mouse, dropping it at (x, y)."""
    box = page.locator(f"[data-node-type='{node_type}']").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 40, box["y"] + 15)
    page.mouse.down()
    page.mouse.move(x - 40, y - 10, steps=6)
    page.mouse.move(x, y, steps=6)
    page.mouse.up()


def settled_box(page: Page, locator: Locator) -> FloatRect:
    """The element's box once it shows and stops moving (the canvas may still be fitting the view).

    React Flow hides a card until it has measured it, and ignores a press on the handles
    of a card it has not measured yet.
    """
    expect(locator).to_be_visible()
    last = None
    for _ in range(50):
        box = locator.bounding_box()
        if box is not None and box == last:
            return box
        last = box
        page.wait_for_timeout(100)
    assert last is not None, "the element has no box"
    return last


def connect(page: Page, source: str, target: str, source_handle: str = "out") -> None:
    """Drag from a node's output handle to another node's input handle."""
    start = canvas_node(page, source).locator(
        f".react-flow__handle.source[data-handleid='{source_handle}']"
    )
    end = canvas_node(page, target).locator(".react-flow__handle.target")
    a, b = settled_box(page, start), settled_box(page, end)
    page.mouse.move(a["x"] + a["width"] / 2, a["y"] + a["height"] / 2)
    page.mouse.down()
    page.mouse.move(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2, steps=12)
    page.mouse.up()


def set_field(page: Page, name: str, value: str) -> None:
    """Type into an inspector field and leave it (the value is committed on blur)."""
    field = page.get_by_test_id("inspector").locator(f"[name='{name}']")
    field.fill(value)
    field.press("Tab")


def click_empty_canvas(page: Page) -> None:
    """Click the canvas background (clears the selection, focus leaves the inspector)."""
    box = page.locator(".react-flow__pane").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 30, box["y"] + box["height"] - 30)


def test_build_save_reload_run_edit_and_undo(page: Page, api: httpx.Client) -> None:
    workflow_id = create_workflow(api, "E2E canvas chain")
    open_editor(page, workflow_id)

    drag_from_palette(page, "manual_trigger", 420, 330)
    expect(canvas_node(page, "manual_1")).to_be_visible()
    drag_from_palette(page, "transform", 720, 330)
    expect(canvas_node(page, "transform_1")).to_be_visible()
    connect(page, "manual_1", "transform_1")
    expect(page.locator(".react-flow__edge")).to_have_count(1)

    # The dropped transform is selected: its inspector is open.
    inspector = page.get_by_test_id("inspector")
    expect(inspector.get_by_label("Node name")).to_have_value("Transform")
    inspector.get_by_label("Node name").fill("Shout")
    inspector.get_by_label("Node name").press("Tab")
    set_field(page, "template", '{{ "A" * 3 }}')
    # Clicking a palette item adds it after the selected node, connected to it.
    page.locator("[data-node-type='transform']").click()
    expect(canvas_node(page, "transform_2")).to_be_visible()
    expect(page.locator(".react-flow__edge")).to_have_count(2)
    # From the keyboard too: Enter on a focused palette entry adds it the same way.
    page.locator("[data-node-type='delay']").focus()
    page.keyboard.press("Enter")
    expect(canvas_node(page, "delay_1")).to_be_visible()
    expect(page.locator(".react-flow__edge")).to_have_count(3)
    page.keyboard.press("Control+z")
    expect(canvas_node(page, "delay_1")).to_have_count(0)
    canvas_node(page, "transform_2").click()
    set_field(page, "template", "{{ input }}!")
    expect(page.get_by_test_id("unsaved-marker")).to_be_visible()
    page.keyboard.press("Control+s")
    expect(page.get_by_test_id("saved-marker")).to_be_visible()

    page.reload()
    expect(page.locator(".react-flow__node")).to_have_count(3)
    expect(page.locator(".react-flow__edge")).to_have_count(2)
    expect(canvas_node(page, "transform_1")).to_contain_text("Shout")
    saved = api.get(f"/api/workflows/{workflow_id}").json()["definition"]
    assert {(e["source"], e["target"]) for e in saved["edges"]} == {
        ("manual_1", "transform_1"),
        ("transform_1", "transform_2"),
    }
    assert saved["nodes"][1]["config"]["template"] == '{{ "A" * 3 }}'

    page.get_by_role("button", name="Run", exact=True).click()
    expect(node_status(page, "transform_2")).to_have_attribute("data-node-status", "succeeded")
    expect(canvas_node(page, "transform_1").locator("[data-preview]")).to_have_text("AAA")
    expect(canvas_node(page, "transform_2").locator("[data-preview]")).to_have_text("AAA!")

    # Edit A: A and B are stale at once, before anything runs.
    canvas_node(page, "transform_1").click()
    set_field(page, "template", '{{ "B" * 3 }}')
    expect(node_status(page, "transform_1")).to_have_attribute("data-node-status", "stale")
    expect(node_status(page, "transform_2")).to_have_attribute("data-node-status", "stale")
    expect(node_status(page, "manual_1")).to_have_attribute("data-node-status", "succeeded")

    page.get_by_role("button", name="Run stale").click()
    expect(canvas_node(page, "transform_2").locator("[data-preview]")).to_have_text("BBB!")
    expect(canvas_node(page, "transform_1").locator("[data-preview]")).to_have_text("BBB")
    expect(node_status(page, "transform_2")).to_have_attribute("data-node-status", "succeeded")
    latest = api.get("/api/executions", params={"workflow_id": workflow_id}).json()["items"][0]
    detail = api.get(f"/api/executions/{latest['id']}").json()
    assert {r["node_id"] for r in detail["node_runs"]} == {"transform_1", "transform_2"}

    # Undo brings back A's template; the canvas shows A (and B) stale again.
    click_empty_canvas(page)
    page.keyboard.press("Control+z")
    expect(node_status(page, "transform_1")).to_have_attribute("data-node-status", "stale")
    canvas_node(page, "transform_1").click()
    expect(page.get_by_test_id("inspector").locator("[name='template']")).to_have_value(
        '{{ "A" * 3 }}'
    )
    page.keyboard.press("Control+Shift+z")
    expect(page.get_by_test_id("inspector").locator("[name='template']")).to_have_value(
        '{{ "B" * 3 }}'
    )


def test_invalid_config_copy_paste_and_delete(page: Page, api: httpx.Client) -> None:
    document = {
        "schema": 1,
        "nodes": [
            {"id": "start", "type": "manual_trigger", "name": "Start"},
            {"id": "fetch", "type": "http_request", "name": "Fetch", "position": {"x": 320}},
        ],
        "edges": [{"id": "e1", "source": "start", "target": "fetch"}],
    }
    workflow_id = create_workflow(api, "E2E canvas problems", document)
    open_editor(page, workflow_id)

    problems = page.get_by_test_id("problems-list")
    expect(problems).to_contain_text("url")
    expect(node_status(page, "fetch")).to_have_attribute("data-problem", "1")
    canvas_node(page, "fetch").click()
    expect(page.get_by_test_id("field-error")).to_contain_text("Field required")

    set_field(page, "timeout_s", "soon")
    expect(page.locator("[data-field='timeout_s'] [data-testid='field-error']")).to_contain_text(
        "valid number"
    )
    set_field(page, "timeout_s", "10")
    set_field(page, "url", "https://example.com/api")
    expect(page.get_by_test_id("field-error")).to_have_count(0)
    expect(problems).to_have_count(0)

    # Copy/paste and delete with the keyboard (focus on the canvas).
    canvas_node(page, "fetch").click()
    page.keyboard.press("Control+c")
    page.keyboard.press("Control+v")
    expect(page.locator(".react-flow__node")).to_have_count(3)
    pasted = canvas_node(page, "http_request_1")
    expect(pasted).to_contain_text("Fetch 2")
    expect(pasted).to_have_class(re.compile(r"\bselected\b"))
    pasted.click()
    page.keyboard.press("Delete")
    expect(page.locator(".react-flow__node")).to_have_count(2)


def test_sample_after_a_run_screenshot(page: Page, api: httpx.Client) -> None:
    items = api.get("/api/workflows", params={"search": "Order triage"}).json()["items"]
    page.set_viewport_size({"width": 1920, "height": 1080})
    open_editor(page, int(items[0]["id"]))
    page.get_by_role("button", name="Auto-layout").click()
    page.get_by_role("button", name="Run", exact=True).click()
    expect(page.get_by_role("button", name="Run", exact=True)).to_be_visible()
    for card in page.locator("[data-node-id]").all():
        expect(card).not_to_have_attribute("data-node-status", "queued")
        expect(card).not_to_have_attribute("data-node-status", "running")
    expect(page.locator("[data-node-status='succeeded']").first).to_be_visible()
    page.wait_for_timeout(400)  # let the fit-view animation end
    SAMPLE_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SAMPLE_SCREENSHOT))
    save_screenshot(page, "canvas_sample_after_run")
