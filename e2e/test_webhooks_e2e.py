"""Webhooks in a browser: a webhook created in the editor's panel shows its secret once
(its URL also on the webhook trigger node); a request signed with it by the reference
`standardwebhooks` package starts a run; the call appears in the panel's log, and its
execution link opens the run it started."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import httpx
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from standardwebhooks.webhooks import Webhook as ReferenceSigner

from e2e.conftest import wait_finished
from e2e.test_accessibility_e2e import BLOCKING_IMPACTS, describe
from e2e.test_canvas_e2e import create_workflow, open_editor


def _document() -> dict[str, object]:
    start = {
        "id": "hook",
        "type": "webhook_trigger",
        "name": "Orders",
        "position": {"x": 0, "y": 0},
    }
    echo = {
        "id": "echo",
        "type": "transform",
        "name": "Echo",
        "position": {"x": 320, "y": 0},
        "config": {"template": "order {{ trigger.order }}"},
    }
    return {
        "schema": 1,
        "nodes": [start, echo],
        "edges": [{"id": "e1", "source": "hook", "target": "echo"}],
    }


def _signed_post(url: str, secret: str, payload: dict[str, object]) -> httpx.Response:
    body = json.dumps(payload)
    msg_id = "msg_e2e_webhook_1"
    now = datetime.now(UTC)
    signature = ReferenceSigner(secret).sign(msg_id, now, body)
    headers = {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }
    return httpx.post(url, content=body, headers=headers, timeout=10.0)


def assert_accessible(page: Page) -> None:
    """No critical or serious axe-core violation on the page as it is now (toasts gone)."""
    expect(page.locator("[data-sonner-toast]")).to_have_count(0, timeout=10_000)
    violations = Axe().run(page).response["violations"]
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    assert blocking == [], describe(blocking)


def test_create_sign_call_and_open_its_execution(page: Page, api: httpx.Client) -> None:
    workflow_id = create_workflow(api, "Orders by webhook", _document())
    open_editor(page, workflow_id)
    page.get_by_test_id("webhooks-button").click()
    panel = page.get_by_test_id("webhook-panel")
    expect(panel).to_contain_text("No webhooks yet")

    page.get_by_test_id("webhook-new").click()
    form = page.get_by_role("dialog", name="New webhook")
    form.get_by_label("Name").fill("Shop orders")
    form.get_by_label("Payload mapping (JMESPath)").fill("{order: body.order.id}")
    form.get_by_test_id("webhook-save").click()

    secret_dialog = page.get_by_role("dialog", name="Secret of Shop orders")
    expect(secret_dialog).to_contain_text("you will not see it again")
    secret_field = secret_dialog.get_by_test_id("webhook-secret")
    expect(secret_field).to_have_value(re.compile(r"^whsec_"))
    secret = secret_field.input_value()
    secret_dialog.get_by_role("button", name="Done").click()
    expect(secret_dialog).to_have_count(0)

    card = panel.get_by_test_id("webhook-card").filter(has_text="Shop orders")
    url_field = card.get_by_test_id("webhook-url")
    expect(url_field).to_have_text(re.compile(r"^https?://.+/api/hooks/[\w-]+$"))
    url = url_field.inner_text()
    # The secret is shown nowhere else, signing instructions included.
    card.get_by_text("How to sign a call").click()
    expect(card.get_by_test_id("signing-help")).to_contain_text("webhook-signature")
    expect(panel).not_to_contain_text(secret)

    # The webhook trigger node shows the same URL and how to sign a call.
    page.locator(".react-flow__node[data-id='hook']").click()
    section = page.get_by_test_id("webhook-node-section")
    expect(section.get_by_test_id("webhook-url")).to_have_text(url)
    expect(section.get_by_test_id("signing-help")).to_contain_text("<secret>")

    response = _signed_post(url, secret, {"order": {"id": 42}})
    assert response.status_code == 202, response.text
    execution_id = int(response.json()["execution_id"])
    wait_finished(api, execution_id, timeout_s=20)

    card.get_by_test_id("webhook-calls-toggle").click()
    call = card.get_by_test_id("webhook-call").first
    expect(call.get_by_test_id("call-status")).to_have_text("202")
    expect(call).to_contain_text('"order": 42')
    assert_accessible(page)  # the panel with its log open
    link = call.get_by_test_id("call-execution")
    expect(link).to_have_text(f"Execution #{execution_id}")
    link.click()
    expect(page).to_have_url(re.compile(rf"/executions/{execution_id}$"))
    expect(page.get_by_role("heading", name=f"Execution #{execution_id}")).to_be_visible()
    expect(page.get_by_test_id("execution-status")).to_contain_text("Succeeded")

    page.goto(f"/webhooks?workflow={workflow_id}")
    row = page.locator("[data-webhook='Shop orders']")
    expect(row.get_by_test_id("call-status")).to_have_text("202")
    expect(row.get_by_test_id("webhook-url")).to_have_text(url)
    assert_accessible(page)
