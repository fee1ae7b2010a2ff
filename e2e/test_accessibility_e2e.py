"""axe-core on every page, light and dark: no critical and no serious violation."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from e2e.app_process import AppProcess
from e2e.artifacts import save_screenshot
from e2e.conftest import VIEWPORT, logged_in_context, wait_finished

BLOCKING_IMPACTS = {"critical", "serious"}
THEMES = ("light", "dark")


@dataclass(frozen=True)
class Fixtures:
    """Ids of the records the detail pages show."""

    workflow_id: int
    node_id: str
    execution_id: int
    orchestration_id: int
    schedule_id: int


@pytest.fixture(scope="module")
def records(app_server: AppProcess, api_key: str) -> Iterator[Fixtures]:
    """A sample workflow with an execution and a schedule, and an orchestration with a run."""
    headers = {"Authorization": f"Bearer {api_key}"}
    with httpx.Client(base_url=app_server.backend_url, timeout=10.0, headers=headers) as api:
        listed = api.get("/api/workflows", params={"search": "Hello, Flowbook"}).json()
        workflow = listed["items"][0]
        node_id = api.get(f"/api/workflows/{workflow['id']}").json()["definition"]["nodes"][0]
        started = api.post(f"/api/workflows/{workflow['id']}/execute", json={"input": {}})
        assert started.status_code == 202, started.text
        execution_id = int(started.json()["execution_id"])
        wait_finished(api, execution_id, timeout_s=20)
        created = api.post(
            "/api/orchestrations",
            json={
                "name": "A11y panel",
                "strategy": "consensus",
                "agents": [
                    {"name": "Ann", "model": "mock/agent-a"},
                    {"name": "Bob", "model": "mock/agent-b"},
                ],
            },
        )
        assert created.status_code == 201, created.text
        orchestration_id = int(created.json()["id"])
        run = api.post(f"/api/orchestrations/{orchestration_id}/run", json={"input": "hi"})
        assert run.status_code == 202, run.text
        wait_finished(api, int(run.json()["execution_id"]), timeout_s=20)
        schedule = api.post(
            f"/api/workflows/{workflow['id']}/schedules",
            json={"name": "A11y digest", "cron": "0 9 * * 1", "timezone": "Europe/Berlin"},
        )
        assert schedule.status_code == 201, schedule.text
        schedule_id = int(schedule.json()["id"])
        yield Fixtures(
            int(workflow["id"]), str(node_id["id"]), execution_id, orchestration_id, schedule_id
        )
        api.delete(f"/api/orchestrations/{orchestration_id}")
        api.delete(f"/api/schedules/{schedule_id}")


def _heading(page: Page, name: str) -> None:
    expect(page.get_by_role("heading", name=name).first).to_be_visible()


def _new_workflow_dialog(page: Page, records: Fixtures) -> None:
    _heading(page, "Workflows")
    page.get_by_role("button", name="New workflow").first.click()
    expect(page.get_by_role("dialog")).to_be_visible()


def _editor_with_inspector(page: Page, records: Fixtures) -> None:
    expect(page.locator(".react-flow__pane")).to_be_visible()
    page.locator(f".react-flow__node[data-id='{records.node_id}']").click()
    expect(page.get_by_test_id("inspector")).to_be_visible()


def _editor_with_schedule_form(page: Page, records: Fixtures) -> None:
    expect(page.locator(".react-flow__pane")).to_be_visible()
    page.get_by_test_id("schedules-button").click()
    expect(page.get_by_test_id(f"schedule-{records.schedule_id}")).to_be_visible()
    page.get_by_test_id("schedule-add").click()
    expect(page.get_by_test_id("schedule-preview-time")).to_have_count(5)


def _monitoring_with_checks(page: Page, records: Fixtures) -> None:
    expect(page.get_by_test_id("monitoring-checks").locator("[data-check]").first).to_be_visible()
    expect(page.get_by_test_id("chart-throughput").locator(".main-svg").first).to_be_visible()
    groups = page.locator("details[data-error-group] > summary")
    if groups.count():  # an error group opened: its stack trace and context are scanned too
        groups.first.click()


def _costs_loaded(page: Page, records: Fixtures) -> None:
    # The orchestration's mock agents billed calls: the dashboard and its charts show.
    expect(page.get_by_test_id("total-card").first).to_be_visible()
    expect(page.locator(".js-plotly-plot .main-svg").first).to_be_visible()


def _prices_form(page: Page, records: Fixtures) -> None:
    expect(page.locator("tr[data-source]").first).to_be_visible()
    page.get_by_role("button", name="Set a price", exact=True).click()
    expect(page.get_by_role("dialog")).to_be_visible()


@dataclass(frozen=True)
class Screen:
    """A page to scan: how to reach it and when it is ready."""

    name: str
    path: Callable[[Fixtures], str]
    ready: Callable[[Page, Fixtures], None]


SCREENS = (
    Screen("home", lambda r: "/", lambda p, r: _heading(p, "Workflows")),
    Screen("workflows", lambda r: "/workflows", lambda p, r: _heading(p, "Workflows")),
    Screen("new-workflow-dialog", lambda r: "/workflows", _new_workflow_dialog),
    Screen("editor", lambda r: f"/workflows/{r.workflow_id}", _editor_with_inspector),
    Screen("executions", lambda r: "/executions", lambda p, r: _heading(p, "Executions")),
    Screen(
        "execution",
        lambda r: f"/executions/{r.execution_id}",
        lambda p, r: expect(p.locator("details.fb-run").first).to_be_visible(),
    ),
    Screen(
        "orchestrations", lambda r: "/orchestrations", lambda p, r: _heading(p, "Orchestrations")
    ),
    Screen(
        "orchestration-form",
        lambda r: "/orchestrations/new",
        lambda p, r: _heading(p, "New orchestration"),
    ),
    Screen(
        "orchestration",
        lambda r: f"/orchestrations/{r.orchestration_id}",
        lambda p, r: expect(p.locator("[data-run]").first).to_be_visible(),
    ),
    Screen("monitoring", lambda r: "/monitoring", _monitoring_with_checks),
    Screen("settings", lambda r: "/settings", lambda p, r: _heading(p, "Settings")),
    Screen("editor-schedules", lambda r: f"/workflows/{r.workflow_id}", _editor_with_schedule_form),
    Screen(
        "schedules",
        lambda r: "/schedules",
        lambda p, r: expect(p.get_by_test_id("schedule-row").first).to_be_visible(),
    ),
    Screen("costs", lambda r: "/costs", _costs_loaded),
    Screen(
        "prices",
        lambda r: "/prices",
        lambda p, r: expect(p.locator("tr[data-source]").first).to_be_visible(),
    ),
    Screen("prices-form", lambda r: "/prices", _prices_form),
    Screen("account", lambda r: "/account", lambda p, r: _heading(p, "Account")),
    Screen("users", lambda r: "/users", lambda p, r: _heading(p, "Users")),
    Screen("audit", lambda r: "/audit", lambda p, r: _heading(p, "Audit log")),
    Screen("webhooks", lambda r: "/webhooks", lambda p, r: _heading(p, "Webhooks")),
)


def describe(violations: list[dict[str, Any]]) -> str:
    """One line per violation and up to three of its elements, for the failure message."""
    lines = []
    for violation in violations:
        lines.append(f"{violation['impact']} {violation['id']}: {violation['help']}")
        for node in violation["nodes"][:3]:
            lines.append(f"    {', '.join(map(str, node['target']))}: {node['failureSummary']}")
    return "\n".join(lines)


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("screen", SCREENS, ids=lambda screen: screen.name)
def test_no_critical_or_serious_violation(
    browser: Browser,
    app_server: AppProcess,
    session_token: str,
    records: Fixtures,
    screen: Screen,
    theme: str,
) -> None:
    context = logged_in_context(
        browser, app_server, session_token, viewport=VIEWPORT, color_scheme=theme
    )
    try:
        page = context.new_page()
        page.goto(screen.path(records))
        expect(page.locator("html")).to_have_class(re.compile(rf"\b{theme}\b"))
        screen.ready(page, records)
        page.wait_for_timeout(500)  # let transitions end: contrast is measured on final colors
        results = Axe().run(page)
        blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING_IMPACTS]
        if blocking:
            save_screenshot(page, f"FAILED-axe-{screen.name}-{theme}")
        assert blocking == [], describe(blocking)
    finally:
        context.close()
