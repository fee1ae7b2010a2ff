"""Problems the editor shows while editing, on the node itself: an empty condition and a
broken template (with line and column); a schedule trigger alone is no problem, and the
palette offers every trigger."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from e2e.artifacts import save_screenshot
from e2e.test_workflows_e2e import create_via_api, node


def test_problems_show_on_their_nodes_while_editing(page: Page, api: httpx.Client) -> None:
    nodes = [
        node("start", "manual_trigger"),
        node("greet", "transform", template="Hi {{ input.name }"),
        node("check", "condition", condition=""),
    ]
    for index, item in enumerate(nodes):  # side by side, so each card can be clicked
        item["position"] = {"x": index * 320, "y": 0}
    workflow_id = create_via_api(api, "E2E problems on nodes", nodes)
    page.goto(f"/workflows/{workflow_id}")
    expect(page.locator(".react-flow__pane")).to_be_visible()

    check = page.locator("[data-node-id='check']")
    greet = page.locator("[data-node-id='greet']")
    expect(check).to_have_attribute("data-problem", "1")
    expect(check).to_have_attribute(
        "title", "condition: the condition is empty; write one, e.g. {{ input.status == 200 }}"
    )
    expect(greet).to_have_attribute("data-problem", "1")
    expect(greet).to_have_attribute(
        "title", "template: template syntax error at line 1, column 18: unexpected '}'"
    )
    problems = page.get_by_test_id("problems-list")
    expect(problems).to_contain_text("the condition is empty")
    expect(problems).to_contain_text("template syntax error at line 1, column 18")
    expect(page.locator("[data-node-id='start']")).not_to_have_attribute("data-problem", "1")
    save_screenshot(page, "editor_problems_on_nodes")

    # The inspector shows the same problem beside its field.
    greet.click()
    expect(page.get_by_test_id("field-error").first).to_have_text(
        "template syntax error at line 1, column 18: unexpected '}'"
    )
    problems.locator("[data-problem-node='check']").click()  # the card may be under the panel
    expect(page.get_by_test_id("field-error").first).to_contain_text("the condition is empty")
    save_screenshot(page, "editor_problem_in_inspector")


def test_a_schedule_trigger_alone_is_no_problem_and_every_trigger_can_be_dragged(
    page: Page, api: httpx.Client
) -> None:
    workflow_id = create_via_api(
        api, "E2E schedule only", [node("tick", "schedule_trigger"), node("out", "output")]
    )
    page.goto(f"/workflows/{workflow_id}")
    expect(page.locator(".react-flow__pane")).to_be_visible()

    tick = page.locator("[data-node-id='tick']")
    expect(tick).to_be_visible()
    expect(tick).not_to_have_attribute("data-problem", "1")
    palette = page.get_by_test_id("palette")
    for type_id in ("manual_trigger", "webhook_trigger", "schedule_trigger"):
        expect(palette.locator(f"[data-node-type='{type_id}']")).to_have_attribute(
            "draggable", "true"
        )
    expect(palette.locator("[data-unavailable-type]")).to_have_count(0)
