"""Provider settings from outside the environment (a settings page), scoped to a context.

Whoever runs LLM calls may install a lookup with `use_provider_lookup`; while it is
installed, deployments take their provider's key (and, for self-hosted endpoints, its base
URL) from it before falling back to the environment, and a provider it marks disabled is
not called. The lookup lives in a context variable, so it applies to the task that installed
it and the tasks that task starts (one workflow run), never to unrelated code.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar, Token
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ProviderConfig:
    """Settings of one provider.

    Attributes:
        api_key: the stored key; None to use the environment. Never shown by repr.
        api_base: a base URL for deployments that have none of their own.
        enabled: False stops every deployment of the provider from being called.
    """

    api_key: str | None = field(default=None, repr=False)
    api_base: str | None = None
    enabled: bool = True


ProviderLookup = Callable[[str], ProviderConfig | None]

_lookup: ContextVar[ProviderLookup | None] = ContextVar("flowbook_provider_lookup", default=None)


def use_provider_lookup(lookup: ProviderLookup | None) -> Token[ProviderLookup | None]:
    """Installs `lookup` (provider name -> settings) in the current context.

    Args:
        lookup: the lookup, or None to remove one.

    Returns:
        A token for `reset_provider_lookup`.
    """
    return _lookup.set(lookup)


def reset_provider_lookup(token: Token[ProviderLookup | None]) -> None:
    """Restores the lookup that was installed before `use_provider_lookup` returned `token`."""
    _lookup.reset(token)


def provider_config(provider: str) -> ProviderConfig | None:
    """The settings of `provider` in the current context; None when there are none."""
    lookup = _lookup.get()
    return None if lookup is None else lookup(provider)
