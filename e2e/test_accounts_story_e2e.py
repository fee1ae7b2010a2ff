"""Issue 9's story in browsers: the owner logs in, creates a workflow, invites a viewer and
shares the workflow with them; the viewer joins in a browser of their own, sees it and can
neither change nor run it (controls disabled, the API answers 403), and logs out; five wrong
passwords in a row show how many attempts are left before logging in pauses. (The owner's
set-up on a fresh app is `test_make_run`'s first step.)"""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Browser, Page, expect

from app.services.user_sessions import SESSION_COOKIE
from e2e.accounts import invite_link, join
from e2e.app_process import AppProcess
from e2e.conftest import VIEWPORT
from tests.credentials import OWNER

VIEWER = "vivian.story@example.com"
NAME = "Story: quarterly digest"


def _log_in(page: Page, email: str, password: str) -> None:
    form = page.get_by_role("form", name="Log in")
    form.get_by_label("E-mail").fill(email)
    form.get_by_label("Password").fill(password)
    form.get_by_role("button", name="Log in").click()


def test_owner_invites_a_viewer_who_looks_but_cannot_change_or_run(
    browser: Browser, app_server: AppProcess, session_token: str
) -> None:
    owner = browser.new_context(viewport=VIEWPORT, base_url=app_server.frontend_url)
    viewer = browser.new_context(viewport=VIEWPORT, base_url=app_server.frontend_url)
    try:
        page = owner.new_page()
        page.goto("/workflows")
        _log_in(page, OWNER["email"], OWNER["password"])
        expect(page).to_have_url(re.compile(r"/workflows$"))

        page.get_by_role("button", name="New workflow").first.click()
        dialog = page.get_by_role("dialog")
        dialog.locator("input[name='name']").fill(NAME)
        dialog.get_by_role("button", name="Create workflow").click()
        row = page.locator(f"tr[data-workflow='{NAME}']")
        expect(row).to_be_visible()
        link = invite_link(page, "Viewer")

        joiner = viewer.new_page()
        join(joiner, link, name="Vivian", email=VIEWER, role="viewer")
        # Nothing is shared with the viewer yet.
        expect(joiner.locator(f"tr[data-workflow='{NAME}']")).to_have_count(0)

        page.goto("/workflows")
        page.locator(f"tr[data-workflow='{NAME}']").get_by_role("link", name=NAME).click()
        expect(page.get_by_test_id("share-button")).to_be_visible()
        workflow_id = int(page.url.rstrip("/").rsplit("/", 1)[-1])
        page.get_by_test_id("share-button").click()
        share = page.get_by_test_id("share-dialog")
        share.get_by_label("E-mail address").fill(VIEWER)
        share.get_by_label("E-mail address").press("Enter")
        expect(share.locator(f"[data-share='{VIEWER}']")).to_contain_text("viewer")

        joiner.reload()
        shared = joiner.locator(f"tr[data-workflow='{NAME}']")
        expect(shared).to_contain_text("View only")
        expect(shared.get_by_role("button", name="Run")).to_be_disabled()
        shared.get_by_role("link", name=NAME).click()
        expect(joiner.get_by_test_id("view-only-badge")).to_contain_text("View only")
        expect(joiner.get_by_test_id("run-button")).to_be_disabled()
        expect(joiner.locator("[data-node-type]")).to_have_count(0)  # no palette to add from

        # The API says no as well, to the viewer's own session.
        token = next(c["value"] for c in viewer.cookies() if c["name"] == SESSION_COOKIE)
        with httpx.Client(
            base_url=app_server.backend_url, cookies={SESSION_COOKIE: token}, timeout=10.0
        ) as api:
            assert api.get(f"/api/workflows/{workflow_id}").status_code == 200
            ran = api.post(f"/api/workflows/{workflow_id}/execute", json={})
            assert ran.status_code == 403, ran.text
            renamed = api.patch(f"/api/workflows/{workflow_id}", json={"name": "Mine now"})
            assert renamed.status_code == 403, renamed.text

        # The owner's and admins' pages are not offered, and opened by address they say so.
        joiner.goto("/workflows")
        expect(joiner.locator("[data-nav='Workflows']")).to_be_visible()
        for hidden in ("Monitoring", "Settings", "Users", "Audit log"):
            expect(joiner.locator(f"[data-nav='{hidden}']")).to_have_count(0)
        joiner.goto("/monitoring")
        expect(joiner.get_by_test_id("admin-only-notice")).to_contain_text(
            "Only the owner and admins"
        )

        joiner.goto("/workflows")
        joiner.get_by_role("button", name="Log out").click()
        expect(joiner).to_have_url(re.compile(r"/login"))

        for attempt in range(1, 6):
            _log_in(joiner, VIEWER, f"not the password {attempt}")
            expect(joiner.get_by_role("alert")).to_contain_text("not right")
        expect(joiner.get_by_role("alert")).to_contain_text(
            re.compile(r"attempts? left before logging in pauses|Too many failed attempts")
        )
    finally:
        owner.close()
        viewer.close()
