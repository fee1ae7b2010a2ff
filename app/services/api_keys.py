"""API keys: `fbk_<prefix>_<secret>`, shown once, stored as the secret's SHA-256.

A request's key is found by its prefix (an indexed lookup) and proven by comparing hashes,
so checking a key costs one query and one SHA-256, never an argon2 hash. Prefixes are 12 hex
digits (48 bits, so two keys practically never draw the same one); keys made with the
earlier 8-digit prefixes are found the same way and keep working.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.models.account import (
    ApiKey,
    ApiKeyPublic,
    Scope,
    User,
    clean_user_name,
    public_api_key,
)
from app.models.types import utc_now
from app.services.audit import record_audit
from app.services.credential_cache import Verified, forget_user_on_commit
from app.services.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from app.services.principal import Principal, Via, principal_of
from app.services.secret_tokens import digest_matches, new_token, token_digest

KEY_START = "fbk_"
PREFIX_BYTES = 6
# `last_used_at` is written at most this often, so most requests only read.
TOUCH_EVERY = timedelta(minutes=1)


def _scopes(scopes: Iterable[str], principal: Principal) -> list[str]:
    try:
        chosen = sorted({Scope(scope) for scope in scopes})
    except ValueError as exc:
        known = ", ".join(scope.value for scope in Scope)
        raise InvalidInputError(f"Unknown scope ({exc}); known scopes: {known}") from exc
    if not chosen:
        raise InvalidInputError("Choose at least one scope")
    if Scope.ADMIN in chosen and not principal.is_admin:
        raise PermissionDeniedError("Only the owner and admins can create admin keys")
    return [scope.value for scope in chosen]


def create_api_key(
    session: Session,
    *,
    principal: Principal,
    name: str,
    scopes: Iterable[str],
    expires_at: datetime | None = None,
    ip: str = "",
) -> tuple[ApiKeyPublic, str]:
    """Create a key for the principal's user.

    Returns:
        The key as listed, and the full key text: shown this once, never again.

    Raises:
        InvalidInputError: no name, an unknown scope, or an expiry in the past.
        PermissionDeniedError: an API key without the admin scope creating keys.
    """
    if principal.via is Via.API_KEY and not principal.has_scope(Scope.ADMIN):
        raise PermissionDeniedError("Creating API keys needs the admin scope")
    try:
        name = clean_user_name(name)
    except ValueError as exc:
        raise InvalidInputError(f"Key name: {exc}") from exc
    now = utc_now()
    if expires_at is not None and expires_at <= now:
        raise InvalidInputError("The expiry must be in the future")
    prefix, secret = secrets.token_hex(PREFIX_BYTES), new_token()
    key = ApiKey(
        user_id=principal.user_id,
        name=name,
        prefix=prefix,
        secret_hash=token_digest(secret),
        scopes=_scopes(scopes, principal),
        created_at=now,
        expires_at=expires_at,
    )
    session.add(key)
    session.flush()
    record_audit(
        session,
        actor=principal,
        action="api_key.create",
        object_type="api_key",
        object_id=key.id or "",
        ip=ip,
        detail={"name": name, "prefix": prefix, "scopes": key.scopes},
    )
    return public_api_key(key), f"{KEY_START}{prefix}_{secret}"


def list_api_keys(session: Session, *, principal: Principal) -> list[ApiKeyPublic]:
    """The principal's own keys, newest first (revoked ones included, marked)."""
    rows = session.exec(
        select(ApiKey).where(ApiKey.user_id == principal.user_id).order_by(col(ApiKey.id).desc())
    )
    return [public_api_key(row) for row in rows]


def revoke_api_key(
    session: Session, *, principal: Principal, key_id: int, ip: str = ""
) -> ApiKeyPublic:
    """Revoke one of the principal's keys (owner and admins may revoke anyone's)."""
    key = session.get(ApiKey, key_id)
    others_allowed = principal.is_admin and principal.has_scope(Scope.ADMIN)
    if key is None or (key.user_id != principal.user_id and not others_allowed):
        raise NotFoundError(f"API key {key_id} not found")
    if key.revoked_at is None:
        key.revoked_at = utc_now()
        session.add(key)
        forget_user_on_commit(session, key.user_id)
        record_audit(
            session,
            actor=principal,
            action="api_key.revoke",
            object_type="api_key",
            object_id=key_id,
            ip=ip,
            detail={"prefix": key.prefix},
        )
    return public_api_key(key)


def verify_api_key(session: Session, *, key: str, now: datetime | None = None) -> Verified | None:
    """Who an API key acts for, with its scopes; None when unknown, revoked or expired.

    Only reads; `touch` is set when `last_used_at` is due for a refresh.
    """
    prefix, _, secret = key.removeprefix(KEY_START).partition("_")
    if not key.startswith(KEY_START) or not prefix or not secret:
        return None
    row = session.exec(
        select(ApiKey, User)
        .join(User, col(User.id) == ApiKey.user_id)
        .where(ApiKey.prefix == prefix)
    ).first()
    if row is None:
        return None
    api_key, user = row
    now = now or utc_now()
    if (
        not digest_matches(secret, api_key.secret_hash)
        or api_key.revoked_at is not None
        or (api_key.expires_at is not None and now >= api_key.expires_at)
        or not user.active
    ):
        return None
    principal = principal_of(
        user,
        Via.API_KEY,
        scopes=frozenset(Scope(scope) for scope in api_key.scopes),
        label=f"{user.email} (key {api_key.name})",
    )
    due = api_key.last_used_at is None or now - api_key.last_used_at >= TOUCH_EVERY
    return Verified(
        principal,
        valid_until=api_key.expires_at,
        touch=partial(touch_api_key, key_id=api_key.id) if due else None,
    )


def touch_api_key(session: Session, now: datetime, *, key_id: int | None) -> None:
    """Set a key's `last_used_at` to `now`, unless it was set less than a minute before."""
    session.exec(
        update(ApiKey)
        .where(
            col(ApiKey.id) == key_id,
            col(ApiKey.last_used_at).is_(None) | (col(ApiKey.last_used_at) <= now - TOUCH_EVERY),
        )
        .values(last_used_at=now)
    )


def api_key_principal(
    session: Session, *, key: str, now: datetime | None = None
) -> Principal | None:
    """`verify_api_key`, touching `last_used_at` in `session` when due (a write session)."""
    verified = verify_api_key(session, key=key, now=now)
    if verified is None:
        return None
    if verified.touch is not None:
        verified.touch(session, now or utc_now())
    return verified.principal
