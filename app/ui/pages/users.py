"""The users page (owner and admins): roles, invitations, deactivation."""

from __future__ import annotations

import reflex as rx

from app.ui.components.confirm_dialog import confirm_dialog
from app.ui.components.invite_dialog import invite_dialog
from app.ui.components.page_layout import WIDE_ONLY, page_layout
from app.ui.components.section_card import section_card
from app.ui.state.users_state import ASSIGNABLE, InviteRow, UserRow, UsersState

CELL = {"vertical_align": "middle", "font_size": "13px"}


def _role(row: UserRow) -> rx.Component:
    return rx.cond(
        row.manageable,
        rx.select.root(
            rx.select.trigger(aria_label=f"Role of {row.email}"),
            rx.select.content(*[rx.select.item(role.title(), value=role) for role in ASSIGNABLE]),
            value=row.role,
            on_change=lambda role: UsersState.change_role(row.id, role),
            size="1",
        ),
        rx.badge(row.role, variant="soft", color_scheme="gray", text_transform="capitalize"),
    )


def _active(row: UserRow) -> rx.Component:
    return rx.cond(
        row.active,
        rx.badge("Active", color_scheme="green", variant="soft"),
        rx.badge("Deactivated", color_scheme="gray", variant="soft"),
    )


def _toggle(row: UserRow) -> rx.Component:
    return rx.cond(
        row.manageable,
        rx.cond(
            row.active,
            rx.button(
                "Deactivate",
                size="1",
                variant="soft",
                color_scheme="red",
                on_click=UsersState.ask_toggle(row.id, row.email, False),
            ),
            rx.button(
                "Reactivate",
                size="1",
                variant="soft",
                on_click=UsersState.ask_toggle(row.id, row.email, True),
            ),
        ),
    )


def _user_row(row: UserRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.vstack(
                rx.text(row.name, size="2", weight="medium"),
                rx.text(row.email, size="1", color=rx.color("gray", 11)),
                spacing="0",
                min_width="0",
            ),
            **CELL,
        ),
        rx.table.cell(_role(row), **CELL),
        rx.table.cell(_active(row), **CELL),
        rx.table.cell(
            rx.cond(
                row.last_login_at != "",
                rx.moment(row.last_login_at, from_now=True, interval=60_000),
                rx.text("Never", as_="span", color=rx.color("gray", 10)),
            ),
            white_space="nowrap",
            **CELL,
        ),
        rx.table.cell(_toggle(row), text_align="right", **CELL),
        class_name="fb-row",
        data_user=row.email,
    )


def _users() -> rx.Component:
    return rx.table.root(
        rx.table.header(
            rx.table.row(
                rx.table.column_header_cell("User"),
                rx.table.column_header_cell("Role", width="140px"),
                rx.table.column_header_cell("Status", width="120px"),
                rx.table.column_header_cell("Last login", width="150px"),
                rx.table.column_header_cell("", width="120px"),
            ),
        ),
        rx.table.body(rx.foreach(UsersState.rows, _user_row)),
        variant="surface",
        width="100%",
    )


def _invite_row(row: InviteRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.badge(row.role, variant="soft", text_transform="capitalize"),
            **CELL,
        ),
        rx.table.cell(row.invited_by, **CELL),
        rx.table.cell(
            rx.moment(row.created_at, from_now=True, interval=60_000), display=WIDE_ONLY, **CELL
        ),
        rx.table.cell(rx.moment(row.expires_at, from_now=True, interval=60_000), **CELL),
    )


def _invites() -> rx.Component:
    return section_card(
        "Open invitations",
        "Links not used yet. Each works once, for 7 days; its link was shown only when made.",
        rx.cond(
            UsersState.invites.length() > 0,
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell("Role", width="120px"),
                        rx.table.column_header_cell("Invited by"),
                        rx.table.column_header_cell("Made", display=WIDE_ONLY),
                        rx.table.column_header_cell("Expires"),
                    ),
                ),
                rx.table.body(rx.foreach(UsersState.invites, _invite_row)),
                variant="surface",
                width="100%",
            ),
            rx.text("No open invitations.", size="2", color=rx.color("gray", 10)),
        ),
    )


def _invite_button() -> rx.Component:
    return rx.button(
        rx.icon("user_plus", size=16),
        "Invite user",
        on_click=UsersState.set_invite_open(True),
    )


def users_page() -> rx.Component:
    """/users: everyone's account, for the owner and admins."""
    return page_layout(
        rx.cond(
            UsersState.loading,
            rx.center(rx.spinner(size="3"), padding="64px"),
            rx.vstack(_users(), _invites(), spacing="5", width="100%"),
        ),
        invite_dialog(),
        confirm_dialog(
            open=UsersState.toggle_open,
            on_open_change=UsersState.set_toggle_open,
            title=rx.cond(UsersState.toggle_active, "Reactivate user?", "Deactivate user?"),
            description=rx.cond(
                UsersState.toggle_active,
                f"{UsersState.toggle_name} can log in again. Their old sessions and API keys "
                "stay ended.",
                f"{UsersState.toggle_name} is logged out everywhere at once and their API keys "
                "stop working. You can reactivate them later.",
            ),
            confirm_label=rx.cond(UsersState.toggle_active, "Reactivate", "Deactivate"),
            on_confirm=UsersState.confirm_toggle,
        ),
        title="Users",
        description="Who can use this Flowbook, and what each of them may do.",
        actions=[_invite_button()],
        admin_only=True,
    )
