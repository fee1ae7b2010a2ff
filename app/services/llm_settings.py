"""LLM settings: provider keys, base URLs and switches, and the editable model map.

Keys are stored in `provider_setting` encrypted (see `app.models.secret_box`) and never
leave this module except into the LLM client (through `current_llm_settings`): the public
schema carries only whether a key is set and its last 4 characters (for keys long enough
that this gives nothing away), or why a stored key cannot be read.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from sqlmodel import Session, col, select

from app.llm.deployments import DEFAULT_KEY_ENV, Provider
from app.llm.model_map import DEFAULT_ALIASES, ModelMap
from app.llm.provider_access import ProviderConfig
from app.models.db import get_engine
from app.models.llm import (
    GROUP_NAME_MAX,
    MODEL_NAME_MAX,
    ModelMapping,
    ModelMapPublic,
    ModelMapUpdate,
    ProviderSetting,
    ProviderSettingPublic,
    ProviderSettingUpdate,
)
from app.models.secret_box import SecretKeyError, secret_box
from app.models.types import utc_now
from app.services.access import require_admin
from app.services.audit import record_audit
from app.services.errors import InvalidInputError, NotFoundError
from app.services.outbound_http import check_url_target
from app.services.principal import Principal

logger = logging.getLogger(__name__)

PROVIDERS = tuple(p for p in Provider if p is not Provider.MOCK)
MAX_GROUPS = 50
MAX_GROUP_MODELS = 20
LAST4_MIN_KEY_LENGTH = 12
SETTINGS_TTL_S = 2.0


def _provider(name: str) -> Provider:
    if name not in {p.value for p in PROVIDERS}:
        known = ", ".join(p.value for p in PROVIDERS)
        raise NotFoundError(f"Unknown provider {name!r} (known: {known})")
    return Provider(name)


def _database_url(session: Session) -> str:
    return str(session.get_bind().engine.url)


def _stored_key(database_url: str, row: ProviderSetting | None) -> tuple[str | None, str | None]:
    """The decrypted key of `row` and, when it cannot be decrypted, why (never both)."""
    if row is None or not row.api_key:
        return None, None
    try:
        return secret_box(database_url).decrypt(row.api_key), None
    except SecretKeyError as exc:
        return None, str(exc)


def _public(
    provider: Provider, row: ProviderSetting | None, database_url: str
) -> ProviderSettingPublic:
    key, key_error = _stored_key(database_url, row)
    env_var = DEFAULT_KEY_ENV[provider]
    return ProviderSettingPublic(
        provider=provider.value,
        configured=bool(key) or key_error is not None,
        key_last4=key[-4:] if key and len(key) >= LAST4_MIN_KEY_LENGTH else None,
        key_error=key_error,
        env_configured=bool(env_var and os.environ.get(env_var)),
        env_var=env_var,
        api_base=row.api_base if row is not None else None,
        enabled=row.enabled if row is not None else True,
        updated_at=row.updated_at if row is not None else None,
    )


def list_providers(session: Session, *, principal: Principal) -> list[ProviderSettingPublic]:
    """Every provider's settings (masked), in a fixed order (owner and admins only)."""
    require_admin(principal)
    rows = {row.provider: row for row in session.exec(select(ProviderSetting)).all()}
    url = _database_url(session)
    return [_public(provider, rows.get(provider.value), url) for provider in PROVIDERS]


def _clean_key(value: str | None) -> str | None:
    key = (value or "").strip()
    if not key:
        return None
    if any(ch.isspace() or not ch.isprintable() for ch in key):
        raise InvalidInputError("api_key must not contain spaces or control characters")
    return key


def _clean_base(value: str | None) -> str | None:
    base = (value or "").strip()
    if not base:
        return None
    parts = urlsplit(base)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise InvalidInputError("api_base must be an http:// or https:// URL with a host")
    check_url_target(base, field="api_base")
    return base.rstrip("/")


def update_provider(
    session: Session, *, principal: Principal, provider: str, data: ProviderSettingUpdate
) -> ProviderSettingPublic:
    """Change the fields sent: a new key (null or "" removes it), base URL, enabled.

    A base URL is checked by the SSRF guard (a loopback, private or metadata address needs an
    allowlist entry); this resolves its host name, so call it off the event loop.

    Raises:
        PermissionDeniedError: the caller is not the owner or an admin.
        NotFoundError: unknown provider.
        InvalidInputError: a malformed key or base URL, a base URL the guard refuses, or an
            unusable secret key.
    """
    require_admin(principal)
    known = _provider(provider)
    sent = data.model_fields_set
    # Checked before the session's transaction begins (on its first query): the base URL's
    # check waits on DNS, which must not hold the database's write lock.
    key = _clean_key(data.api_key) if "api_key" in sent else None
    base = _clean_base(data.api_base) if "api_base" in sent else None
    url = _database_url(session)
    row = session.get(ProviderSetting, known.value)
    if row is None:
        row = ProviderSetting(provider=known.value, updated_at=utc_now())
    if "api_key" in sent:
        try:
            row.api_key = None if key is None else secret_box(url).encrypt(key)
        except SecretKeyError as exc:
            raise InvalidInputError(str(exc)) from exc
    if "api_base" in sent:
        row.api_base = base
    if "enabled" in sent and data.enabled is not None:
        row.enabled = data.enabled
    row.updated_at = utc_now()
    session.add(row)
    session.flush()
    changed: dict[str, Any] = {f: getattr(data, f) for f in sent & {"api_base", "enabled"}}
    if "api_key" in sent:  # never the key itself
        changed["api_key"] = "removed" if key is None else "replaced"
    record_audit(
        session,
        actor=principal,
        action="settings.provider",
        object_type="provider",
        object_id=known.value,
        detail=changed,
    )
    invalidate_settings_cache()
    return _public(known, row, url)


