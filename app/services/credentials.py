"""Who a request's credentials stand for: an API key or a bearer token (JWT), or the UI's
session cookie, checked through this process's cache of credentials verified lately.

On a miss the credential is looked up in a read-only transaction; when its `last_used_at`
or `last_seen_at` is due (at most once a minute) it is written in a short write transaction
of its own. (A read transaction that later writes fails at once on SQLite with "database is
locked" when another writer came between.)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlmodel import Session

from app.models.types import utc_now
from app.services.access_tokens import verify_access_token
from app.services.api_keys import KEY_START, verify_api_key
from app.services.credential_cache import Verified, credential_cache
from app.services.principal import Principal
from app.services.secret_tokens import token_digest
from app.services.unit_of_work import session_scope
from app.services.user_sessions import verify_session


def _api_key(session: Session, secret: str, now: datetime) -> Verified | None:
    return verify_api_key(session, key=secret, now=now)


def _access_token(session: Session, secret: str, now: datetime) -> Verified | None:
    return verify_access_token(session, token=secret)


def _session(session: Session, secret: str, now: datetime) -> Verified | None:
    return verify_session(session, token=secret, now=now)


LOOKUPS: dict[str, Callable[[Session, str, datetime], Verified | None]] = {
    "key": _api_key,
    "jwt": _access_token,
    "session": _session,
}


def _credential(bearer: str | None, cookie: str | None) -> tuple[str, str, str] | None:
    """(kind, credential, cache digest) of what was sent, or None when nothing was."""
    if bearer:
        kind, credential = ("key" if bearer.startswith(KEY_START) else "jwt"), bearer
    elif cookie:
        kind, credential = "session", cookie
    else:
        return None
    return kind, credential, token_digest(f"{kind}:{credential}")


def cached_principal(*, bearer: str | None, cookie: str | None) -> Principal | None:
    """The principal of credentials verified lately (memory only: no database work, so
    callable on the event loop), else None (not cached, or not valid)."""
    sent = _credential(bearer, cookie)
    return None if sent is None else credential_cache().get(sent[2])


def authenticated_principal(*, bearer: str | None, cookie: str | None) -> Principal | None:
    """The principal of the credentials sent, or None when there are none or they are not valid.

    Args:
        bearer: the `Authorization: Bearer` value: an API key (`fbk_...`) or an access token.
        cookie: the session cookie's token (used when there is no bearer).
    """
    sent = _credential(bearer, cookie)
    if sent is None:
        return None
    kind, credential, digest = sent
    cache = credential_cache()
    principal = cache.get(digest)
    if principal is not None:
        return principal
    generation, now = cache.generation, utc_now()
    with session_scope(read_only=True) as session:
        verified = LOOKUPS[kind](session, credential, now)
    if verified is None:
        return None
    if verified.touch is not None:
        with session_scope() as session:
            verified.touch(session, now)
    cache.put(digest, verified, generation)
    return verified.principal
