"""Deployments: one model at one provider endpoint. Keys are read at call time (from the
provider settings installed by `app.llm.provider_access`, then the environment) and never
stored on the object, so no repr, log line or export can carry one."""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from app.llm.provider_access import ProviderConfig, provider_config


class Provider(StrEnum):
    """Supported providers."""

    OPENAI = "openai"
    ANTHROPIC = "anthropic"
    GEMINI = "gemini"
    OPENAI_COMPATIBLE = "openai_compatible"
    MOCK = "mock"


DEFAULT_KEY_ENV: dict[Provider, str | None] = {
    Provider.OPENAI: "OPENAI_API_KEY",
    Provider.ANTHROPIC: "ANTHROPIC_API_KEY",
    Provider.GEMINI: "GEMINI_API_KEY",
    Provider.OPENAI_COMPATIBLE: None,
    Provider.MOCK: None,
}

_PREFIX_PROVIDERS: tuple[tuple[str, Provider], ...] = (
    ("gpt-", Provider.OPENAI),
    ("o1", Provider.OPENAI),
    ("o3", Provider.OPENAI),
    ("o4", Provider.OPENAI),
    ("claude", Provider.ANTHROPIC),
    ("gemini", Provider.GEMINI),
)

_MIN_SECRET_LENGTH = 4


@dataclass(frozen=True)
class Deployment:
    """One model served by one provider endpoint.

    Attributes:
        name: unique name, used by fallback lists, the breaker and the path.
        provider: who serves it.
        model: the provider's model name.
        api_base: base URL (required for openai_compatible, optional otherwise).
        api_key_env: the environment variable holding the key (None: no key needed).
        capabilities: what it can do ("json", "vision", "tools", "long_context", ...).
        weight: share of traffic under load-balanced routing, relative to its peers.
        max_concurrency: in-flight calls beyond which load-balanced routing avoids it.
    """

    name: str
    provider: Provider
    model: str
    api_base: str | None = None
    api_key_env: str | None = None
    capabilities: frozenset[str] = frozenset()
    weight: float = 1.0
    max_concurrency: int | None = None

    @classmethod
    def from_name(cls, name: str) -> Deployment:
        """Builds a deployment from "provider/model" or a bare model name.

        A bare name gets its provider from its prefix (gpt- -> openai, claude -> anthropic,
        gemini -> gemini); anything else is served by the mock provider.

        Args:
            name: e.g. "openai/gpt-4o", "mock/anything", "claude-sonnet-4-5".

        Returns:
            A deployment with the provider's default key variable.
        """
        prefix, sep, rest = name.partition("/")
        if sep and prefix in Provider.__members__.values():
            provider = Provider(prefix)
            key_env = DEFAULT_KEY_ENV[provider]
            return cls(name=name, provider=provider, model=rest, api_key_env=key_env)
        provider = next(
            (p for start, p in _PREFIX_PROVIDERS if name.lower().startswith(start)), Provider.MOCK
        )
        return cls(
            name=f"{provider.value}/{name}",
            provider=provider,
            model=name,
            api_key_env=DEFAULT_KEY_ENV[provider],
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Deployment:
        """Builds a deployment from its `to_dict` form (settings, config files)."""
        fields = dict(data)
        fields["provider"] = Provider(fields["provider"])
        fields["capabilities"] = frozenset(fields.get("capabilities") or ())
        return cls(**fields)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict. It names the key variable, never the key."""
        return {
            "name": self.name,
            "provider": self.provider.value,
            "model": self.model,
            "api_base": self.api_base,
            "api_key_env": self.api_key_env,
            "capabilities": sorted(self.capabilities),
            "weight": self.weight,
            "max_concurrency": self.max_concurrency,
        }

    def _settings(self) -> ProviderConfig | None:
        return None if self.provider is Provider.MOCK else provider_config(self.provider.value)

    def api_key(self) -> str | None:
        """The key, read now: the provider's stored setting first, then the environment.

        Returns:
            The key; None when not set or not needed.
        """
        settings = self._settings()
        if settings is not None and settings.api_key:
            return settings.api_key
        if not self.api_key_env:
            return None
        return os.environ.get(self.api_key_env) or None

    def base_url(self) -> str | None:
        """The base URL: the deployment's own, else the provider's setting (if any)."""
        if self.api_base:
            return self.api_base
        settings = self._settings()
        return None if settings is None else settings.api_base

    def is_disabled(self) -> bool:
        """Whether the provider settings turned this deployment's provider off."""
        settings = self._settings()
        return settings is not None and not settings.enabled

    def is_usable(self) -> bool:
        """Whether it can be called now: mock always; others need their provider enabled,
        their key (and a base URL)."""
        if self.provider is Provider.MOCK:
            return True
        if self.is_disabled():
            return False
        if self.provider is Provider.OPENAI_COMPATIBLE:
            return bool(self.base_url()) and (not self.api_key_env or self.api_key() is not None)
        return self.api_key() is not None

    def redact(self, text: str) -> str:
        """Removes this deployment's key from `text` (providers sometimes echo it)."""
        key = self.api_key()
        if key and len(key) >= _MIN_SECRET_LENGTH:
            text = text.replace(key, "[redacted]")
        return text
