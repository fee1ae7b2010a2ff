"""Random tokens handed out once (sessions, API keys, invitations) and their stored digests."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_token() -> str:
    """A fresh random token: 32 bytes, URL-safe text."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """What is stored instead of a token: its SHA-256, hex."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def digest_matches(token: str, digest: str) -> bool:
    """Whether `token` hashes to `digest`, compared in constant time."""
    return hmac.compare_digest(token_digest(token), digest)
