"""The editor during a long run, and the defects a new user hit: test input per workflow,
work lost silently on leaving, a cycle refused without a word."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from e2e.test_canvas_e2e import (
    canvas_node,
    click_empty_canvas,
    connect,
    create_workflow,
    open_editor,
)

LONG_RUN_TIMEOUT_MS = 240_000
# Rendering 1,000 cards keeps a headless browser busy; the page must answer, not race.
REACTION_TIMEOUT_MS = 60_000
COLUMNS = 40
# A few delays keep the run going long enough to act on the page while it runs: about 65 s
# in all. The actions took 5 s on a quiet machine but outlasted a 35 s run under make test.
PAUSE_EVERY = 100
PAUSE_S = 6.0


def long_chain(length: int) -> dict[str, Any]:
    """A manual trigger and `length - 1` transforms (a delay every 100) in a row, on a grid."""
    nodes: list[dict[str, Any]] = [
        {"id": "n0", "type": "manual_trigger", "name": "Start", "position": {"x": 0, "y": 0}}
    ]
    for i in range(1, length):
        pause = i % PAUSE_EVERY == PAUSE_EVERY // 2
        nodes.append(
            {
                "id": f"n{i}",
                "type": "delay" if pause else "transform",
                "name": f"Step {i}",
                "config": {"seconds": PAUSE_S} if pause else {"template": "{{ input }}."},
                "position": {"x": (i % COLUMNS) * 300, "y": (i // COLUMNS) * 200},
            }
        )
    edges = [{"id": f"e{i}", "source": f"n{i - 1}", "target": f"n{i}"} for i in range(1, length)]
    return {"schema": 1, "nodes": nodes, "edges": edges}


def set_test_input(page: Page, api: httpx.Client, workflow_id: int, text: str) -> None:
    """Type a test input and leave the field; wait until the workflow has stored it."""
    page.get_by_role("button", name="Test input").click()
    field = page.get_by_label("Test input", exact=True)
    field.fill(text)
    field.blur()  # leaving the field stores it with the workflow
    deadline = time.monotonic() + 20
    while api.get(f"/api/workflows/{workflow_id}").json()["test_input"] != json.loads(text):
        assert time.monotonic() < deadline, "the test input was not stored"
        time.sleep(0.2)


def test_each_workflow_keeps_its_own_test_input(page: Page, api: httpx.Client) -> None:
    first = create_workflow(api, "E2E input first")
    second = create_workflow(api, "E2E input second")
    open_editor(page, first)
    set_test_input(page, api, first, '{"who": "first"}')
    open_editor(page, second)
    page.get_by_role("button", name="Test input").click()
    expect(page.get_by_label("Test input", exact=True)).to_have_value("")
    page.keyboard.press("Escape")
    set_test_input(page, api, second, '{"who": "second"}')

    open_editor(page, first)
    page.get_by_role("button", name="Test input").click()
    expect(page.get_by_label("Test input", exact=True)).to_have_value(re.compile('"first"'))
    page.reload()
    page.get_by_role("button", name="Test input").click()
    expect(page.get_by_label("Test input", exact=True)).to_have_value(re.compile('"first"'))


def test_leaving_with_unsaved_work_asks(page: Page, api: httpx.Client) -> None:
    document = {
        "schema": 1,
        "nodes": [
            {"id": "start", "type": "manual_trigger", "name": "Start"},
            {"id": "step", "type": "transform", "name": "Step", "position": {"x": 320}},
        ],
        "edges": [{"id": "e1", "source": "start", "target": "step"}],
    }
    workflow_id = create_workflow(api, "E2E leave", document)
    open_editor(page, workflow_id)
    canvas_node(page, "step").click()
    name = page.get_by_test_id("inspector").get_by_label("Node name")
    name.fill("x" * 20_000)
    name.press("Tab")
    expect(page.locator("[data-setting='name']")).to_contain_text("At most 200 characters")

    page.get_by_label("All workflows").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("Leave without saving?")
    dialog.get_by_role("button", name="Cancel").click()
    expect(page).to_have_url(re.compile(f"/workflows/{workflow_id}$"))

    with page.expect_event("dialog") as unload:
        page.close(run_before_unload=True)
    assert unload.value.type == "beforeunload"
    unload.value.dismiss()  # stay on the page
    assert api.get(f"/api/workflows/{workflow_id}").json()["definition"]["nodes"][1]["name"] == (
        "Step"
    )


def test_a_connection_closing_a_cycle_says_why(page: Page, api: httpx.Client) -> None:
    document = {
        "schema": 1,
        "nodes": [
            {"id": "start", "type": "manual_trigger", "name": "Start"},
            {"id": "a", "type": "transform", "name": "Alpha", "position": {"x": 320}},
            {"id": "b", "type": "transform", "name": "Beta", "position": {"x": 640}},
        ],
        "edges": [
            {"id": "e1", "source": "start", "target": "a"},
            {"id": "e2", "source": "a", "target": "b"},
        ],
    }
    workflow_id = create_workflow(api, "E2E cycle", document)
    open_editor(page, workflow_id)
    click_empty_canvas(page)
    connect(page, "b", "a")
    note = page.get_by_test_id("connection-refused")
    expect(note).to_contain_text("Alpha already leads to Beta")
    expect(note).to_contain_text("cycle")
    expect(page.locator(".react-flow__edge")).to_have_count(2)


def test_the_editor_answers_while_a_1000_node_run_goes_on(page: Page, api: httpx.Client) -> None:
    workflow_id = create_workflow(api, "E2E 1000-node chain", long_chain(1000))
    page.goto(f"/workflows/{workflow_id}")
    expect(page.locator(".react-flow__node").first).to_be_visible(timeout=LONG_RUN_TIMEOUT_MS)

    page.get_by_role("button", name="Run", exact=True).click()
    cancel = page.get_by_role("button", name=re.compile("Running"))
    expect(cancel).to_be_visible(timeout=REACTION_TIMEOUT_MS)
    # Cards say running as their node starts (pushed run events, not inferred).
    running = page.locator("[data-node-status='running']").first
    expect(running).to_be_attached(timeout=REACTION_TIMEOUT_MS)

    # While the run goes on, the UI answers: auto-run toggles, a card opens its inspector.
    auto_run = page.get_by_role("switch", name="Auto-run")
    auto_run.click()
    expect(auto_run).to_have_attribute("aria-checked", "true", timeout=REACTION_TIMEOUT_MS)
    expect(cancel).to_be_visible()  # it answered during the run
    auto_run.click()
    expect(auto_run).to_have_attribute("aria-checked", "false", timeout=REACTION_TIMEOUT_MS)
    page.locator(".react-flow__node").first.click()
    expect(page.get_by_test_id("inspector")).to_be_visible(timeout=REACTION_TIMEOUT_MS)
    expect(cancel).to_be_visible()  # all of that happened during the run

    expect(page.get_by_role("button", name="Run", exact=True)).to_be_visible(
        timeout=LONG_RUN_TIMEOUT_MS
    )
    expect(page.locator("[data-node-status='succeeded']").first).to_be_attached()
    expect(page.locator("[data-node-status='running']")).to_have_count(0)
    latest = api.get("/api/executions", params={"workflow_id": workflow_id}).json()["items"][0]
    assert latest["status"] == "succeeded"
