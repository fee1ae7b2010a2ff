"""The users page's invite dialog: choose a role, then copy the one-time link."""

from __future__ import annotations

import reflex as rx

from app.ui.components.copy_field import copy_field
from app.ui.state.users_state import ASSIGNABLE, UsersState

ROLE_HINTS = {
    "admin": "Manages users and settings, sees everything.",
    "editor": "Creates, changes and runs workflows.",
    "viewer": "Looks at workflows and runs, changes nothing.",
}


def _choose_role() -> rx.Component:
    return rx.vstack(
        rx.radio_group.root(
            rx.vstack(
                *[
                    rx.el.label(
                        rx.hstack(
                            rx.radio_group.item(value=role),
                            rx.vstack(
                                rx.text(role.title(), size="2", weight="medium"),
                                rx.text(ROLE_HINTS[role], size="1", color=rx.color("gray", 11)),
                                spacing="0",
                            ),
                            align="start",
                            spacing="2",
                        ),
                        cursor="pointer",
                    )
                    for role in ASSIGNABLE
                ],
                spacing="3",
            ),
            value=UsersState.invite_role,
            on_change=UsersState.set_invite_role,
            aria_label="Role",
        ),
        rx.flex(
            rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray")),
            rx.button("Create invitation link", on_click=UsersState.create_invite),
            spacing="3",
            justify="end",
            width="100%",
            margin_top="8px",
        ),
        spacing="4",
        width="100%",
    )


def _link() -> rx.Component:
    return rx.vstack(
        rx.callout(
            "No e-mail is sent: hand this link over yourself. It works once, for 7 days, "
            "and is shown only now.",
            icon="info",
            size="1",
        ),
        copy_field(UsersState.invite_link, label="Invitation link", test_id="invite-link"),
        rx.flex(rx.dialog.close(rx.button("Done")), justify="end", width="100%"),
        spacing="4",
        width="100%",
    )


def invite_dialog() -> rx.Component:
    """Pick the role; the link to copy appears in the same dialog."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Invite a user"),
            rx.dialog.description(
                "The person opening the link chooses their e-mail, name and password.",
                size="2",
                color=rx.color("gray", 11),
                margin_bottom="16px",
            ),
            rx.cond(UsersState.invite_link != "", _link(), _choose_role()),
            max_width="520px",
        ),
        open=UsersState.invite_open,
        on_open_change=UsersState.set_invite_open,
    )
