"""What a person does with agents: build a consensus panel, run it, read the votes; manage
provider keys; watch a failing provider's circuit breaker open on the monitoring page.

Every answer comes from the product's own offline mock provider (no keys are configured).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from e2e.artifacts import save_screenshot
from e2e.conftest import wait_finished

PET_QUESTION = "Which is the best pet for a small flat? Options: cat, dog, fish"
# For PET_QUESTION the mock provider has mock/agent-a and mock/agent-b pick "cat" and
# mock/agent-c pick "dog" (see tests/services/test_orchestrations.py).
PANEL = (
    ("Ann", "mock/agent-a", "cat"),
    ("Bob", "mock/agent-b", "cat"),
    ("Cy", "mock/agent-c", "dog"),
)


def agent_row(page: Page, index: int) -> Any:
    """The editor card of the agent at `index` (0-based)."""
    return page.locator(f"[data-agent-row='{index}']")


def fill_agent(page: Page, index: int, name: str, model: str) -> None:
    """Type an agent's name and model into its card."""
    row = agent_row(page, index)
    row.get_by_label("Agent name").fill(name)
    row.get_by_label("Agent model").fill(model)


def test_build_and_run_a_consensus_panel_of_three_mock_agents(page: Page) -> None:
    page.goto("/orchestrations")
    page.get_by_role("button", name="New orchestration").first.click()
    page.wait_for_url(re.compile(r"/orchestrations/new$"))
    expect(page.get_by_role("heading", name="New orchestration")).to_be_visible()
    expect(page.get_by_role("radio", name="Consensus")).to_have_attribute("aria-checked", "true")

    page.get_by_label("Orchestration name").fill("E2E pet panel")
    page.get_by_label("Orchestration description").fill("Three mock agents vote")
    for index, (name, model, _) in enumerate(PANEL):
        if index >= 2:  # the form starts with two agents
            page.get_by_role("button", name="Add agent").click()
        fill_agent(page, index, name, model)
    expect(page.locator("[data-agent-row]")).to_have_count(3)
    page.evaluate("window.scrollTo(0, 0)")  # the sticky sidebar follows the scroll position
    save_screenshot(page, "orchestration_form")
    page.get_by_role("button", name="Create orchestration").click()
    page.wait_for_url(re.compile(r"/orchestrations/\d+$"))
    expect(page.get_by_role("heading", name="E2E pet panel")).to_be_visible()
    expect(page.get_by_text("No runs yet")).to_be_visible()

    page.get_by_label("Run input").fill(PET_QUESTION)
    page.get_by_role("button", name="Run orchestration").click()
    card = page.locator("[data-run]").first
    # No reload: the page polls while the run is going.
    expect(card).to_have_attribute("data-status", "succeeded", timeout=15_000)
    for name, model, answer in PANEL:
        column = card.locator(f"[data-agent='{name}']")
        expect(column).to_contain_text(model)
        expect(column).to_contain_text(answer)
        expect(column).to_have_attribute("data-agrees", "yes" if answer == "cat" else "no")
        expect(column.get_by_test_id("mock-badge")).to_be_visible()
    expect(card.get_by_test_id("run-winner")).to_have_text("cat")
    expect(card.locator("[data-vote='cat']")).to_have_attribute("data-votes", "2")
    expect(card.locator("[data-vote='cat']")).to_have_attribute("data-winner", "true")
    expect(card.locator("[data-vote='dog']")).to_have_attribute("data-votes", "1")
    expect(card.get_by_test_id("run-disagreement")).to_contain_text("33%")
    page.reload()  # without the toasts, for the screenshots
    expect(page.get_by_test_id("run-winner")).to_have_text("cat")
    save_screenshot(page, "orchestration_run")
    page.emulate_media(color_scheme="dark")
    page.wait_for_timeout(300)
    save_screenshot(page, "orchestration_run_dark")
    page.emulate_media(color_scheme="light")

    page.get_by_role("tab", name="Configuration").click()
    expect(agent_row(page, 2).get_by_label("Agent model")).to_have_value("mock/agent-c")
    # Problems show beside their fields, all at once, and nothing is saved.
    page.get_by_label("Orchestration name").fill("")
    agent_row(page, 2).get_by_role("button", name="Remove agent").click()
    agent_row(page, 1).get_by_role("button", name="Remove agent").click()
    expect(page.locator("[data-agent-row]")).to_have_count(1)
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".fb-field-error").first).to_contain_text("name must not be empty")
    expect(page.get_by_test_id("form-errors")).to_contain_text(
        "consensus needs at least two agents"
    )
    page.reload()
    page.get_by_role("tab", name="Configuration").click()
    expect(page.locator("[data-agent-row]")).to_have_count(3)
    page.get_by_role("radio", name="Parallel").click()
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Saved “E2E pet panel”")).to_be_visible()
    page.get_by_role("tab", name="Runs").click()
    expect(page.get_by_text("3 agents · Parallel")).to_be_visible()

    page.goto("/orchestrations")
    row = page.locator("tr[data-orchestration='E2E pet panel']")
    expect(row).to_contain_text("Parallel")
    expect(row).to_contain_text("3 agents")
    expect(row).to_contain_text("Succeeded")
    save_screenshot(page, "orchestrations")

    page.goto("/executions")
    expect(page.locator("tr[data-execution]").first.get_by_test_id("mock-badge")).to_be_visible()


