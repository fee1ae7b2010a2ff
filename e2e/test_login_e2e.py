"""The web app asks who you are: pages send a browser without a session to the login page,
which gets it in and back where it was going; logging out ends it."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from e2e.app_process import AppProcess
from e2e.conftest import VIEWPORT
from tests.credentials import OWNER


def test_a_browser_without_a_session_logs_in_and_out(
    browser: Browser, app_server: AppProcess, session_token: str
) -> None:
    context = browser.new_context(viewport=VIEWPORT, base_url=app_server.frontend_url)
    try:
        page = context.new_page()
        page.goto("/executions")
        expect(page).to_have_url(re.compile(r"/login\?next=(%2F|/)executions$"))
        form = page.get_by_role("form", name="Log in")
        form.get_by_label("E-mail").fill(OWNER["email"])
        form.get_by_label("Password").fill("not the password")
        form.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("alert")).to_contain_text("not right")

        form.get_by_label("Password").fill(OWNER["password"])
        form.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(re.compile(r"/executions$"))
        expect(page.get_by_test_id("signed-in-user")).to_contain_text(OWNER["email"])
        cookies = {c["name"]: c for c in context.cookies()}
        assert cookies["flowbook_session"]["httpOnly"] is True
        assert page.evaluate("document.cookie").find("flowbook_session") == -1

        page.get_by_role("button", name="Log out").click()
        expect(page).to_have_url(re.compile(r"/login"))
        page.goto("/workflows")
        expect(page).to_have_url(re.compile(r"/login\?next=(%2F|/)workflows$"))
        # The set-up page is gone once the owner exists.
        page.goto("/setup")
        expect(page).to_have_url(re.compile(r"/login"))
    finally:
        context.close()
