"""The audit page: a change on one line, day bounds, and filters that page from the start."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.models.account import Role
from app.ui.state.audit_state import AuditState, compact_detail, day_start
from app.ui.state.users_state import UsersState
from tests.ui.state.account_pages import log_in, page_state

pytestmark = pytest.mark.usefixtures("db_url")


def test_a_change_is_shown_on_one_short_line() -> None:
    assert compact_detail({"role": ["editor", "viewer"], "name": "Ada"}) == (
        "role: editor → viewer; name: Ada"
    )
    assert compact_detail({"scopes": ["a", "b", "c"]}) == "scopes: a, b, c"
    assert compact_detail({"scopes": ["a", "b"]}, "api_key.create") == "scopes: a, b"
    assert compact_detail({"scopes": ["a", "b"]}, "api_key.update") == "scopes: a → b"
    assert compact_detail({"map": {"x": 1}}) == 'map: {"x": 1}'
    long = compact_detail({"name": ["x" * 200, "y"]})
    assert len(long) == 160 and long.endswith("…")
    assert compact_detail({}) == ""


def test_days_start_at_midnight_utc_and_bad_dates_do_not_filter() -> None:
    assert day_start("2027-03-04") == datetime(2027, 3, 4, tzinfo=UTC)
    assert day_start("2027-03-04", after=True) == datetime(2027, 3, 5, tzinfo=UTC)
    assert day_start("") is None and day_start("soon") is None


async def test_the_log_is_newest_first_and_filters_narrow_it() -> None:
    _, token = log_in(Role.OWNER)
    users = await page_state(UsersState, token, "/users")
    await users.create_invite()
    state = await page_state(AuditState, token, "/audit")

    await state.load()

    assert [row.action for row in state.rows] == ["invite.create", "user.create"]
    assert state.actions == ["invite.create", "user.create"]
    assert [choice.label for choice in state.actors] == ["ada@example.com"]
    await state.set_action_filter("user.create")
    assert [row.action for row in state.rows] == ["user.create"] and state.filtered
    await state.set_since("2999-01-01")
    assert state.total == 0 and state.rows == []
    await state.clear_filters()
    assert state.total == 2 and not state.filtered
