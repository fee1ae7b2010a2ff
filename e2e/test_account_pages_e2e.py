"""The account pages in a browser: an API key shown once and revoked on /account; an editor
invited on /users joins through the link in a second browser, and is deactivated."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Browser, Page, expect

from e2e.accounts import invite_link, join
from e2e.app_process import AppProcess
from e2e.conftest import VIEWPORT, logged_in_context

EDITOR = "eddie@example.com"


def _create_key(page: Page, name: str) -> str:
    page.get_by_role("button", name="New API key").click()
    dialog = page.get_by_role("dialog", name="New API key")
    dialog.get_by_label("Name").fill(name)
    dialog.get_by_role("button", name="Create key").click()
    shown = page.get_by_role("dialog", name="Your new API key")
    expect(shown).to_contain_text("only time it is shown")
    field = shown.get_by_test_id("new-api-key")
    expect(field).to_have_value(re.compile(r"^fbk_[0-9a-f]{12}_"))
    secret = field.input_value()
    shown.get_by_role("button", name="Done").click()
    expect(shown).to_be_hidden()
    return secret


def test_an_api_key_is_shown_once_and_revoked(page: Page, app_server: AppProcess) -> None:
    page.goto("/account")
    expect(page.get_by_role("heading", name="Account")).to_be_visible()
    secret = _create_key(page, "e2e script")
    prefix = secret.split("_")[1]
    me = httpx.get(
        f"{app_server.backend_url}/api/me", headers={"Authorization": f"Bearer {secret}"}
    )
    assert me.status_code == 200

    page.reload()
    row = page.locator(f"tr[data-key='{prefix}']")
    expect(row).to_contain_text(f"fbk_{prefix}_…")
    expect(row).to_contain_text("Active")
    assert secret not in page.content()

    row.get_by_role("button", name="Revoke").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Revoke").click()
    expect(row).to_contain_text("Revoked")
    refused = httpx.get(
        f"{app_server.backend_url}/api/me", headers={"Authorization": f"Bearer {secret}"}
    )
    assert refused.status_code == 401


def test_an_invited_editor_joins_and_is_deactivated(
    browser: Browser, app_server: AppProcess, session_token: str
) -> None:
    owner = logged_in_context(browser, app_server, session_token, viewport=VIEWPORT)
    newcomer = browser.new_context(viewport=VIEWPORT, base_url=app_server.frontend_url)
    try:
        admin = owner.new_page()
        link = invite_link(admin, "Editor")
        assert link.startswith(app_server.frontend_url)

        joiner = newcomer.new_page()
        join(joiner, link, name="Eddie", email=EDITOR, role="editor")
        expect(joiner.get_by_test_id("signed-in-user")).to_contain_text(EDITOR)
        # An editor has no Users or Audit link.
        expect(joiner.locator("[data-nav='Account']")).to_be_visible()
        expect(joiner.locator("[data-nav='Users']")).to_have_count(0)

        # The link works once.
        used = newcomer.new_page()
        used.goto(link)
        expect(used.get_by_role("alert")).to_contain_text("cannot be used")
        used.close()

        admin.reload()
        row = admin.locator(f"tr[data-user='{EDITOR}']")
        expect(row).to_contain_text("Editor", ignore_case=True)
        row.get_by_role("button", name="Deactivate").click()
        admin.get_by_role("alertdialog").get_by_role("button", name="Deactivate").click()
        expect(row).to_contain_text("Deactivated")

        # The deactivation reaches the open page with its next event.
        joiner.get_by_label("Search workflows").fill("anything")
        expect(joiner).to_have_url(re.compile(r"/login"))
    finally:
        owner.close()
        newcomer.close()
