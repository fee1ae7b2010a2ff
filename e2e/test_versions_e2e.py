"""Versions in a browser: three edits committed from the history panel; v1 and v3 compared
(the canvas colours each card by its diff status, the field list names what changed);
v1 restored and the canvas back as it was; a version tagged `production` and the tag run."""

from __future__ import annotations

import copy
import time
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from e2e.test_canvas_e2e import canvas_node, create_workflow


def _node(node_id: str, template: str, x: int) -> dict[str, Any]:
    return {
        "id": node_id,
        "type": "transform",
        "name": node_id.title(),
        "position": {"x": x, "y": 0},
        "config": {"template": template},
    }


def _v1() -> dict[str, Any]:
    start = {"id": "start", "type": "manual_trigger", "name": "Start", "position": {"x": 0, "y": 0}}
    return {
        "schema": 1,
        "nodes": [start, _node("shout", "HELLO", 320), _node("old", "OLD", 640)],
        "edges": [
            {"id": "e1", "source": "start", "target": "shout"},
            {"id": "e2", "source": "shout", "target": "old"},
        ],
    }


def _v2() -> dict[str, Any]:
    document = _v1()
    document["nodes"][1]["config"]["template"] = "HELLO AGAIN"
    return document


def _v3() -> dict[str, Any]:
    document = copy.deepcopy(_v2())
    document["nodes"] = [*document["nodes"][:2], _node("extra", "EXTRA", 640)]
    document["edges"] = [document["edges"][0], {"id": "e3", "source": "shout", "target": "extra"}]
    return document


def _commit(page: Page, message: str) -> None:
    page.get_by_test_id("commit-message").fill(message)
    page.get_by_test_id("commit-button").click()
    expect(page.get_by_test_id("history-panel")).to_contain_text(message)


def _edit(api: httpx.Client, workflow_id: int, document: dict[str, Any]) -> None:
    response = api.patch(f"/api/workflows/{workflow_id}", json={"definition": document})
    assert response.status_code == 200, response.text


def test_commit_compare_restore_tag_and_run_a_tag(page: Page, api: httpx.Client) -> None:
    workflow_id = create_workflow(api, "Versioned digest", _v1())
    page.goto(f"/workflows/{workflow_id}")
    expect(page.locator(".react-flow__pane")).to_be_visible(timeout=60_000)
    page.get_by_test_id("history-button").click()
    panel = page.get_by_test_id("history-panel")
    expect(panel).to_be_visible()
    _commit(page, "first cut")
    _edit(api, workflow_id, _v2())
    _commit(page, "louder")
    _edit(api, workflow_id, _v3())
    _commit(page, "extra step")
    expect(page.get_by_test_id("version-3")).to_contain_text("commit")

    page.get_by_test_id("compare-1").click()
    expect(page.get_by_test_id("compare-summary")).to_have_text(
        "1 node changed, 1 added, 1 removed, 1 edge added, 1 removed"
    )
    expect(page.locator("[data-node-id='extra']")).to_have_attribute("data-diff", "added")
    expect(page.locator("[data-node-id='old']")).to_have_attribute("data-diff", "removed")
    expect(page.locator("[data-node-id='shout']")).to_have_attribute("data-diff", "modified")
    expect(page.locator("[data-node-id='shout']")).to_have_attribute(
        "title", "Changed: config.template"
    )
    expect(page.locator("[data-node-id='start']")).to_have_attribute("data-diff", "unchanged")
    fields = page.get_by_test_id("diff-field")
    expect(fields.filter(has_text="config.template")).to_contain_text("HELLO AGAIN")

    page.get_by_test_id("restore-1").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("1 node changed, 1 added, 1 removed")
    dialog.get_by_role("button", name="Restore").click()
    expect(canvas_node(page, "old")).to_be_visible()
    expect(canvas_node(page, "extra")).to_have_count(0)
    expect(page.locator("[data-node-id='shout']")).not_to_have_attribute("data-diff", "modified")
    stored = api.get(f"/api/workflows/{workflow_id}").json()["definition"]
    assert [n["id"] for n in stored["nodes"]] == ["start", "shout", "old"]
    expect(page.get_by_test_id("version-4")).to_contain_text("restore")

    page.get_by_test_id("tag-2").click()
    page.get_by_test_id("tag-input").fill("production")
    page.get_by_test_id("tag-save").click()
    expect(page.get_by_test_id("version-2").get_by_test_id("version-tag")).to_have_text(
        "production"
    )
    page.get_by_test_id("run-tag-production").click()
    deadline = time.monotonic() + 10
    while True:
        runs = api.get("/api/executions", params={"workflow_id": workflow_id}).json()["items"]
        if runs or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert [(run["version_number"], run["trigger"]) for run in runs] == [(2, "version")]

    page.get_by_test_id("ab-open").click()
    page.get_by_test_id("ab-a").fill("v1")
    page.get_by_test_id("ab-b").fill("v3")
    page.get_by_test_id("ab-input").fill('{"topic": "versions"}')
    page.get_by_test_id("ab-run").click()
    rows = page.get_by_test_id("ab-row")
    expect(page.get_by_test_id("ab-totals")).to_contain_text("succeeded", timeout=20_000)
    expect(rows.filter(has_text="HELLO AGAIN")).to_have_attribute("data-differs", "1")
    expect(rows.filter(has_text="Start")).to_have_attribute("data-differs", "0")
    expect(rows.filter(has_text="Extra")).to_contain_text("not in this version")
