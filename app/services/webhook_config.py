"""A webhook's settings as the receiver uses them: secrets decrypted, allowlist parsed.

Loaded by public id and kept in-process for a moment (`TTL_S`), so a burst of calls reads
the row and decrypts its secrets once. A stale copy never starts a run on old settings: the
transaction that starts a run compares the row's `updated_at` with the copy's and, when
they differ, the receiver loads the webhook again and checks the call anew.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table, bindparam, select

from app.models.db import get_engine
from app.models.secret_box import SecretKeyError
from app.models.webhook import RespondMode, SignatureMode, Webhook
from app.services.db_threads import run_db
from app.services.webhook_request import Network, parse_networks
from app.services.webhook_secrets import decrypt_secret

WEBHOOKS: Table = Webhook.__table__  # type: ignore[attr-defined]
TTL_S = 2.0
CACHE_MAX = 1024

_SELECT = select(WEBHOOKS).where(WEBHOOKS.c.public_id == bindparam("public_id"))


@dataclass(frozen=True)
class HookConfig:
    """One webhook's settings, ready to check calls against.

    Attributes:
        secret: the current secret, decrypted (None in mode `none`).
        previous_secret: the secret before the last regenerate, decrypted, and
            `previous_secret_expires_at` when it stops being accepted.
        secret_error: why a stored secret could not be decrypted (calls are then refused).
        networks: the IP allowlist (empty: everyone).
    """

    id: int
    public_id: str
    workflow_id: int
    name: str
    enabled: bool
    signature_mode: SignatureMode
    secret: str | None
    previous_secret: str | None
    previous_secret_expires_at: datetime | None
    secret_error: str | None
    token_header: str
    rate_limit_per_hour: int
    networks: tuple[Network, ...]
    body_limit_bytes: int
    mapping: str | None
    respond_mode: RespondMode
    respond_timeout_seconds: float
    version_tag: str | None
    updated_at: datetime


def _decrypted(stored: str | None) -> str | None:
    return decrypt_secret(stored) if stored else None


def _config(row: Webhook) -> HookConfig:
    secret_error = None
    try:
        secret, previous = _decrypted(row.secret_encrypted), None
        if row.previous_secret_encrypted:
            previous = _decrypted(row.previous_secret_encrypted)
    except SecretKeyError as exc:
        secret, previous, secret_error = None, None, str(exc)
    assert row.id is not None
    return HookConfig(
        id=row.id,
        public_id=row.public_id,
        workflow_id=row.workflow_id,
        name=row.name,
        enabled=row.enabled,
        signature_mode=SignatureMode(row.signature_mode),
        secret=secret,
        previous_secret=previous,
        previous_secret_expires_at=row.previous_secret_expires_at,
        secret_error=secret_error,
        token_header=row.token_header,
        rate_limit_per_hour=row.rate_limit_per_hour,
        networks=parse_networks(row.ip_allowlist or ()),
        body_limit_bytes=row.body_limit_bytes,
        mapping=row.mapping,
        respond_mode=RespondMode(row.respond_mode),
        respond_timeout_seconds=row.respond_timeout_seconds,
        version_tag=row.version_tag,
        updated_at=row.updated_at,
    )


def load_config(public_id: str) -> HookConfig | None:
    """The webhook named `public_id` in a URL, or None (a blocking read: see `hook_config`)."""
    engine = get_engine()
    with engine.execution_options(sqlite_begin="DEFERRED").connect() as connection:
        row = connection.execute(_SELECT, {"public_id": public_id}).first()
    return None if row is None else _config(Webhook.model_validate(row._mapping))


_cache: dict[tuple[str, str], tuple[float, HookConfig | None]] = {}
# Loads under way, so a burst arriving as the copy expires waits for one read, not one each.
_loading: dict[tuple[asyncio.AbstractEventLoop, str, str], asyncio.Future[HookConfig | None]] = {}


async def _load(key: tuple[str, str]) -> HookConfig | None:
    loop = asyncio.get_running_loop()
    flight = (loop, *key)
    pending = _loading.get(flight)
    if pending is None:
        pending = _loading[flight] = asyncio.ensure_future(run_db(load_config, key[1]))
        pending.add_done_callback(lambda _done: _loading.pop(flight, None))
    config = await asyncio.shield(pending)
    if len(_cache) >= CACHE_MAX:
        _cache.clear()
    _cache[key] = (time.monotonic(), config)
    return config


async def hook_config(public_id: str, *, reload: bool = False) -> HookConfig | None:
    """The webhook named `public_id`, or None; from the in-process copy when it is younger
    than `TTL_S` (unknown names are remembered too, so guessing costs no query each).

    Args:
        reload: read the row again (the copy was found stale).
    """
    key = (str(get_engine().url), public_id)
    cached = _cache.get(key)
    if cached is not None and not reload and time.monotonic() - cached[0] < TTL_S:
        return cached[1]
    if reload:
        _cache.pop(key, None)
        config = await run_db(load_config, public_id)
        _cache[key] = (time.monotonic(), config)
        return config
    return await _load(key)
