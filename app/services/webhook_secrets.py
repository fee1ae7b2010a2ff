"""Webhook secrets and public ids: made fresh, encrypted at rest, decrypted to verify.

A Standard Webhooks secret is `whsec_` followed by the base64 of 32 random bytes (the
signing key is those bytes); GitHub-style and token secrets are random URL-safe text used as
they are. Stored secrets are Fernet tokens from the app's secret box, the same key that
protects provider API keys.
"""

from __future__ import annotations

import base64
import secrets

from app.models.db import database_url
from app.models.secret_box import secret_box
from app.models.webhook import SignatureMode

STANDARD_PREFIX = "whsec_"
SECRET_BYTES = 32
PUBLIC_ID_BYTES = 16  # 22 URL-safe characters, 128 random bits


def new_secret(mode: SignatureMode) -> str | None:
    """A fresh secret for a webhook signing its requests with `mode`.

    Args:
        mode: the webhook's signature mode.

    Returns:
        `whsec_<base64 of 32 random bytes>` for Standard Webhooks, random URL-safe text for
        GitHub-style and token modes, None for mode `none`.
    """
    if mode is SignatureMode.STANDARD:
        return STANDARD_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()
    if mode in (SignatureMode.GITHUB, SignatureMode.TOKEN):
        return secrets.token_urlsafe(SECRET_BYTES)
    return None


def encrypt_secret(secret: str) -> str:
    """What is stored for `secret`: its Fernet token under the app's secret key.

    Raises:
        SecretKeyError: the configured secret key is unusable.
    """
    return secret_box(database_url()).encrypt(secret)


def decrypt_secret(stored: str) -> str:
    """The secret a value made by `encrypt_secret` holds.

    Raises:
        SecretKeyError: the secret key changed since it was stored, or `stored` is no token.
    """
    return secret_box(database_url()).decrypt(stored)


def new_public_id() -> str:
    """A fresh name for a webhook's URL: random, URL-safe, not guessable (22 characters)."""
    return secrets.token_urlsafe(PUBLIC_ID_BYTES)
