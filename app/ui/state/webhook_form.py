"""The webhook form of the editor panel: its fields as typed, read from and turned into the
service's create and update schemas (with every problem as one inline message)."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError

from app.models.webhook import (
    BODY_LIMIT_DEFAULT_BYTES,
    RATE_LIMIT_DEFAULT_PER_HOUR,
    RESPOND_TIMEOUT_DEFAULT_SECONDS,
    RespondMode,
    SignatureMode,
)
from app.models.webhook_schemas import WebhookCreate, WebhookPublic, WebhookUpdate

LATEST = "latest"
KIB = 1024


@dataclass
class WebhookForm:
    """The form's fields as text, the way the inputs hold them."""

    name: str = ""
    signature_mode: str = SignatureMode.STANDARD.value
    token_header: str = "X-Webhook-Token"
    rate_limit_per_hour: str = str(RATE_LIMIT_DEFAULT_PER_HOUR)
    ip_allowlist: str = ""
    body_limit_kib: str = str(BODY_LIMIT_DEFAULT_BYTES // KIB)
    mapping: str = ""
    respond_mode: str = RespondMode.ACCEPTED.value
    respond_timeout_seconds: str = f"{RESPOND_TIMEOUT_DEFAULT_SECONDS:g}"
    version_tag: str = LATEST


def form_of(hook: WebhookPublic) -> WebhookForm:
    """The form filled with a webhook's settings (to edit it)."""
    return WebhookForm(
        name=hook.name,
        signature_mode=hook.signature_mode.value,
        token_header=hook.token_header,
        rate_limit_per_hour=str(hook.rate_limit_per_hour),
        ip_allowlist="\n".join(hook.ip_allowlist),
        body_limit_kib=f"{hook.body_limit_bytes / KIB:g}",
        mapping=hook.mapping or "",
        respond_mode=hook.respond_mode.value,
        respond_timeout_seconds=f"{hook.respond_timeout_seconds:g}",
        version_tag=hook.version_tag or LATEST,
    )


class FormError(ValueError):
    """The form cannot be sent: `str(error)` says what to fix."""


def _number(text: str, label: str) -> float:
    try:
        return float(text.strip())
    except ValueError:
        raise FormError(f"{label} must be a number") from None


def _fields(form: WebhookForm) -> dict[str, object]:
    rate = _number(form.rate_limit_per_hour, "Rate limit")
    if rate != int(rate):
        raise FormError("Rate limit must be a whole number of calls per hour")
    return {
        "name": form.name,
        "signature_mode": form.signature_mode,
        "token_header": form.token_header.strip(),
        "rate_limit_per_hour": int(rate),
        "ip_allowlist": [line.strip() for line in form.ip_allowlist.splitlines() if line.strip()],
        "body_limit_bytes": int(_number(form.body_limit_kib, "Body limit") * KIB),
        "mapping": form.mapping.strip() or None,
        "respond_mode": form.respond_mode,
        "respond_timeout_seconds": _number(form.respond_timeout_seconds, "Timeout"),
        "version_tag": None if form.version_tag in ("", LATEST) else form.version_tag,
    }


LABELS = {
    "name": "Name",
    "signature_mode": "Signature",
    "token_header": "Token header",
    "rate_limit_per_hour": "Rate limit",
    "ip_allowlist": "IP allowlist",
    "body_limit_bytes": "Body limit",
    "mapping": "Mapping",
    "respond_mode": "Response",
    "respond_timeout_seconds": "Timeout",
    "version_tag": "Version",
}


def _message(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        text = str(error["msg"]).removeprefix("Value error, ")
        parts.append(f"{LABELS.get(field, field)}: {text}")
    return "; ".join(parts)


def create_data(form: WebhookForm) -> WebhookCreate:
    """The form as a create request.

    Raises:
        FormError: a field is not valid, saying which and why.
    """
    try:
        return WebhookCreate.model_validate(_fields(form))
    except ValidationError as exc:
        raise FormError(_message(exc)) from None


def update_data(form: WebhookForm) -> WebhookUpdate:
    """The form as an update of every setting (a changed mode brings a new secret).

    Raises:
        FormError: a field is not valid, saying which and why.
    """
    try:
        return WebhookUpdate.model_validate(_fields(form))
    except ValidationError as exc:
        raise FormError(_message(exc)) from None
