"""The signing instructions work: each mode's Python example, run with a real secret in place
of `<secret>`, sends a request the reference signer (Standard Webhooks) or our verifier
accepts; the examples never hold a secret; the form reads back what it was filled with."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from standardwebhooks.webhooks import Webhook as ReferenceSigner

from app.models.webhook import SignatureMode
from app.models.webhook_schemas import WebhookCreate
from app.services.webhook_signature import sign_github
from app.ui.state.webhook_form import LATEST, FormError, WebhookForm, create_data
from app.ui.state.webhook_views import SECRET_PLACEHOLDER, signing_examples

URL = "https://flowbook.example/api/hooks/abc123"
STANDARD_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def run_python_example(
    mode: str, secret: str, monkeypatch: pytest.MonkeyPatch, header: str = "X-Webhook-Token"
) -> dict[str, Any]:
    """Run a mode's Python example with `secret`; what it would have sent."""
    _, python = signing_examples(mode, URL, header)
    assert SECRET_PLACEHOLDER in python or mode == SignatureMode.NONE.value
    sent: dict[str, Any] = {}

    def post(url: str, **kwargs: Any) -> httpx.Response:
        sent.update(url=url, **kwargs)
        return httpx.Response(202, json={"execution_id": 1})

    monkeypatch.setattr(httpx, "post", post)
    monkeypatch.setattr("builtins.print", lambda *args: None)
    exec(python.replace(SECRET_PLACEHOLDER, secret), {})  # our own example, with a test secret
    return sent


def test_the_standard_webhooks_example_is_accepted_by_the_reference_signer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sent = run_python_example("standard", STANDARD_SECRET, monkeypatch)
    assert sent["url"] == URL
    headers = sent["headers"]
    ReferenceSigner(STANDARD_SECRET).verify(sent["content"], headers)  # raises when wrong
    stamp = datetime.fromtimestamp(int(headers["webhook-timestamp"]), UTC)
    expected = ReferenceSigner(STANDARD_SECRET).sign(
        headers["webhook-id"], stamp, sent["content"].decode()
    )
    assert headers["webhook-signature"] == expected


def test_the_github_example_signs_the_body(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "It's a Secret to Everybody"
    sent = run_python_example("github", secret, monkeypatch)
    assert sent["headers"]["X-Hub-Signature-256"] == sign_github(secret, sent["content"])


def test_the_token_example_sends_the_header_chosen(monkeypatch: pytest.MonkeyPatch) -> None:
    sent = run_python_example("token", "tok_123", monkeypatch, header="X-Shop-Token")
    assert sent["headers"] == {"X-Shop-Token": "tok_123"}


@pytest.mark.parametrize("mode", [m.value for m in SignatureMode])
def test_curl_examples_name_the_url_and_only_a_placeholder(mode: str) -> None:
    curl, python = signing_examples(mode, URL, "X-Webhook-Token")
    assert URL in curl and URL in python
    assert "whsec_" not in curl.replace("# whsec_...", "").replace("${SECRET#whsec_}", "")


def test_the_form_turns_into_the_create_request() -> None:
    form = WebhookForm(
        name=" Shop ",
        ip_allowlist="10.0.0.1/8\n\n192.0.2.1\n",
        body_limit_kib="64",
        mapping="  ",
        version_tag=LATEST,
    )
    data = create_data(form)
    assert data == WebhookCreate(
        name="Shop", ip_allowlist=["10.0.0.0/8", "192.0.2.1/32"], body_limit_bytes=64 * 1024
    )
    with pytest.raises(FormError, match="Timeout"):
        create_data(WebhookForm(respond_mode="output", respond_timeout_seconds="0"))
