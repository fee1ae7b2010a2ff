"""Panels take their own room beside and below the canvas: drops land, nodes stay visible."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import Locator, Page, Route, expect

from e2e.test_canvas_e2e import canvas_node, create_workflow, open_editor

SMALL_SCREEN = {"width": 1024, "height": 768}
MIN_CANVAS_WIDTH = 600


def two_nodes() -> dict[str, Any]:
    return {
        "schema": 1,
        "nodes": [
            {"id": "start", "type": "manual_trigger", "name": "Start", "position": {"x": 0}},
            {"id": "fetch", "type": "http_request", "name": "Fetch", "position": {"x": 320}},
        ],
        "edges": [{"id": "e1", "source": "start", "target": "fetch"}],
    }


def box_of(locator: Locator) -> dict[str, float]:
    box = locator.bounding_box()
    assert box is not None
    return box


def drop_from_palette(page: Page, node_type: str, x: float, y: float) -> None:
    """Drag a palette item (its centre, so the collapsed icon rail works too) to (x, y)."""
    item = box_of(page.locator(f"[data-node-type='{node_type}']"))
    page.mouse.move(item["x"] + item["width"] / 2, item["y"] + item["height"] / 2)
    page.mouse.down()
    page.mouse.move(x - 40, y - 10, steps=6)
    page.mouse.move(x, y, steps=6)
    page.mouse.up()


def expect_inside_the_canvas(page: Page, card: Locator) -> None:
    """The whole card shows on the canvas (not cut off, not under a panel).

    The canvas pans to reveal the card once it has measured its new size, which a loaded
    machine may do late: the check is repeated for up to five seconds.
    """
    expect(card).to_be_visible()
    for _ in range(50):
        pane, box = box_of(page.locator(".react-flow__pane")), box_of(card)
        inside_x = pane["x"] <= box["x"] and box["x"] + box["width"] <= pane["x"] + pane["width"]
        inside_y = pane["y"] <= box["y"] and box["y"] + box["height"] <= pane["y"] + pane["height"]
        if inside_x and inside_y:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"the card {box} is not inside the canvas {pane}")


def test_drops_at_the_far_right_land_and_stay_in_view_with_the_inspector_open_or_opening(
    page: Page, api: httpx.Client
) -> None:
    page.set_viewport_size(SMALL_SCREEN)
    workflow_id = create_workflow(api, "E2E canvas panels drop", two_nodes())
    open_editor(page, workflow_id)
    page.locator(".react-flow__pane").click(position={"x": 40, "y": 40})
    expect(page.get_by_test_id("inspector")).to_have_count(0)

    # Inspector closed: the drop opens it, and the canvas narrows under the new node.
    pane = box_of(page.locator(".react-flow__pane"))
    drop_from_palette(page, "transform", pane["x"] + pane["width"] - 20, pane["y"] + 120)
    expect(page.get_by_test_id("inspector")).to_be_visible()
    expect_inside_the_canvas(page, canvas_node(page, "transform_1"))

    # Inspector open: the far right of what is left of the canvas still takes drops.
    pane = box_of(page.locator(".react-flow__pane"))
    drop_from_palette(page, "delay", pane["x"] + pane["width"] - 12, pane["y"] + pane["height"] / 2)
    expect_inside_the_canvas(page, canvas_node(page, "delay_1"))
    expect(page.get_by_test_id("inspector").get_by_label("Node name")).to_have_value("Delay")
    page.keyboard.press("Control+s")
    expect(page.get_by_test_id("saved-marker")).to_be_visible()
    saved = api.get(f"/api/workflows/{workflow_id}").json()["definition"]
    assert {"transform_1", "delay_1"} <= {n["id"] for n in saved["nodes"]}


def test_at_1024_px_the_canvas_keeps_its_width_and_panels_cover_no_node(
    page: Page, api: httpx.Client
) -> None:
    page.set_viewport_size(SMALL_SCREEN)
    name = "E2E canvas panels width with a long workflow name that cannot fit"
    workflow_id = create_workflow(api, name, two_nodes())
    open_editor(page, workflow_id)
    # The toolbar keeps one row: a long name is cut short, labels do not wrap.
    assert box_of(page.get_by_role("heading", name=name))["height"] < 36
    assert box_of(page.get_by_text("Auto-run", exact=True))["height"] < 24
    # The HTTP request has no URL: the problems list is there, above the canvas.
    problems = page.get_by_test_id("problems-list")
    expect(problems).to_be_visible()
    canvas_node(page, "fetch").click()
    expect(page.get_by_test_id("inspector")).to_be_visible()
    canvas = box_of(page.locator(".react-flow__pane"))
    assert canvas["width"] >= MIN_CANVAS_WIDTH, canvas
    assert box_of(problems)["y"] + box_of(problems)["height"] <= canvas["y"] + 1

    # The output drawer opens below the canvas and shrinks it, never covering it.
    page.get_by_test_id("inspector").get_by_role("button", name="Output", exact=True).click()
    drawer = page.get_by_test_id("output-panel")
    expect(drawer).to_be_visible()
    canvas = box_of(page.locator(".react-flow__pane"))
    assert canvas["y"] + canvas["height"] <= box_of(drawer)["y"] + 1
    expect_inside_the_canvas(page, canvas_node(page, "fetch"))

    # The palette collapsed to icons by itself; it expands on request and collapses again.
    palette = page.get_by_test_id("palette")
    assert box_of(palette)["width"] < 80
    palette.get_by_role("button", name="Expand the palette").click()
    expect(palette.get_by_label("Search nodes")).to_be_visible()
    assert box_of(palette)["width"] > 200
    palette.get_by_role("button", name="Collapse the palette").click()
    expect(palette.get_by_label("Search nodes")).to_be_hidden()
    assert box_of(page.locator(".react-flow__pane"))["width"] >= MIN_CANVAS_WIDTH


def test_the_canvas_area_says_it_is_loading_until_the_canvas_is_there(
    page: Page, api: httpx.Client
) -> None:
    workflow_id = create_workflow(api, "E2E canvas placeholder", two_nodes())
    held: list[Route] = []
    # The canvas's code is held back until the test lets it through.
    page.route("**/flow_canvas.jsx*", lambda route: held.append(route))
    page.goto(f"/workflows/{workflow_id}")
    expect(page.get_by_test_id("palette")).to_be_visible()  # the workflow has loaded
    placeholder = page.get_by_test_id("canvas-placeholder")
    expect(placeholder).to_be_visible()
    expect(placeholder).to_contain_text("Loading the canvas")
    assert held, "the canvas's code was not requested"
    for route in held:
        route.continue_()
    expect(canvas_node(page, "fetch")).to_be_visible()
    expect(placeholder).to_be_hidden()
