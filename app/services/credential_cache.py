"""Credentials verified lately, kept in this process so most requests query nothing for them.

An entry is the principal a credential (an API key, a session token, a bearer token) stood
for, keyed by the SHA-256 of the credential, kept `TTL` at most and never past the
credential's own end. Failures are not kept (random guesses must not fill the memory).

Changes that end or narrow credentials (revoking a key, deactivating a user, another role,
a password change, logout, logout everywhere) call `forget_user_on_commit`: when their
transaction commits, every entry of that user goes at once, in this process. A lookup that
read the database before such a change cannot put its stale answer back: entries are only
stored when no user was forgotten since the lookup began (`generation`).

The limit: another process (`flowbook users ...` on the command line, or a second server
on the same database) does not reach this process's cache, so there a change takes effect
within `TTL` (10 s). `flowbook serve` and `reflex run` serve the API from one process.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session

from app.models.types import utc_now
from app.services.principal import Principal

TTL_S = 10.0
MAX_ENTRIES = 10_000
_FORGET_KEY = "flowbook_forget_users"


@dataclass(frozen=True)
class Verified:
    """A credential found valid.

    Attributes:
        principal: who it stands for.
        valid_until: when it stops being valid by itself (expiry, idle timeout), if ever.
        touch: records its use (`last_used_at`, `last_seen_at`) in a write transaction of
            its own; None when that is not due.
    """

    principal: Principal
    valid_until: datetime | None = None
    touch: Callable[[Session, datetime], None] | None = None


@dataclass(frozen=True)
class _Entry:
    principal: Principal
    until: float  # time.monotonic()


class CredentialCache:
    """A thread-safe map from credential digests to principals, forgotten per user."""

    def __init__(self, ttl_s: float = TTL_S, max_entries: int = MAX_ENTRIES) -> None:
        self._ttl_s = ttl_s
        self._max_entries = max_entries
        self._lock = threading.Lock()
        self._entries: dict[str, _Entry] = {}
        self._generation = 0

    @property
    def generation(self) -> int:
        """Moves on each time a user is forgotten; read it before looking a credential up."""
        return self._generation

    def get(self, digest: str) -> Principal | None:
        """The principal of a credential verified lately, or None."""
        entry = self._entries.get(digest)
        if entry is None:
            return None
        if time.monotonic() >= entry.until:
            with self._lock:
                self._entries.pop(digest, None)
            return None
        return entry.principal

    def put(self, digest: str, verified: Verified, generation: int) -> None:
        """Keep a credential's principal, unless a user was forgotten since `generation`."""
        ttl_s = self._ttl_s
        if verified.valid_until is not None:
            ttl_s = min(ttl_s, (verified.valid_until - utc_now()).total_seconds())
        if ttl_s <= 0:
            return
        with self._lock:
            if generation != self._generation:
                return
            if len(self._entries) >= self._max_entries:
                self._drop_expired()
            if len(self._entries) < self._max_entries:
                self._entries[digest] = _Entry(verified.principal, time.monotonic() + ttl_s)

    def forget_users(self, user_ids: set[int]) -> None:
        """Drop every entry of these users; lookups under way will not store theirs."""
        with self._lock:
            self._generation += 1
            self._entries = {
                digest: entry
                for digest, entry in self._entries.items()
                if entry.principal.user_id not in user_ids
            }

    def clear(self) -> None:
        """Drop every entry."""
        with self._lock:
            self._generation += 1
            self._entries = {}

    def _drop_expired(self) -> None:
        now = time.monotonic()
        self._entries = {d: e for d, e in self._entries.items() if e.until > now}


_cache = CredentialCache()


def credential_cache() -> CredentialCache:
    """This process's cache."""
    return _cache


def forget_user_on_commit(session: Session, user_id: int) -> None:
    """Forget the user's cached credentials once `session`'s transaction commits."""
    session.info.setdefault(_FORGET_KEY, set()).add(user_id)


@event.listens_for(OrmSession, "after_commit")
def _forget_committed(session: OrmSession) -> None:
    # A rolled-back change keeps its note on the session: a later commit of that session
    # forgets the user once more, which is harmless.
    user_ids = session.info.pop(_FORGET_KEY, None)
    if user_ids:
        _cache.forget_users(user_ids)
