"""The settings page: provider keys (masked), base URLs, switches and the model map."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, replace
from typing import Any

import reflex as rx
from reflex_base.event import EventSpec

from app.models.llm import (
    ModelMapPublic,
    ModelMapUpdate,
    ProviderSettingPublic,
    ProviderSettingUpdate,
)
from app.services import llm_settings
from app.services.db_threads import run_db
from app.services.errors import ServiceError
from app.services.principal import Principal
from app.services.unit_of_work import session_scope
from app.ui.state.auth_state import acting_principal
from app.ui.state.display import error_message, iso

PROVIDER_LABELS = {
    "openai": "OpenAI",
    "anthropic": "Anthropic",
    "gemini": "Google Gemini",
    "openai_compatible": "OpenAI-compatible",
}
_keys = itertools.count(1)


@dataclass
class ProviderView:
    """One provider card (never the key itself)."""

    provider: str
    label: str
    configured: bool
    key_last4: str
    key_error: str
    env_configured: bool
    env_var: str
    api_base: str
    enabled: bool
    updated_at: str


@dataclass
class GroupDraft:
    """One group of equivalent models as typed: a name and models, one per line or commas."""

    key: str
    name: str = ""
    models: str = ""


def provider_view(item: ProviderSettingPublic) -> ProviderView:
    """The card of a provider."""
    return ProviderView(
        provider=item.provider,
        label=PROVIDER_LABELS.get(item.provider, item.provider),
        configured=item.configured,
        key_last4=item.key_last4 or "",
        key_error=item.key_error or "",
        env_configured=item.env_configured,
        env_var=item.env_var or "",
        api_base=item.api_base or "",
        enabled=item.enabled,
        updated_at=iso(item.updated_at),
    )


def has_usable_provider(items: list[ProviderSettingPublic]) -> bool:
    """Whether some enabled provider can really be called (else every answer is a mock one).

    A key from the settings or the environment does it; an OpenAI-compatible server needs
    only its base URL.
    """
    return any(
        item.enabled
        and (
            (item.configured and not item.key_error)
            or item.env_configured
            or (item.provider == "openai_compatible" and bool(item.api_base))
        )
        for item in items
    )


def parse_models(text: str) -> list[str]:
    """Models from one-per-line or comma-separated text, blanks dropped."""
    return [part.strip() for part in re.split(r"[\n,]", text) if part.strip()]


def read_providers(principal: Principal) -> list[ProviderSettingPublic]:
    """Every provider's settings, masked (run on a db thread)."""
    with session_scope(read_only=True) as session:
        return llm_settings.list_providers(session, principal=principal)


def read_model_map(principal: Principal) -> ModelMapPublic:
    """The groups of equivalent models and the aliases (run on a db thread)."""
    with session_scope(read_only=True) as session:
        return llm_settings.get_model_map(session, principal=principal)


def update_provider(principal: Principal, provider: str, data: ProviderSettingUpdate) -> None:
    """Change a provider's key, base URL or switch (run on a db thread)."""
    with session_scope() as session:
        llm_settings.update_provider(session, principal=principal, provider=provider, data=data)


def update_model_map(principal: Principal, groups: dict[str, list[str]]) -> None:
    """Replace the model map's groups (run on a db thread)."""
    with session_scope() as session:
        # Unvalidated on purpose: the service checks every group and lists all the problems
        # in words people read, where the model would stop at the first in pydantic's.
        llm_settings.update_model_map(
            session, principal=principal, data=ModelMapUpdate.model_construct(groups=groups)
        )


