"""Settings page helpers: model lists as typed, and whether runs would only use the mock."""

from __future__ import annotations

from app.models.llm import ProviderSettingPublic
from app.ui.state.settings_state import has_usable_provider, parse_models, provider_view


def provider(name: str, **fields: object) -> ProviderSettingPublic:
    values: dict[str, object] = {"provider": name, "configured": False, "env_configured": False}
    return ProviderSettingPublic.model_validate(values | fields)


def test_parse_models_takes_lines_or_commas_and_drops_blanks() -> None:
    assert parse_models("gpt-4o\n claude-sonnet , gemini-pro\n\n,") == [
        "gpt-4o",
        "claude-sonnet",
        "gemini-pro",
    ]
    assert parse_models("  ") == []


def test_only_an_enabled_provider_with_a_key_or_local_base_counts() -> None:
    assert not has_usable_provider([provider("openai"), provider("gemini")])
    assert has_usable_provider([provider("openai", configured=True)])
    assert has_usable_provider([provider("gemini", env_configured=True)])
    assert not has_usable_provider([provider("openai", configured=True, enabled=False)])
    assert has_usable_provider([provider("openai_compatible", api_base="http://127.0.0.1:1")])
    # A base URL alone is an override for the hosted providers, not a key.
    assert not has_usable_provider([provider("openai", api_base="http://127.0.0.1:1")])


def test_provider_view_never_holds_more_than_the_last_four() -> None:
    view = provider_view(provider("anthropic", configured=True, key_last4="WXYZ"))
    assert (view.label, view.key_last4, view.configured) == ("Anthropic", "WXYZ", True)
