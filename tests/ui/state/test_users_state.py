"""The users page: the link to hand over, who can be changed, refusals as toasts, and the
(de)activation that ends a user's sessions."""

from __future__ import annotations

import pytest

from app.models.account import Role
from app.ui.state.auth_state import principal_for
from app.ui.state.users_state import UsersState, join_link
from tests.ui.state.account_pages import log_in, page_state

pytestmark = pytest.mark.usefixtures("db_url")


def test_the_join_link_is_on_the_origin_the_page_was_opened_from() -> None:
    assert join_link("https://flow.example:8443/users?x=1", "t0k") == (
        "https://flow.example:8443/join?token=t0k"
    )


async def test_an_invitation_shows_its_link_and_waits_among_the_open_ones() -> None:
    owner_id, token = log_in(Role.OWNER)
    state = await page_state(UsersState, token, "/users")
    await state.load()
    ((row,),) = (state.rows,)
    assert (row.id, row.manageable) == (owner_id, False)

    state.set_invite_open(True)
    state.set_invite_role("owner")  # not assignable: ignored
    state.set_invite_role("viewer")
    await state.create_invite()

    assert state.invite_link.startswith("http://localhost:3000/join?token=")
    assert [(invite.role, invite.invited_by) for invite in state.invites] == [
        ("viewer", "ada@example.com")
    ]


async def test_roles_change_refusals_are_toasts_and_deactivation_ends_sessions() -> None:
    _, token = log_in(Role.OWNER)
    _, admin_token = log_in(Role.ADMIN, "al@example.com")
    editor_id, editor_token = log_in(Role.EDITOR, "ed@example.com")
    admin_page = await page_state(UsersState, admin_token, "/users")
    await admin_page.load()
    manageable = {row.email: row.manageable for row in admin_page.rows}
    assert manageable == {
        "ada@example.com": False,
        "al@example.com": False,
        "ed@example.com": True,
    }

    refused = await admin_page.change_role(1, "viewer")
    assert "owner" in str(refused)
    await admin_page.change_role(editor_id, "viewer")
    assert {row.email: row.role for row in admin_page.rows}["ed@example.com"] == "viewer"

    admin_page.ask_toggle(editor_id, "ed@example.com", False)
    await admin_page.confirm_toggle()
    assert principal_for(editor_token) is None
    assert not {row.email: row.active for row in admin_page.rows}["ed@example.com"]
    assert principal_for(token) is not None