class SettingsState(rx.State):
    """State of `/settings`."""

    providers: list[ProviderView] = []
    groups: list[GroupDraft] = []
    aliases: list[list[str]] = []
    model_map_error: str = ""
    remove_open: bool = False
    remove_provider: str = ""
    loading: bool = True

    any_key: bool = True

    @rx.var
    def remove_label(self) -> str:
        """The provider the remove confirmation is about."""
        return PROVIDER_LABELS.get(self.remove_provider, self.remove_provider)

    async def _reload_providers(self) -> None:
        listed = await run_db(read_providers, await acting_principal(self))
        order = list(PROVIDER_LABELS)
        # The page shows one static card per provider, by position in PROVIDER_LABELS.
        listed.sort(key=lambda p: order.index(p.provider) if p.provider in order else len(order))
        self.providers = [provider_view(p) for p in listed]
        self.any_key = has_usable_provider(listed)

    async def _reload_model_map(self) -> None:
        model_map = await run_db(read_model_map, await acting_principal(self))
        self.groups = [
            GroupDraft(key=f"g{next(_keys)}", name=name, models="\n".join(models))
            for name, models in model_map.groups.items()
        ]
        self.aliases = [[alias, full] for alias, full in model_map.aliases.items()]
        self.model_map_error = ""

    @rx.event
    async def load(self) -> EventSpec | None:
        """Load providers and the model map (on page load)."""
        try:
            await self._reload_providers()
            await self._reload_model_map()
        except ServiceError as exc:  # e.g. a role that may not see the settings
            return rx.toast.error(error_message(exc))
        finally:
            self.loading = False
        return None

    async def _update(self, provider: str, data: ProviderSettingUpdate, done: str) -> EventSpec:
        try:
            await run_db(update_provider, await acting_principal(self), provider, data)
        except ServiceError as exc:
            return rx.toast.error(error_message(exc))
        await self._reload_providers()
        return rx.toast.success(done)

    @rx.event
    async def save_key(self, provider: str, form: dict[str, Any]) -> EventSpec:
        """Store a new key for a provider (afterwards only its last 4 characters show)."""
        key = str(form.get("api_key", "")).strip()
        if not key:
            return rx.toast.error("Paste a key first.")
        label = PROVIDER_LABELS.get(provider, provider)
        return await self._update(
            provider, ProviderSettingUpdate(api_key=key), f"Saved {label} key"
        )

    @rx.event
    async def save_base(self, provider: str, form: dict[str, Any]) -> EventSpec:
        """Set or clear a provider's base URL."""
        base = str(form.get("api_base", "")).strip()
        label = PROVIDER_LABELS.get(provider, provider)
        message = f"Saved {label} base URL" if base else f"Cleared {label} base URL"
        return await self._update(provider, ProviderSettingUpdate(api_base=base or None), message)

    @rx.event
    async def set_enabled(self, provider: str, value: bool) -> EventSpec:
        """Switch a provider on or off."""
        label = PROVIDER_LABELS.get(provider, provider)
        state = "enabled" if value else "disabled"
        return await self._update(
            provider, ProviderSettingUpdate(enabled=value), f"{label} {state}"
        )

    @rx.event
    def ask_remove(self, provider: str) -> None:
        """Ask before removing a provider's stored key."""
        self.remove_provider = provider
        self.remove_open = True

    @rx.event
    def set_remove_open(self, value: bool) -> None:
        """Open or close the remove confirmation."""
        self.remove_open = value

    @rx.event
    async def confirm_remove(self) -> EventSpec:
        """Remove the stored key the confirmation was opened for."""
        self.remove_open = False
        return await self._update(
            self.remove_provider,
            ProviderSettingUpdate(api_key=None),
            f"Removed the {self.remove_label} key",
        )

    @rx.event
    def set_group_field(self, index: int, field: str, value: str) -> None:
        """Change a group's name or models."""
        if field in {"name", "models"} and 0 <= index < len(self.groups):
            groups = list(self.groups)
            groups[index] = replace(groups[index], **{field: value})
            self.groups = groups

    @rx.event
    def add_group(self) -> None:
        """Append an empty group."""
        self.groups = [*self.groups, GroupDraft(key=f"g{next(_keys)}")]

    @rx.event
    def remove_group(self, index: int) -> None:
        """Remove a group (saved with the others)."""
        self.groups = [g for i, g in enumerate(self.groups) if i != index]

    @rx.event
    async def reset_model_map(self) -> None:
        """Throw away unsaved edits."""
        await self._reload_model_map()

    @rx.event
    async def save_model_map(self) -> EventSpec:
        """Replace the model map with the groups as shown."""
        groups: dict[str, list[str]] = {}
        for group in self.groups:
            name = group.name.strip()
            if name in groups:
                self.model_map_error = f"The group name “{name}” is used twice."
                return rx.toast.error(self.model_map_error)
            groups[name] = parse_models(group.models)
        try:
            await run_db(update_model_map, await acting_principal(self), groups)
        except ServiceError as exc:
            self.model_map_error = error_message(exc)
            return rx.toast.error("The model map was not saved.")
        await self._reload_model_map()
        return rx.toast.success("Saved the model map")