def test_a_provider_key_shows_only_its_last_four_characters(page: Page, api: httpx.Client) -> None:
    secret = "AIza-e2e-secret-0123456789-WXYZ"
    try:
        page.goto("/settings")
        card = page.locator("[data-provider='gemini']")
        expect(page.get_by_test_id("mock-banner")).to_be_visible()
        expect(card.get_by_test_id("key-status-gemini")).to_have_text("No key stored")

        card.get_by_label("Google Gemini API key").fill(secret)
        card.get_by_role("button", name="Save key").click()
        expect(card.get_by_test_id("key-status-gemini")).to_have_text("Key ••••WXYZ")
        expect(card.get_by_label("Google Gemini API key")).to_have_value("")
        expect(page.get_by_test_id("mock-banner")).to_have_count(0)
        assert secret[:-4] not in page.content()
        listed = api.get("/api/llm/providers").text
        assert "WXYZ" in listed and secret[:-4] not in listed
        page.reload()  # without the toast, for the screenshot
        expect(card.get_by_test_id("key-status-gemini")).to_have_text("Key ••••WXYZ")
        save_screenshot(page, "settings")

        card.get_by_role("button", name="Remove key").click()
        confirm = page.get_by_role("alertdialog")
        expect(confirm).to_contain_text("Remove the Google Gemini key?")
        confirm.get_by_role("button", name="Remove key").click()
        expect(card.get_by_test_id("key-status-gemini")).to_have_text("No key stored")
        expect(page.get_by_test_id("mock-banner")).to_be_visible()

        switch = card.get_by_role("switch", name="Google Gemini enabled")
        switch.click()
        expect(card.get_by_text("Disabled", exact=True)).to_be_visible()
        switch.click()
        expect(card.get_by_text("Disabled", exact=True)).to_have_count(0)

        groups = page.get_by_label("Group name")
        count = groups.count()
        page.get_by_role("button", name="Add group").click()
        page.get_by_label("Group models").nth(count).fill("gpt-4o, claude-sonnet")
        page.get_by_role("button", name="Save model map").click()
        expect(page.get_by_text("must be 1 to 100 characters")).to_be_visible()
        page.get_by_role("button", name="Discard").click()
        expect(groups).to_have_count(count)
    finally:
        api.put("/api/llm/providers/gemini", json={"api_key": None, "enabled": True})


