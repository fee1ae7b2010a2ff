"""Sharing in browsers: the owner shares a workflow as viewer from the editor's Share dialog;
the viewer, in a browser of their own, finds it in the list, opens it view-only (badge, Run
disabled, a dragged card goes back, saving changes nothing); the owner raises the share to
editor and after a reload the same person runs it; a third user neither sees it in the list
nor opens it by its URL."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import Browser, Page, expect

from app.services.user_sessions import SESSION_COOKIE
from e2e.app_process import AppProcess
from e2e.conftest import VIEWPORT, logged_in_context
from e2e.test_canvas_e2e import canvas_node, create_workflow, node_status, open_editor, settled_box
from tests.credentials import PASSWORD

VIEWER = "vera.share@example.com"
STRANGER = "sam.share@example.com"
NAME = "Shared digest"


def _document() -> dict[str, Any]:
    return {
        "schema": 1,
        "nodes": [
            {
                "id": "start",
                "type": "manual_trigger",
                "name": "Start",
                "position": {"x": 0, "y": 0},
            },
            {
                "id": "shout",
                "type": "transform",
                "name": "Shout",
                "position": {"x": 320, "y": 0},
                "config": {"template": "HELLO"},
            },
        ],
        "edges": [{"id": "e1", "source": "start", "target": "shout"}],
    }


def _join(app: AppProcess, api: httpx.Client, email: str) -> str:
    """An editor invited by the owner joins; returns a session token of theirs."""
    invite = api.post("/api/users/invites", json={"role": "editor"})
    assert invite.status_code == 201, invite.text
    with httpx.Client(base_url=app.backend_url, timeout=10.0) as client:
        joined = client.post(
            "/api/invites/accept",
            json={
                "token": invite.json()["token"],
                "email": email,
                "name": email.partition(".")[0].title(),
                "password": PASSWORD,
            },
        )
        assert joined.status_code == 201, joined.text
        login = client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
        assert login.status_code == 200, login.text
        return str(login.cookies[SESSION_COOKIE])


def _list_row(page: Page) -> Any:
    page.goto("/workflows")
    expect(page.get_by_role("heading", name="Workflows", exact=True)).to_be_visible()
    return page.locator(f"tr[data-workflow='{NAME}']")


def _share_dialog(page: Page) -> Any:
    page.get_by_test_id("share-button").click()
    dialog = page.get_by_test_id("share-dialog")
    expect(dialog).to_be_visible()
    return dialog


def test_a_viewer_looks_an_editor_runs_and_a_stranger_sees_nothing(
    page: Page, browser: Browser, app_server: AppProcess, api: httpx.Client
) -> None:
    viewer_token = _join(app_server, api, VIEWER)
    stranger_token = _join(app_server, api, STRANGER)
    workflow_id = create_workflow(api, NAME, _document())

    # The owner shares it as viewer from the editor; a refusal shows inside the dialog.
    open_editor(page, workflow_id)
    dialog = _share_dialog(page)
    dialog.get_by_label("E-mail address").fill("nobody@example.com")
    dialog.get_by_role("button", name="Add").click()
    expect(dialog.get_by_test_id("share-error")).to_contain_text("No active user")
    # Typing clears the refusal (the dialog shrinks): Enter submits wherever Add went.
    dialog.get_by_label("E-mail address").fill(VIEWER)
    expect(dialog.get_by_test_id("share-error")).to_have_count(0)
    dialog.get_by_label("E-mail address").press("Enter")
    expect(dialog.locator(f"[data-share='{VIEWER}']")).to_contain_text("viewer")

    viewer = logged_in_context(browser, app_server, viewer_token, viewport=VIEWPORT)
    stranger = logged_in_context(browser, app_server, stranger_token, viewport=VIEWPORT)
    try:
        other = viewer.new_page()
        row = _list_row(other)
        expect(other.locator("tr[data-workflow]")).to_have_count(1)  # only what is shared
        expect(row).to_contain_text("View only")
        expect(row.get_by_role("button", name="Run")).to_be_disabled()
        row.get_by_role("link", name=NAME).click()
        expect(other.locator(".react-flow__pane")).to_be_visible()
        expect(other.get_by_test_id("view-only-badge")).to_have_text(
            "View only — shared with you as viewer"
        )
        expect(other.get_by_test_id("run-button")).to_be_disabled()
        expect(other.get_by_test_id("share-button")).to_have_count(0)
        expect(other.locator("[data-node-type]")).to_have_count(0)  # no palette

        # A card that cannot be dragged pans the view instead: compare its place on the
        # canvas (its transform), not on the screen.
        card = canvas_node(other, "shout")
        placed = card.evaluate("el => el.style.transform")
        before = settled_box(other, card)
        other.mouse.move(before["x"] + 60, before["y"] + 20)
        other.mouse.down()
        other.mouse.move(before["x"] + 160, before["y"] + 140, steps=10)
        other.mouse.up()
        other.keyboard.press("Control+s")
        other.wait_for_timeout(500)
        assert card.evaluate("el => el.style.transform") == placed
        stored = api.get(f"/api/workflows/{workflow_id}").json()["definition"]
        assert stored["nodes"][1]["position"] == {"x": 320, "y": 0}

        # The owner raises the share to editor in the dialog still open.
        dialog.get_by_label(f"Permission of {VIEWER}").click()
        page.get_by_role("option", name="editor").click()
        expect(dialog.locator(f"[data-share='{VIEWER}']")).to_contain_text("editor")

        other.reload()
        expect(other.locator(".react-flow__pane")).to_be_visible()
        expect(other.get_by_test_id("view-only-badge")).to_have_count(0)
        other.get_by_test_id("run-button").click()
        expect(node_status(other, "shout")).to_have_attribute("data-node-status", "succeeded")

        third = stranger.new_page()
        _list_row(third)
        expect(third.get_by_text("No workflows yet")).to_be_visible()
        expect(third.locator(f"tr[data-workflow='{NAME}']")).to_have_count(0)
        third.goto(f"/workflows/{workflow_id}")
        expect(third.get_by_text("Workflow not found")).to_be_visible()
        expect(third.get_by_text("it is not shared with you")).to_be_visible()
    finally:
        viewer.close()
        stranger.close()
