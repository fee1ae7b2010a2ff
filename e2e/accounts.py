"""Account steps people take in the browser, shared by the e2e tests: invite on /users,
join through the link."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.credentials import PASSWORD


def invite_link(page: Page, role: str) -> str:
    """Invite a user with `role` ("Editor", "Viewer", ...) on /users; the link to hand over."""
    page.goto("/users")
    page.get_by_role("button", name="Invite user").click()
    dialog = page.get_by_role("dialog", name="Invite a user")
    dialog.get_by_role("radio", name=role).click()
    dialog.get_by_role("button", name="Create invitation link").click()
    field = dialog.get_by_test_id("invite-link")
    expect(field).to_have_value(re.compile(r"/join\?token="))
    link = field.input_value()
    dialog.get_by_role("button", name="Done").click()
    return link


def join(page: Page, link: str, *, name: str, email: str, role: str) -> None:
    """Open an invitation link and create the account; the page lands on /workflows."""
    page.goto(link)
    form = page.get_by_role("form", name="Join Flowbook")
    expect(form).to_contain_text(f"invited you as {role}")
    form.get_by_label("Name").fill(name)
    form.get_by_label("E-mail").fill(email)
    form.get_by_label("Password").fill(PASSWORD)
    form.get_by_role("button", name="Create my account").click()
    expect(page).to_have_url(re.compile(r"/workflows$"))