@pytest.fixture
def dead_local_provider(api: httpx.Client) -> Iterator[str]:
    """An OpenAI-compatible deployment on a closed port, backed by the mock in its group."""
    deployment = f"openai_compatible/e2e-{int(time.time())}"
    before = api.get("/api/llm/model-map").json()["groups"]
    assert (
        api.put(
            "/api/llm/providers/openai_compatible", json={"api_base": "http://127.0.0.1:9/v1"}
        ).status_code
        == 200
    )
    groups = before | {"e2e-local": [deployment, "mock/e2e-backup"]}
    assert api.put("/api/llm/model-map", json={"groups": groups}).status_code == 200
    try:
        yield deployment
    finally:
        api.put("/api/llm/model-map", json={"groups": before})
        api.put("/api/llm/providers/openai_compatible", json={"api_base": None})


def run_and_wait(api: httpx.Client, orchestration_id: int) -> None:
    """Run an orchestration through the API and wait until it has finished."""
    started = api.post(f"/api/orchestrations/{orchestration_id}/run", json={"input": "hello"})
    assert started.status_code == 202, started.text
    wait_finished(api, started.json()["execution_id"], timeout_s=15)


def test_monitoring_shows_the_breaker_opening_and_the_fallbacks(
    page: Page, api: httpx.Client, dead_local_provider: str
) -> None:
    created = api.post(
        "/api/orchestrations",
        json={
            "name": "E2E local pair",
            "strategy": "parallel",
            "agents": [{"name": "Local", "model": dead_local_provider}],
        },
    )
    assert created.status_code == 201, created.text
    page.goto("/monitoring")
    expect(page.get_by_role("heading", name="LLM deployments", exact=True)).to_be_visible()
    for _ in range(6):  # five failures open the breaker, the sixth call is not even tried
        run_and_wait(api, created.json()["id"])

    # No reload: the page refreshes itself every few seconds.
    breaker = page.locator(f"tr[data-breaker='{dead_local_provider}']")
    expect(breaker).to_have_attribute("data-phase", "open", timeout=10_000)
    expect(breaker).to_contain_text("Open")
    fallbacks = page.locator("tr[data-fallback]")
    expect(fallbacks.filter(has_text="Connection error").first).to_contain_text("mock/e2e-backup")
    expect(fallbacks.filter(has_text="Circuit breaker open").first).to_be_visible()
    save_screenshot(page, "monitoring")
    api.delete(f"/api/orchestrations/{created.json()['id']}")


# For this question the three mock agents of PANEL take three different stances.
TIE_QUESTION = "Should we rewrite the billing service in Rust?"


def test_each_orchestration_keeps_its_own_question_and_a_tie_is_shown_as_one(
    page: Page, api: httpx.Client
) -> None:
    agents = [{"name": name, "model": model} for name, model, _ in PANEL]
    ids = []
    for name in ("E2E question one", "E2E question two"):
        created = api.post("/api/orchestrations", json={"name": name, "agents": agents})
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
    first, second = ids

    page.goto(f"/orchestrations/{first}")
    expect(page.get_by_role("heading", name="E2E question one")).to_be_visible()
    page.get_by_label("Run input").fill(TIE_QUESTION)
    page.get_by_label("Run input").blur()
    page.wait_for_timeout(500)  # the typed value reaches the server
    page.goto(f"/orchestrations/{second}")
    expect(page.get_by_role("heading", name="E2E question two")).to_be_visible()
    expect(page.get_by_label("Run input")).to_have_value("")
    page.goto(f"/orchestrations/{first}")
    expect(page.get_by_label("Run input")).to_have_value(TIE_QUESTION)

    page.get_by_role("button", name="Run orchestration").click()
    card = page.locator("[data-run]").first
    expect(card).to_have_attribute("data-status", "succeeded", timeout=15_000)
    expect(card).to_contain_text("Tie · answer picked by the tie rule")
    expect(card.get_by_test_id("run-tie")).to_contain_text(
        "3 answers tied with 1 vote each; tie rule: the answer given by the earliest agent"
    )
    expect(card.get_by_test_id("run-winner")).to_contain_text("[mock] Answer")
    page.reload()
    expect(page.get_by_test_id("run-tie")).to_be_visible()
    save_screenshot(page, "orchestration_tie")
    for orchestration_id in ids:
        api.delete(f"/api/orchestrations/{orchestration_id}")
