"""Webhook secrets: fresh per mode, encrypted at rest, public ids not guessable."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from app.models.secret_box import SecretKeyError
from app.models.webhook import SignatureMode
from app.services.webhook_secrets import (
    decrypt_secret,
    encrypt_secret,
    new_public_id,
    new_secret,
)


def test_standard_secret_is_whsec_and_32_bytes() -> None:
    secret = new_secret(SignatureMode.STANDARD)
    assert secret is not None and secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert secret != new_secret(SignatureMode.STANDARD)


@pytest.mark.parametrize("mode", [SignatureMode.GITHUB, SignatureMode.TOKEN])
def test_github_and_token_secrets_are_random_urlsafe(mode: SignatureMode) -> None:
    secret = new_secret(mode)
    assert secret is not None and len(secret) >= 40
    assert all(ch.isalnum() or ch in "-_" for ch in secret)


def test_mode_none_has_no_secret() -> None:
    assert new_secret(SignatureMode.NONE) is None


def test_encrypted_secret_round_trips_and_hides_the_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/x.db")
    stored = encrypt_secret("whsec_abc")
    assert "whsec_abc" not in stored
    assert decrypt_secret(stored) == "whsec_abc"
    with pytest.raises(SecretKeyError):
        decrypt_secret("not-a-token")


def test_public_ids_are_22_urlsafe_characters_and_differ() -> None:
    ids = {new_public_id() for _ in range(100)}
    assert len(ids) == 100
    assert all(len(i) == 22 and all(c.isalnum() or c in "-_" for c in i) for i in ids)
