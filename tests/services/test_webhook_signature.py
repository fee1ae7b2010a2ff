"""Webhook signatures: Standard Webhooks (checked against the reference package), GitHub
style (its documented test vector), static tokens, rotation and timestamp tolerance."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks.webhooks import Webhook as ReferenceSigner

from app.models.webhook import SignatureMode
from app.services.webhook_secrets import new_secret
from app.services.webhook_signature import (
    sign_github,
    sign_standard,
    valid_secrets,
    verify_github,
    verify_request,
    verify_standard,
    verify_token,
)

BODY = b'{"event": "ping", "n": 1}'


def _standard_headers(secret: str, body: bytes, *, at: float, msg_id: str = "msg_1") -> dict:
    signed = ReferenceSigner(secret).sign(
        msg_id, datetime.fromtimestamp(int(at), UTC), body.decode()
    )
    return {"webhook-id": msg_id, "webhook-timestamp": str(int(at)), "webhook-signature": signed}


def test_the_github_test_vector() -> None:
    secret = "It's a Secret to Everybody"
    expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert sign_github(secret, b"Hello, World!") == expected
    headers = {"x-hub-signature-256": expected}
    assert verify_github([secret], headers, b"Hello, World!") is None
    assert verify_github([secret], headers, b"Hello, World?") == "signature does not match"
    assert verify_github([secret], {}, b"Hello, World!") is not None


def test_a_request_signed_by_the_reference_package_is_accepted() -> None:
    secret = new_secret(SignatureMode.STANDARD)
    assert secret is not None
    now = time.time()
    headers = _standard_headers(secret, BODY, at=now)
    assert verify_standard([secret], headers, BODY, now) is None
    # ...and what we sign, the reference package verifies.
    ours = {**headers, "webhook-signature": sign_standard(secret, "msg_1", int(now), BODY)}
    ReferenceSigner(secret).verify(BODY, ours)


def test_one_changed_body_byte_is_refused() -> None:
    secret = new_secret(SignatureMode.STANDARD)
    assert secret is not None
    now = time.time()
    headers = _standard_headers(secret, BODY, at=now)
    changed = BODY.replace(b"1", b"2")
    assert verify_standard([secret], headers, changed, now) == "signature does not match"


@pytest.mark.parametrize("offset", [301, -301])
def test_a_timestamp_301_seconds_away_is_refused(offset: int) -> None:
    secret = new_secret(SignatureMode.STANDARD)
    assert secret is not None
    now = time.time()
    headers = _standard_headers(secret, BODY, at=now + offset)
    reason = verify_standard([secret], headers, BODY, now)
    assert reason is not None and "tolerance 300 s" in reason
    assert verify_standard([secret], headers, BODY, now + offset) is None


def test_rotation_two_signatures_in_one_header() -> None:
    old, new = new_secret(SignatureMode.STANDARD), new_secret(SignatureMode.STANDARD)
    assert old is not None and new is not None
    now = int(time.time())
    both = f"{sign_standard(old, 'm', now, BODY)} {sign_standard(new, 'm', now, BODY)}"
    headers = {"webhook-id": "m", "webhook-timestamp": str(now), "webhook-signature": both}
    assert verify_standard([new], headers, BODY, now) is None
    assert verify_standard([old], headers, BODY, now) is None
    stranger = new_secret(SignatureMode.STANDARD)
    assert stranger is not None
    assert verify_standard([stranger], headers, BODY, now) == "signature does not match"


def test_the_previous_secret_is_valid_only_in_its_grace_period() -> None:
    now = datetime.now(UTC)
    later = now + timedelta(hours=1)
    assert valid_secrets("new", "old", later, now) == ("new", "old")
    assert valid_secrets("new", "old", now - timedelta(seconds=1), now) == ("new",)
    assert valid_secrets("new", "old", None, now) == ("new",)
    old = new_secret(SignatureMode.STANDARD)
    assert old is not None
    stamp = int(now.timestamp())
    headers = {
        "webhook-id": "m",
        "webhook-timestamp": str(stamp),
        "webhook-signature": sign_standard(old, "m", stamp, BODY),
    }
    current = new_secret(SignatureMode.STANDARD)
    in_grace = valid_secrets(current, old, later, now)
    assert (
        verify_request(SignatureMode.STANDARD, in_grace, headers, BODY, token_header="", now=stamp)
        is None
    )
    expired = valid_secrets(current, old, now - timedelta(seconds=1), now)
    assert verify_request(
        SignatureMode.STANDARD, expired, headers, BODY, token_header="", now=stamp
    )


@pytest.mark.parametrize(
    "signature",
    ["", "v2,AAAA", "v1,not base64!", "garbage"],
)
def test_malformed_signature_headers_are_refused(signature: str) -> None:
    secret = new_secret(SignatureMode.STANDARD)
    assert secret is not None
    now = int(time.time())
    headers = {"webhook-id": "m", "webhook-timestamp": str(now), "webhook-signature": signature}
    assert verify_standard([secret], headers, BODY, now) is not None


def test_static_token_header() -> None:
    assert verify_token(["s3cret"], {"x-webhook-token": "s3cret"}, "X-Webhook-Token") is None
    assert verify_token(["s3cret"], {"x-webhook-token": "s3creT"}, "X-Webhook-Token")
    assert verify_token(["s3cret"], {}, "X-Webhook-Token") == "missing X-Webhook-Token header"


def test_mode_none_passes_and_a_missing_secret_refuses() -> None:
    assert verify_request(SignatureMode.NONE, (), {}, BODY, token_header="", now=0) is None
    assert verify_request(SignatureMode.GITHUB, (), {}, BODY, token_header="", now=0)
