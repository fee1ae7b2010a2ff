"""Checking who sent a webhook request: Standard Webhooks, GitHub style, a static token.

Pure functions over the request's headers (names in lower case) and its raw body. Every
comparison of a secret or a signature is constant-time (`hmac.compare_digest`). Each check
takes the secrets currently valid (`valid_secrets`: the current one, and the previous one
during its grace period after a regenerate) and returns why it refuses, or None.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from datetime import datetime

from app.models.webhook import TIMESTAMP_TOLERANCE_SECONDS, SignatureMode
from app.services.webhook_secrets import STANDARD_PREFIX

STANDARD_ID = "webhook-id"
STANDARD_TIMESTAMP = "webhook-timestamp"
STANDARD_SIGNATURE = "webhook-signature"
GITHUB_SIGNATURE = "x-hub-signature-256"
GITHUB_PREFIX = "sha256="
SIGNATURES_MAX = 20  # signatures looked at in one header (rotation needs two or three)


def valid_secrets(
    current: str | None,
    previous: str | None,
    previous_expires_at: datetime | None,
    now: datetime,
) -> tuple[str, ...]:
    """The secrets a request may be signed with now: the current one, and the previous one
    while its grace period (`previous_expires_at`) has not passed."""
    secrets = [current] if current else []
    if previous and previous_expires_at is not None and previous_expires_at > now:
        secrets.append(previous)
    return tuple(secrets)


def _standard_key(secret: str) -> bytes:
    # Padding added as the reference library does: an unpadded secret decodes too.
    return base64.b64decode(secret.removeprefix(STANDARD_PREFIX) + "==")


def _standard_digest(secret: str, msg_id: str, timestamp: str, body: bytes) -> bytes:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return hmac.new(_standard_key(secret), signed, hashlib.sha256).digest()


def sign_standard(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header value of a message (`v1,<base64>`), as a sender makes it.

    Args:
        secret: a `whsec_...` secret.
        msg_id: the `webhook-id` header.
        timestamp: the `webhook-timestamp` header (seconds since the epoch).
        body: the raw body.
    """
    digest = _standard_digest(secret, msg_id, str(timestamp), body)
    return "v1," + base64.b64encode(digest).decode()


def verify_standard(
    secrets: Sequence[str], headers: Mapping[str, str], body: bytes, now: float
) -> str | None:
    """Why a Standard Webhooks request is refused, or None when one of its signatures
    (`v1,<base64>`, space-separated) matches one of `secrets` and its timestamp is within
    5 minutes of `now` (seconds since the epoch) either way."""
    msg_id = headers.get(STANDARD_ID, "")
    timestamp = headers.get(STANDARD_TIMESTAMP, "")
    header = headers.get(STANDARD_SIGNATURE, "")
    if not (msg_id and timestamp and header):
        return "missing webhook-id, webhook-timestamp or webhook-signature header"
    if not timestamp.isascii() or not timestamp.isdigit():
        return "webhook-timestamp is not a number of seconds"
    skew = int(timestamp) - now
    if skew > TIMESTAMP_TOLERANCE_SECONDS:
        return f"webhook-timestamp is {skew:.0f} s in the future (tolerance 300 s)"
    if -skew > TIMESTAMP_TOLERANCE_SECONDS:
        return f"webhook-timestamp is {-skew:.0f} s old (tolerance 300 s)"
    sent = []
    for item in header.split(" ")[:SIGNATURES_MAX]:
        version, _, signature = item.partition(",")
        if version != "v1":
            continue
        try:
            sent.append(base64.b64decode(signature, validate=True))
        except (binascii.Error, ValueError):
            continue
    if not sent:
        return "webhook-signature holds no v1 signature"
    for secret in secrets:
        try:
            expected = _standard_digest(secret, msg_id, timestamp, body)
        except (binascii.Error, ValueError):
            continue
        # Every comparison runs, so the time taken does not tell which one matched.
        matches = [hmac.compare_digest(expected, signature) for signature in sent]
        if any(matches):
            return None
    return "signature does not match"


def sign_github(secret: str, body: bytes) -> str:
    """The `X-Hub-Signature-256` header value of `body` (`sha256=<hex>`)."""
    return GITHUB_PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_github(secrets: Sequence[str], headers: Mapping[str, str], body: bytes) -> str | None:
    """Why a GitHub-style request is refused, or None when `X-Hub-Signature-256` is the
    HMAC-SHA256 of the body under one of `secrets`."""
    header = headers.get(GITHUB_SIGNATURE, "")
    if not header.startswith(GITHUB_PREFIX):
        return "missing X-Hub-Signature-256 header (sha256=<hex>)"
    sent = header.encode("utf-8", "replace")
    for secret in secrets:
        if hmac.compare_digest(sign_github(secret, body).encode(), sent):
            return None
    return "signature does not match"


def verify_token(secrets: Sequence[str], headers: Mapping[str, str], header: str) -> str | None:
    """Why a token request is refused, or None when header `header` holds one of `secrets`."""
    sent = headers.get(header.lower(), "")
    if not sent:
        return f"missing {header} header"
    for secret in secrets:
        if hmac.compare_digest(secret.encode(), sent.encode("utf-8", "replace")):
            return None
    return f"{header} does not match"


def verify_request(
    mode: SignatureMode,
    secrets: Sequence[str],
    headers: Mapping[str, str],
    body: bytes,
    *,
    token_header: str,
    now: float,
) -> str | None:
    """Why a request to a webhook signing with `mode` is refused, or None when it passes.

    Args:
        mode: the webhook's signature mode (`none` passes everything).
        secrets: the secrets valid now (`valid_secrets`).
        headers: the request's headers, names in lower case.
        body: the raw body.
        token_header: the header carrying the token (mode `token`).
        now: seconds since the epoch (Standard Webhooks' timestamp check).
    """
    if mode is SignatureMode.NONE:
        return None
    if not secrets:
        return "the webhook has no secret"
    if mode is SignatureMode.STANDARD:
        return verify_standard(secrets, headers, body, now)
    if mode is SignatureMode.GITHUB:
        return verify_github(secrets, headers, body)
    return verify_token(secrets, headers, token_header)
