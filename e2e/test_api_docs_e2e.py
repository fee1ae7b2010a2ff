"""The API docs (Swagger UI and ReDoc) work on a machine without internet."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Route, expect

from e2e.app_process import AppProcess
from e2e.artifacts import save_screenshot

LOCAL_HOSTS = {"localhost", "127.0.0.1"}


@pytest.fixture
def offline_page(page: Page, app_server: AppProcess) -> Iterator[tuple[Page, list[str]]]:
    """The page with every request to another host aborted; yields it and what was blocked.

    Blocked requests are listed as "<resource type> <url>".
    """
    blocked: list[str] = []

    def only_local(route: Route) -> None:
        if urlsplit(route.request.url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            blocked.append(f"{route.request.resource_type} {route.request.url}")
            route.abort()

    page.route("**/*", only_local)
    yield page, blocked


def test_swagger_ui_lists_the_operations_offline(
    offline_page: tuple[Page, list[str]], app_server: AppProcess
) -> None:
    page, blocked = offline_page
    page.goto(f"{app_server.backend_url}/api/docs")
    operation = page.locator(".opblock-get").filter(
        has=page.locator(".opblock-summary-path[data-path='/api/workflows']")
    )
    expect(operation).to_be_visible()
    expect(operation).to_contain_text("List workflows")
    expect(page.locator(".opblock-post[id*='execute']").first).to_be_visible()
    save_screenshot(page, "api-docs-offline")
    assert blocked == []


def test_redoc_renders_the_operations_offline(
    offline_page: tuple[Page, list[str]], app_server: AppProcess
) -> None:
    page, blocked = offline_page
    page.goto(f"{app_server.backend_url}/api/redoc")
    expect(page.get_by_role("heading", name="List workflows")).to_be_visible()
    expect(page.get_by_role("heading", name="Create a workflow")).to_be_visible()
    save_screenshot(page, "api-redoc-offline")
    # ReDoc's footer shows Redocly's logo from their CDN: decorative, nothing else may be.
    assert [request for request in blocked if not request.startswith("image ")] == []
