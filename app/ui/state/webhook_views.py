"""How webhooks and their calls are shown: rows for the lists, the full URL, and the
signing instructions (curl and Python) for a webhook's signature mode."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from reflex import constants
from reflex.config import environment, get_config

from app.models.webhook import SignatureMode
from app.models.webhook_schemas import WebhookCallPublic, WebhookPublic
from app.ui.state.display import iso, pretty

SECRET_PLACEHOLDER = "<secret>"
MODE_LABELS = {
    SignatureMode.STANDARD.value: "Standard Webhooks",
    SignatureMode.GITHUB.value: "GitHub style",
    SignatureMode.TOKEN.value: "Header token",
    SignatureMode.NONE.value: "None (unsigned)",
}


@dataclass
class WebhookRow:
    """One webhook as the lists and the editor panel show it."""

    id: int
    name: str
    workflow_id: int
    workflow_name: str
    url: str
    mode: str
    mode_label: str
    unsigned: bool
    token_header: str
    enabled: bool
    rate_limit: int
    last_called_at: str
    last_status: int
    can_change: bool
    mapping: str
    curl: str
    python: str


@dataclass
class CallRow:
    """One call in a webhook's log."""

    id: int
    received_at: str
    ip: str
    status_code: int
    reason: str
    execution_id: int
    execution_status: str
    mapped_input: str
    test: bool


def hooks_base_url(page_url: str) -> str:
    """Where `/api/hooks/...` is served, seen from the browser that opened `page_url`.

    In production the app and the API share the page's origin; in dev mode the API listens
    on the backend's own port (`api_url`).
    """
    if environment.REFLEX_ENV_MODE.get() != constants.Env.PROD:
        return get_config().api_url.rstrip("/")
    parts = urlsplit(page_url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""


def standard_examples(url: str) -> tuple[str, str]:
    """curl and Python for Standard Webhooks (`v1,` base64 HMAC-SHA256 of id.timestamp.body,
    keyed with the base64-decoded part after `whsec_`)."""
    curl = f"""SECRET='{SECRET_PLACEHOLDER}'   # whsec_...
BODY='{{"hello":"world"}}'
ID="msg_$(date +%s%N)"
TS=$(date +%s)
KEY=$(printf %s "${{SECRET#whsec_}}" | base64 -d | od -An -tx1 | tr -d ' \\n')
SIG=$(printf %s "$ID.$TS.$BODY" \\
  | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$KEY" -binary | base64)
curl -X POST '{url}' \\
  -H 'content-type: application/json' \\
  -H "webhook-id: $ID" -H "webhook-timestamp: $TS" \\
  -H "webhook-signature: v1,$SIG" \\
  --data-raw "$BODY\""""
    python = f"""import base64, hashlib, hmac, json, time, uuid
import httpx

secret = "{SECRET_PLACEHOLDER}"  # whsec_...
body = json.dumps({{"hello": "world"}}).encode()
msg_id = f"msg_{{uuid.uuid4().hex}}"
timestamp = str(int(time.time()))
key = base64.b64decode(secret.removeprefix("whsec_"))
signed = f"{{msg_id}}.{{timestamp}}.".encode() + body
signature = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
headers = {{
    "content-type": "application/json",
    "webhook-id": msg_id,
    "webhook-timestamp": timestamp,
    "webhook-signature": f"v1,{{signature}}",
}}
print(httpx.post("{url}", content=body, headers=headers).json())"""
    return curl, python


def github_examples(url: str) -> tuple[str, str]:
    """curl and Python for GitHub style (`sha256=` hex HMAC-SHA256 of the body)."""
    curl = f"""SECRET='{SECRET_PLACEHOLDER}'
BODY='{{"hello":"world"}}'
SIG=$(printf %s "$BODY" | openssl dgst -sha256 -hmac "$SECRET" -hex | sed 's/^.* //')
curl -X POST '{url}' \\
  -H 'content-type: application/json' \\
  -H "X-Hub-Signature-256: sha256=$SIG" \\
  --data-raw "$BODY\""""
    python = f"""import hashlib, hmac, json
import httpx

secret = "{SECRET_PLACEHOLDER}"
body = json.dumps({{"hello": "world"}}).encode()
signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
headers = {{"content-type": "application/json", "X-Hub-Signature-256": f"sha256={{signature}}"}}
print(httpx.post("{url}", content=body, headers=headers).json())"""
    return curl, python


def token_examples(url: str, header: str) -> tuple[str, str]:
    """curl and Python for a static token in a header."""
    curl = f"""curl -X POST '{url}' \\
  -H 'content-type: application/json' \\
  -H '{header}: {SECRET_PLACEHOLDER}' \\
  --data-raw '{{"hello":"world"}}'"""
    python = f"""import httpx

headers = {{"{header}": "{SECRET_PLACEHOLDER}"}}
print(httpx.post("{url}", json={{"hello": "world"}}, headers=headers).json())"""
    return curl, python


def unsigned_examples(url: str) -> tuple[str, str]:
    """curl and Python for a webhook that checks nothing (anyone with the URL can call it)."""
    curl = f"""curl -X POST '{url}' \\
  -H 'content-type: application/json' \\
  --data-raw '{{"hello":"world"}}'"""
    python = f"""import httpx

print(httpx.post("{url}", json={{"hello": "world"}}).json())"""
    return curl, python


def signing_examples(mode: str, url: str, token_header: str) -> tuple[str, str]:
    """The curl and Python examples for a signature mode, with a `<secret>` placeholder."""
    if mode == SignatureMode.STANDARD.value:
        return standard_examples(url)
    if mode == SignatureMode.GITHUB.value:
        return github_examples(url)
    if mode == SignatureMode.TOKEN.value:
        return token_examples(url, token_header)
    return unsigned_examples(url)


def webhook_row(hook: WebhookPublic, base_url: str, last_status: int = 0) -> WebhookRow:
    """How a webhook is listed; `base_url` is where the API answers."""
    url = f"{base_url}{hook.path}"
    curl, python = signing_examples(hook.signature_mode.value, url, hook.token_header)
    return WebhookRow(
        id=hook.id,
        name=hook.name or f"Webhook {hook.id}",
        workflow_id=hook.workflow_id,
        workflow_name=hook.workflow_name,
        url=url,
        mode=hook.signature_mode.value,
        mode_label=MODE_LABELS[hook.signature_mode.value],
        unsigned=hook.unsigned,
        token_header=hook.token_header,
        enabled=hook.enabled,
        rate_limit=hook.rate_limit_per_hour,
        last_called_at=iso(hook.last_called_at),
        last_status=last_status,
        can_change="change" in hook.access,
        mapping=hook.mapping or "",
        curl=curl,
        python=python,
    )


def call_row(call: WebhookCallPublic) -> CallRow:
    """How a call is listed in the log."""
    return CallRow(
        id=call.id,
        received_at=iso(call.received_at),
        ip=call.ip,
        status_code=call.status_code,
        reason=call.reason or "",
        execution_id=call.execution_id or 0,
        execution_status=call.execution_status or "",
        mapped_input=pretty(call.mapped_input),
        test=call.test,
    )
