"""LLM settings on SQLite and PostgreSQL: provider keys stored but never shown, base URLs,
switches, and the editable model map."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Engine, text
from sqlmodel import Session

from app.llm.model_map import DEFAULT_ALIASES, DEFAULT_GROUPS
from app.models.llm import ModelMapUpdate, ProviderSetting, ProviderSettingUpdate
from app.models.secret_box import SECRET_KEY_ENV
from app.services import llm_settings
from app.services.errors import InvalidInputError, NotFoundError
from app.services.outbound_http import ALLOWLIST_ENV
from app.services.principal import SYSTEM

SECRET = "sk-live-0123456789abcdefWXYZ"


def test_every_provider_is_listed_unconfigured_at_first(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env-key-never-shown-1234")
    providers = llm_settings.list_providers(session, principal=SYSTEM)
    assert [p.provider for p in providers] == [
        "openai",
        "anthropic",
        "gemini",
        "openai_compatible",
    ]
    openai, anthropic = providers[0], providers[1]
    assert (openai.configured, openai.env_configured, openai.env_var) == (
        False,
        True,
        "OPENAI_API_KEY",
    )
    assert (anthropic.configured, anthropic.env_configured, anthropic.enabled) == (
        False,
        False,
        True,
    )
    assert "sk-env-key" not in str([p.model_dump() for p in providers])


def test_a_stored_key_is_masked_replaced_and_removed(session: Session) -> None:
    shown = llm_settings.update_provider(
        session,
        principal=SYSTEM,
        provider="anthropic",
        data=ProviderSettingUpdate(api_key=f"  {SECRET} "),
    )
    assert (shown.configured, shown.key_last4) == (True, "WXYZ")
    assert SECRET not in shown.model_dump_json()
    session.commit()
    settings = llm_settings.current_llm_settings()
    assert settings.lookup("anthropic") is not None
    assert settings.lookup("anthropic").api_key == SECRET  # type: ignore[union-attr]
    assert SECRET not in repr(settings.lookup("anthropic"))
    row = session.get(ProviderSetting, "anthropic")
    assert row is not None and SECRET not in repr(row) and SECRET not in str(row)

    # Sending only `enabled` keeps the key; sending null removes it.
    kept = llm_settings.update_provider(
        session, principal=SYSTEM, provider="anthropic", data=ProviderSettingUpdate(enabled=False)
    )
    assert (kept.configured, kept.enabled) == (True, False)
    removed = llm_settings.update_provider(
        session,
        principal=SYSTEM,
        provider="anthropic",
        data=ProviderSettingUpdate.model_validate({"api_key": None}),
    )
    assert (removed.configured, removed.key_last4, removed.enabled) == (False, None, False)


def test_the_stored_row_holds_no_key_text(session: Session) -> None:
    llm_settings.update_provider(
        session, principal=SYSTEM, provider="openai", data=ProviderSettingUpdate(api_key=SECRET)
    )
    session.commit()
    raw = session.execute(
        text("SELECT api_key FROM provider_setting WHERE provider = 'openai'")
    ).scalar_one()
    assert raw and SECRET not in raw and SECRET[-8:] not in raw
    openai = llm_settings.current_llm_settings().lookup("openai")
    assert openai is not None and openai.api_key == SECRET


def test_a_key_stored_under_another_secret_key_is_reported_not_crashed(
    session: Session, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv(SECRET_KEY_ENV, Fernet.generate_key().decode())
    llm_settings.update_provider(
        session, principal=SYSTEM, provider="gemini", data=ProviderSettingUpdate(api_key=SECRET)
    )
    session.commit()
    monkeypatch.setenv(SECRET_KEY_ENV, Fernet.generate_key().decode())
    llm_settings.invalidate_settings_cache()

    gemini = next(
        p for p in llm_settings.list_providers(session, principal=SYSTEM) if p.provider == "gemini"
    )
    assert gemini.configured and gemini.key_last4 is None
    assert gemini.key_error is not None and "enter it again" in gemini.key_error
    # A run falls back to the environment's key instead of failing on the stored one.
    stored = llm_settings.current_llm_settings().lookup("gemini")
    assert stored is not None and stored.api_key is None
    assert "gemini" in caplog.text and SECRET not in caplog.text
    # Entering the key again repairs it.
    fixed = llm_settings.update_provider(
        session, principal=SYSTEM, provider="gemini", data=ProviderSettingUpdate(api_key=SECRET)
    )
    assert (fixed.key_error, fixed.key_last4) == (None, "WXYZ")


def test_short_keys_show_no_characters(session: Session) -> None:
    shown = llm_settings.update_provider(
        session, principal=SYSTEM, provider="openai", data=ProviderSettingUpdate(api_key="sk-short")
    )
    assert (shown.configured, shown.key_last4) == (True, None)


def test_bad_provider_settings_are_refused(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ALLOWLIST_ENV, "127.0.0.1:11434")
    with pytest.raises(NotFoundError, match="Unknown provider 'mock'"):
        llm_settings.update_provider(
            session, principal=SYSTEM, provider="mock", data=ProviderSettingUpdate()
        )
    with pytest.raises(InvalidInputError, match="api_base"):
        llm_settings.update_provider(
            session,
            principal=SYSTEM,
            provider="openai_compatible",
            data=ProviderSettingUpdate(api_base="ftp://x"),
        )
    with pytest.raises(InvalidInputError, match="api_key"):
        llm_settings.update_provider(
            session,
            principal=SYSTEM,
            provider="openai",
            data=ProviderSettingUpdate(api_key="sk one two"),
        )
    base = llm_settings.update_provider(
        session,
        principal=SYSTEM,
        provider="openai_compatible",
        data=ProviderSettingUpdate(api_base="http://127.0.0.1:11434/v1/"),
    )
    assert base.api_base == "http://127.0.0.1:11434/v1"


@pytest.mark.parametrize(
    ("api_base", "reason"),
    [
        ("http://127.0.0.1:8765/v1", "127.0.0.1 is a loopback address"),
        ("http://localhost:8080/v1", "localhost resolves to"),
        ("http://[::1]:8000/v1", "::1 is a loopback address"),
        ("http://169.254.169.254/latest", "a cloud metadata address"),
        ("https://10.1.2.3/v1", "a private address"),
        ("http://2130706433:8765/v1", "resolves to 127.0.0.1, a loopback address"),
        ("http://127.0.0.1:11435/v1", "on other ports only"),
    ],
)
def test_a_base_url_the_guard_refuses_is_not_saved(
    session: Session, monkeypatch: pytest.MonkeyPatch, api_base: str, reason: str
) -> None:
    monkeypatch.setenv(ALLOWLIST_ENV, "127.0.0.1:11434")
    for provider in ("openai", "openai_compatible", "anthropic", "gemini"):
        with pytest.raises(InvalidInputError, match="api_base is refused") as caught:
            llm_settings.update_provider(
                session,
                principal=SYSTEM,
                provider=provider,
                data=ProviderSettingUpdate(api_base=api_base),
            )
        assert reason in caught.value.message
        assert ALLOWLIST_ENV in caught.value.message
        assert session.get(ProviderSetting, provider) is None


def test_an_ipv6_base_url_is_told_the_bracketed_entry_to_add(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`::1:8000` would be read as an IPv6 address without a port: the hint brackets it."""
    monkeypatch.setenv(ALLOWLIST_ENV, "[::1]:9000")
    with pytest.raises(InvalidInputError) as caught:
        llm_settings.update_provider(
            session,
            principal=SYSTEM,
            provider="openai_compatible",
            data=ProviderSettingUpdate(api_base="http://[::1]:8000/v1"),
        )
    assert "on other ports only; add [::1]:8000)" in caught.value.message
    assert f"add an entry such as [::1]:8000 to {ALLOWLIST_ENV}" in caught.value.message
    monkeypatch.setenv(ALLOWLIST_ENV, "[::1]:8000")
    saved = llm_settings.update_provider(
        session,
        principal=SYSTEM,
        provider="openai_compatible",
        data=ProviderSettingUpdate(api_base="http://[::1]:8000/v1"),
    )
    assert saved.api_base == "http://[::1]:8000/v1"


