"""Quick-add on the empty canvas: right-click, double-click, a connection dropped on space."""

from __future__ import annotations

import re

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from e2e.app_process import AppProcess
from e2e.conftest import logged_in_context
from e2e.test_canvas_e2e import canvas_node, create_workflow, open_editor, settled_box

START = {
    "schema": 1,
    "nodes": [
        {"id": "start", "type": "manual_trigger", "name": "Start", "position": {"x": 0, "y": 0}}
    ],
    "edges": [],
}


def pane_point(page: Page, fx: float, fy: float) -> tuple[float, float]:
    """A point of the canvas pane given as fractions of its width and height."""
    box = page.locator(".react-flow__pane").bounding_box()
    assert box is not None
    return box["x"] + box["width"] * fx, box["y"] + box["height"] * fy


def test_double_click_and_right_click_open_a_searchable_menu_at_the_pointer(
    page: Page, api: httpx.Client
) -> None:
    workflow_id = create_workflow(api, "E2E quick add", START)
    open_editor(page, workflow_id)
    expect(canvas_node(page, "start")).to_be_visible()

    x, y = pane_point(page, 0.55, 0.7)
    page.mouse.dblclick(x, y)
    menu = page.get_by_role("dialog", name="Add a node")
    expect(menu).to_be_visible()
    search = menu.get_by_role("combobox", name="Search node types")
    expect(search).to_be_focused()
    search.fill("reshape")
    expect(menu.get_by_role("option")).to_have_count(1)
    expect(menu.get_by_role("option", name="Transform")).to_have_attribute("aria-selected", "true")
    search.press("Enter")
    expect(menu).to_have_count(0)
    card = canvas_node(page, "transform_1")
    expect(card).to_be_visible()
    box = card.bounding_box()
    assert box is not None
    # The card is centred under the pointer (give or take the grid and the zoom).
    assert abs(box["x"] + box["width"] / 2 - x) < 40
    assert box["y"] < y < box["y"] + box["height"]

    # Right-click: arrow keys move the active option, Escape closes without adding anything.
    x, y = pane_point(page, 0.25, 0.75)
    page.mouse.click(x, y, button="right")
    menu = page.get_by_role("dialog", name="Add a node")
    expect(menu).to_be_visible()
    options = menu.get_by_role("option")
    expect(options.first).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    expect(options.last).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Escape")
    expect(menu).to_have_count(0)
    expect(page.locator(".react-flow__node")).to_have_count(2)

    # Right-click again and pick with the mouse.
    page.mouse.click(x, y, button="right")
    page.get_by_role("dialog", name="Add a node").get_by_role("option", name="Delay").click()
    expect(canvas_node(page, "delay_1")).to_be_visible()
    expect(page.locator(".react-flow__node")).to_have_count(3)
    expect(page.locator(".react-flow__edge")).to_have_count(0)


def test_the_menu_stays_open_while_the_canvas_moves_itself(page: Page, api: httpx.Client) -> None:
    workflow_id = create_workflow(api, "E2E quick add stays", START)
    open_editor(page, workflow_id)
    expect(canvas_node(page, "start")).to_be_visible()
    x, y = pane_point(page, 0.5, 0.75)
    page.mouse.click(x, y, button="right")
    menu = page.get_by_role("dialog", name="Add a node")
    expect(menu).to_be_visible()

    # Something beside the canvas takes room (as a panel opening does): the canvas pans
    # itself to keep the cards in place, which must not close the menu being typed in.
    start = settled_box(page, canvas_node(page, "start"))
    page.get_by_test_id("flow-canvas").evaluate("el => { el.style.paddingLeft = '80px'; }")
    page.wait_for_timeout(300)
    assert canvas_node(page, "start").bounding_box() == start
    expect(menu).to_be_visible()
    search = menu.get_by_role("combobox", name="Search node types")
    search.fill("delay")
    search.press("Enter")
    expect(canvas_node(page, "delay_1")).to_be_visible()

    # A zoom by the user does close it.
    page.mouse.click(*pane_point(page, 0.2, 0.5), button="right")
    expect(menu).to_be_visible()
    page.mouse.move(*pane_point(page, 0.85, 0.15))
    page.mouse.wheel(0, 120)
    expect(menu).to_have_count(0)


def test_a_connection_dropped_on_empty_space_adds_a_connected_node(
    page: Page, api: httpx.Client
) -> None:
    workflow_id = create_workflow(api, "E2E quick add from a handle", START)
    open_editor(page, workflow_id)
    # The canvas fits its view once it has loaded: take the handle where it comes to rest.
    box = settled_box(page, canvas_node(page, "start").locator(".react-flow__handle.source"))
    drop_x, drop_y = pane_point(page, 0.45, 0.75)
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(drop_x - 60, drop_y, steps=10)
    page.mouse.move(drop_x, drop_y, steps=4)
    page.mouse.up()

    menu = page.get_by_role("dialog", name="Add a connected node")
    expect(menu).to_be_visible()
    # A trigger takes no input, so it is not offered for a link from an output.
    expect(menu.locator("[data-quick-add-type='manual_trigger']")).to_have_count(0)
    menu.get_by_role("combobox").fill("agent")
    menu.get_by_role("combobox").press("Enter")

    card = canvas_node(page, "agent_1")
    expect(card).to_be_visible()
    expect(page.locator(".react-flow__edge")).to_have_count(1)
    target = card.locator(".react-flow__handle.target").bounding_box()
    assert target is not None
    # The new card's input handle sits where the connection was dropped.
    assert abs(target["x"] + target["width"] / 2 - drop_x) < 30
    assert abs(target["y"] + target["height"] / 2 - drop_y) < 30

    page.keyboard.press("Control+s")
    expect(page.get_by_test_id("saved-marker")).to_be_visible()
    saved = api.get(f"/api/workflows/{workflow_id}").json()["definition"]
    assert [(e["source"], e["target"]) for e in saved["edges"]] == [("start", "agent_1")]


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_menu_and_the_collapsed_palette_pass_axe(
    browser: Browser, app_server: AppProcess, session_token: str, api: httpx.Client, theme: str
) -> None:
    workflow_id = create_workflow(api, f"E2E quick add axe {theme}", START)
    context = logged_in_context(
        browser,
        app_server,
        session_token,
        viewport={"width": 1024, "height": 768},
        color_scheme=theme,
    )
    try:
        page = context.new_page()
        open_editor(page, workflow_id)
        expect(page.locator("html")).to_have_class(re.compile(rf"\b{theme}\b"))
        x, y = pane_point(page, 0.3, 0.8)
        page.mouse.click(x, y, button="right")
        expect(page.get_by_role("dialog", name="Add a node")).to_be_visible()
        page.wait_for_timeout(400)  # contrast is measured on final colors
        violations = Axe().run(page).response["violations"]
        blocking = [
            (v["id"], v["nodes"][0]["target"])
            for v in violations
            if v["impact"] in {"critical", "serious"}
        ]
        assert blocking == []
    finally:
        context.close()
