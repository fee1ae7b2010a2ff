"""The account page: password errors by their fields, API keys shown once, scopes by role,
logging out everywhere."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.models.account import ApiKeyPublic, Role
from app.ui.state.account_state import AccountState, expiry_of, key_row
from app.ui.state.auth_state import principal_for
from tests.services.accounts_builders import PASSWORD
from tests.ui.state.account_pages import log_in, page_state

pytestmark = pytest.mark.usefixtures("db_url")
NEW_PASSWORD = "purple elephants dance at noon"


def test_an_expiry_date_ends_with_its_day_and_a_key_shows_its_state() -> None:
    assert expiry_of(" ") is None
    assert expiry_of("2027-01-31") == datetime(2027, 2, 1, tzinfo=UTC)
    with pytest.raises(ValueError):
        expiry_of("31/01/2027")
    now = datetime(2027, 1, 1, tzinfo=UTC)
    key = ApiKeyPublic(
        id=1,
        name="k",
        prefix="abcd1234",
        scopes=["workflows:read"],
        created_at=now,
        expires_at=datetime(2026, 12, 31),
        last_used_at=None,
        revoked_at=None,
    )
    assert key_row(key, now).status == "expired"
    assert key_row(key.model_copy(update={"expires_at": None}), now).status == "active"
    assert key_row(key.model_copy(update={"revoked_at": now}), now).status == "revoked"


async def test_a_wrong_current_password_and_a_weak_new_one_are_shown_by_their_fields() -> None:
    _, token = log_in(Role.EDITOR)
    state = await page_state(AccountState, token, "/account")
    await state.load()

    state.set_current_password("not my password")
    state.set_new_password(NEW_PASSWORD)
    await state.change_password()
    assert "current password is not right" in state.current_error
    assert state.new_error == ""

    state.set_current_password(PASSWORD)
    state.set_new_password("short")
    await state.change_password()
    assert state.current_error == "" and "12 characters" in state.new_error

    state.set_new_password(NEW_PASSWORD)
    await state.change_password()
    assert (state.current_error, state.new_error, state.new_password) == ("", "", "")
    # This browser's session stays.
    assert principal_for(token) is not None


async def test_a_new_key_is_shown_once_then_listed_by_its_prefix_and_revoked() -> None:
    _, token = log_in(Role.OWNER)
    state = await page_state(AccountState, token, "/account")
    await state.load()
    state.set_create_open(True)
    assert state.key_scopes == ["workflows:read", "executions:read"]
    state.toggle_scope("admin", True)
    state.toggle_scope("executions:read", False)

    await state.create_key({"name": "Nightly export", "expires": "2099-12-31"})

    assert state.secret.startswith("fbk_") and not state.create_open
    (row,) = state.keys
    assert (row.name, row.scopes, row.status) == (
        "Nightly export",
        "admin, workflows:read",
        "active",
    )
    assert state.secret.startswith(f"fbk_{row.prefix}_")
    assert row.expires_at.startswith("2100-01-01")
    state.close_secret(False)
    await state.load()
    assert state.secret == "" and state.keys[0].prefix == row.prefix

    state.ask_revoke(row.id, row.name)
    await state.confirm_revoke()
    assert state.keys[0].status == "revoked" and not state.revoke_open


async def test_key_scopes_are_those_of_the_role_and_refusals_stay_in_the_dialog() -> None:
    _, token = log_in(Role.VIEWER)
    state = await page_state(AccountState, token, "/account")
    await state.load()
    assert state.scope_choices == ["workflows:read", "executions:read"]

    state.set_create_open(True)
    await state.create_key({"name": "k", "expires": "2001-01-01"})
    assert "future" in state.create_error and state.secret == ""
    await state.create_key({"name": "k", "expires": "tomorrow"})
    assert "date" in state.create_error
    state.toggle_scope("workflows:read", False)
    state.toggle_scope("executions:read", False)
    await state.create_key({"name": "k", "expires": ""})
    assert "at least one scope" in state.create_error and state.keys == []


async def test_logging_out_everywhere_ends_this_session_too() -> None:
    _, token = log_in(Role.VIEWER)
    state = await page_state(AccountState, token, "/account")

    await state.log_out_everywhere()

    assert principal_for(token) is None