def test_a_base_url_whose_name_does_not_resolve_yet_is_saved(session: Session) -> None:
    """It is checked again on every call; the `.invalid` top-level domain never resolves."""
    base = "http://flowbook-no-such-host.invalid/v1"
    saved = llm_settings.update_provider(
        session,
        principal=SYSTEM,
        provider="openai_compatible",
        data=ProviderSettingUpdate(api_base=base),
    )
    assert saved.api_base == base


def test_the_base_url_is_resolved_before_the_transaction_begins(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS can take seconds: the check runs before the session's first query (on SQLite
    that query takes the write lock for the whole transaction)."""
    real_getaddrinfo = socket.getaddrinfo
    in_transaction: list[bool] = []
    with Session(engine) as session:

        def watching_getaddrinfo(*args: Any, **kwargs: Any) -> Any:
            in_transaction.append(session.in_transaction())
            return real_getaddrinfo(*args, **kwargs)

        monkeypatch.setattr(socket, "getaddrinfo", watching_getaddrinfo)
        monkeypatch.setenv(ALLOWLIST_ENV, "localhost:8080")
        llm_settings.update_provider(
            session,
            principal=SYSTEM,
            provider="openai_compatible",
            data=ProviderSettingUpdate(api_key=SECRET, api_base="http://localhost:8080/v1"),
        )
        assert session.in_transaction()
        session.rollback()
    assert in_transaction and not any(in_transaction)


def test_the_model_map_starts_from_the_defaults_and_can_be_replaced(session: Session) -> None:
    seeded = llm_settings.get_model_map(session, principal=SYSTEM)
    assert seeded.groups == {name: list(models) for name, models in DEFAULT_GROUPS.items()}
    assert seeded.aliases == DEFAULT_ALIASES

    groups = {"local": ["openai_compatible/llama3", "gpt-4o-mini"], "flagship": ["gpt-4o"]}
    replaced = llm_settings.update_model_map(
        session, principal=SYSTEM, data=ModelMapUpdate(groups=groups)
    )
    assert replaced.groups == {
        "local": ["openai_compatible/llama3", "openai/gpt-4o-mini"],
        "flagship": ["openai/gpt-4o"],
    }
    session.commit()
    model_map = llm_settings.current_llm_settings().model_map
    assert model_map.equivalents("openai_compatible/llama3") == [
        "openai_compatible/llama3",
        "openai/gpt-4o-mini",
    ]
    assert model_map.equivalents("claude-sonnet") == ["anthropic/claude-sonnet-4-5"]


@pytest.mark.parametrize(
    ("groups", "problem"),
    [
        ({"": ["gpt-4o"]}, "group name"),
        ({"empty": []}, "needs 1 to 20 models"),
        ({"twice": ["gpt-4o", "openai/gpt-4o"]}, "lists a model twice"),
        ({"blank": ["gpt-4o", " "]}, "empty or too long"),
        ({"a": ["gpt-4o"], " a ": ["gpt-4o-mini"]}, "appears twice"),
    ],
)
def test_a_bad_model_map_is_refused_whole(
    session: Session, groups: dict[str, list[str]], problem: str
) -> None:
    # The API's model refuses most of these already; the service still checks every caller.
    unchecked = ModelMapUpdate.model_construct(groups=groups)
    with pytest.raises(InvalidInputError, match=problem):
        llm_settings.update_model_map(session, principal=SYSTEM, data=unchecked)
    assert (
        llm_settings.get_model_map(session, principal=SYSTEM).groups.keys() == DEFAULT_GROUPS.keys()
    )
