"""The Prices page in a real browser: the table of LiteLLM's and the default prices, an
override refused inline for a negative amount, then set, listed in force (and by the API),
and deleted after a confirmation. Screenshots at 1440 and 1024 px, light and dark."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Page, expect

from e2e.artifacts import save_screenshot

SCREENS = ((1440, 900), (1024, 768))
MODEL = "gpt-4o-mini"


def _screenshots(page: Page, name: str) -> None:
    for width, height in SCREENS:
        page.set_viewport_size({"width": width, "height": height})
        for theme in ("light", "dark"):
            page.emulate_media(color_scheme=theme)
            expect(page.locator("html")).to_have_class(re.compile(rf"\b{theme}\b"))
            page.wait_for_timeout(300)
            save_screenshot(page, f"prices_{name}_{width}_{theme}")


def test_set_an_override_and_see_it_listed(page: Page, api: httpx.Client) -> None:
    page.goto("/prices")
    expect(page.get_by_role("heading", name="Prices")).to_be_visible()
    # The defaults the map lacks are there, from the start-up load.
    page.get_by_label("Search prices").fill("claude-3-opus")
    opus = page.locator("tr[data-model='claude-3-opus']")
    expect(opus).to_contain_text("$15.00")
    expect(opus).to_contain_text("$75.00")
    expect(opus).to_contain_text("Default")
    page.get_by_label("Search prices").fill("")
    expect(page.locator("tr.fb-row").first).to_be_visible()
    _screenshots(page, "table")

    page.set_viewport_size({"width": 1440, "height": 900})
    page.get_by_role("button", name="Set a price", exact=True).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    dialog.locator("input[name='model']").fill(MODEL)
    dialog.locator("input[name='input']").fill("-1")
    dialog.locator("input[name='output']").fill("0.9")
    dialog.get_by_role("button", name="Save price").click()
    expect(dialog.get_by_role("alert")).to_have_text("Input price cannot be negative")
    _screenshots(page, "form_error")
    page.set_viewport_size({"width": 1440, "height": 900})
    dialog.locator("input[name='input']").fill("0.2")
    dialog.get_by_role("button", name="Save price").click()
    expect(dialog).to_be_hidden()
    # The table now shows that model, and the search box says so.
    expect(page.get_by_label("Search prices")).to_have_value(MODEL)

    override = page.locator(f"tr[data-model='{MODEL}'][data-source='override']")
    expect(override).to_contain_text("$0.20")
    expect(override).to_contain_text("$0.90")
    expect(override).to_contain_text("In force")
    expect(page.locator(f"tr[data-model='{MODEL}'][data-source='litellm']")).to_contain_text(
        "Superseded"
    )
    _screenshots(page, "override")
    page.set_viewport_size({"width": 1440, "height": 900})
    listed = api.get("/api/pricing", params={"search": MODEL, "source": "override"}).json()
    assert [(p["input_micros_per_mtok"], p["output_usd"]) for p in listed["items"]] == [
        (200_000, "0.90")
    ]

    override.get_by_role("button", name=f"Delete the override of openai/{MODEL}").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Delete override").click()
    expect(override).to_have_count(0)
    expect(page.locator(f"tr[data-model='{MODEL}'][data-source='litellm']")).to_contain_text(
        "In force"
    )