def _groups(session: Session) -> dict[str, list[str]]:
    rows = session.exec(
        select(ModelMapping).order_by(col(ModelMapping.position), col(ModelMapping.name))
    ).all()
    return {row.name: list(row.models) for row in rows}


def get_model_map(session: Session, *, principal: Principal) -> ModelMapPublic:
    """The groups of equivalent models (in order) and the built-in aliases."""
    require_admin(principal)
    return ModelMapPublic(groups=_groups(session), aliases=dict(DEFAULT_ALIASES))


def _checked_groups(groups: dict[str, list[str]]) -> dict[str, list[str]]:
    problems: list[str] = []
    if len(groups) > MAX_GROUPS:
        problems.append(f"at most {MAX_GROUPS} groups")
    checked: dict[str, list[str]] = {}
    for raw_name, raw_models in groups.items():
        name = raw_name.strip()
        if not name or len(name) > GROUP_NAME_MAX or "\x00" in name:
            problems.append(f"group name {raw_name!r} must be 1 to {GROUP_NAME_MAX} characters")
            continue
        if name in checked:
            problems.append(f"group {name!r} appears twice")
            continue
        models = [model.strip() for model in raw_models]
        if not models or len(models) > MAX_GROUP_MODELS:
            problems.append(f"group {name!r} needs 1 to {MAX_GROUP_MODELS} models")
        bad = [m for m in models if not m or len(m) > MODEL_NAME_MAX or "\x00" in m]
        if bad:
            problems.append(f"group {name!r} has empty or too long model names")
        resolved = [DEFAULT_ALIASES.get(m, m) for m in models]
        if len(set(resolved)) != len(resolved):
            problems.append(f"group {name!r} lists a model twice")
        checked[name] = resolved
    if problems:
        raise InvalidInputError("Invalid model map: " + "; ".join(problems))
    return checked


def update_model_map(
    session: Session, *, principal: Principal, data: ModelMapUpdate
) -> ModelMapPublic:
    """Replace every group (their order is kept); aliases are resolved to full names.

    Raises:
        PermissionDeniedError: the caller is not the owner or an admin.
        InvalidInputError: empty or repeated names, too many groups or models.
    """
    require_admin(principal)
    groups = _checked_groups(data.groups)
    before = _groups(session)
    now = utc_now()
    for row in session.exec(select(ModelMapping)).all():
        session.delete(row)
    session.flush()
    for position, (name, models) in enumerate(groups.items()):
        session.add(ModelMapping(name=name, models=models, position=position, updated_at=now))
    session.flush()
    record_audit(
        session,
        actor=principal,
        action="settings.model_map",
        object_type="model_map",
        detail={"groups": [sorted(before), sorted(groups)]},
    )
    invalidate_settings_cache()
    return get_model_map(session, principal=principal)


@dataclass(frozen=True)
class LLMSettings:
    """What the LLM client of a run uses from the settings."""

    providers: dict[str, ProviderConfig] = field(default_factory=dict)
    model_map: ModelMap = field(default_factory=ModelMap)

    def lookup(self, provider: str) -> ProviderConfig | None:
        """A `ProviderLookup`: the settings of `provider`, or None."""
        return self.providers.get(provider)


_cache_lock = threading.Lock()
_cache: dict[str, tuple[float, LLMSettings]] = {}


def invalidate_settings_cache() -> None:
    """Forget the cached settings (this process re-reads them on the next run)."""
    with _cache_lock:
        _cache.clear()


def _provider_config(database_url: str, row: ProviderSetting) -> ProviderConfig:
    key, key_error = _stored_key(database_url, row)
    if key_error is not None:
        # The environment's key (if any) is used instead; the settings page names the problem.
        logger.warning("the stored %s key is ignored: %s", row.provider, key_error)
    return ProviderConfig(key, row.api_base, row.enabled)


def _read_settings() -> LLMSettings:
    with Session(get_engine().execution_options(sqlite_begin="DEFERRED")) as session:
        url = _database_url(session)
        rows = session.exec(select(ProviderSetting)).all()
        providers = {row.provider: _provider_config(url, row) for row in rows}
        groups: dict[str, Iterable[str]] = dict(_groups(session))
    return LLMSettings(providers, ModelMap(groups=groups))


def cached_llm_settings() -> LLMSettings | None:
    """The settings when this process read them less than a couple of seconds ago (no
    database work: safe on the event loop), else None."""
    with _cache_lock:
        cached = _cache.get(str(get_engine().url))
    return cached[1] if cached is not None and cached[0] > time.monotonic() else None


def current_llm_settings() -> LLMSettings:
    """The settings, cached for a couple of seconds (other workers' edits show up after that).

    A database failure leaves the environment and built-in defaults in charge: settings must
    never stop a run.
    """
    key = str(get_engine().url)
    now = time.monotonic()
    with _cache_lock:
        cached = _cache.get(key)
    if cached is not None and cached[0] > now:
        return cached[1]
    try:
        settings = _read_settings()
    except Exception as exc:
        logger.warning("could not read the LLM settings (%s); using the defaults", exc)
        settings = LLMSettings()
    with _cache_lock:
        _cache[key] = (now + SETTINGS_TTL_S, settings)
    return settings
