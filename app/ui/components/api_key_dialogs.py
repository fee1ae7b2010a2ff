"""The account page's dialogs: a new API key's name, expiry and scopes, and the key shown once."""

from __future__ import annotations

import reflex as rx

from app.models.account import USER_NAME_MAX
from app.ui.components.copy_field import copy_field
from app.ui.components.section_card import field_error
from app.ui.state.account_state import AccountState

SCOPE_HINTS = {
    "workflows:read": "List and read workflows",
    "workflows:write": "Create, change and delete workflows",
    "executions:read": "Read executions and their results",
    "executions:run": "Start and cancel runs",
    "admin": "Everything, users and settings too",
}


def _scope(scope: rx.Var[str]) -> rx.Component:
    return rx.el.label(
        rx.hstack(
            rx.checkbox(
                checked=AccountState.key_scopes.contains(scope),
                on_change=lambda on: AccountState.toggle_scope(scope, on),
                name=scope,
            ),
            rx.vstack(
                rx.code(scope, size="2", variant="ghost"),
                rx.text(
                    rx.Var.create(SCOPE_HINTS).get(scope, ""), size="1", color=rx.color("gray", 11)
                ),
                spacing="0",
            ),
            align="start",
            spacing="2",
        ),
        cursor="pointer",
    )


def _field(label: str, control: rx.Component, hint: str = "") -> rx.Component:
    return rx.vstack(
        rx.el.label(
            rx.text(label, size="2", weight="medium", margin_bottom="4px"),
            control,
            width="100%",
        ),
        *([rx.text(hint, size="1", color=rx.color("gray", 11))] if hint else []),
        spacing="1",
        width="100%",
    )


def create_key_dialog() -> rx.Component:
    """Name, optional expiry date and scopes (those the user's role allows) of a new key."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("New API key"),
            rx.dialog.description(
                "The key acts as you, limited to the scopes you tick.",
                size="2",
                color=rx.color("gray", 11),
                margin_bottom="16px",
            ),
            rx.form(
                rx.vstack(
                    _field(
                        "Name",
                        rx.input(
                            name="name",
                            placeholder="e.g. Nightly export script",
                            required=True,
                            max_length=USER_NAME_MAX,
                            auto_focus=True,
                            width="100%",
                        ),
                    ),
                    _field(
                        "Expires (optional)",
                        rx.input(name="expires", type="date", width="100%"),
                        "The key stops working at the end of that day (UTC). Empty: never.",
                    ),
                    rx.el.fieldset(
                        rx.el.legend(rx.text("Scopes", size="2", weight="medium")),
                        rx.vstack(rx.foreach(AccountState.scope_choices, _scope), spacing="2"),
                        border="none",
                        padding="0",
                        margin="0",
                    ),
                    field_error(AccountState.create_error),
                    rx.flex(
                        rx.dialog.close(
                            rx.button("Cancel", variant="soft", color_scheme="gray", type="button"),
                        ),
                        rx.button("Create key", type="submit"),
                        spacing="3",
                        justify="end",
                        margin_top="8px",
                        width="100%",
                    ),
                    spacing="4",
                ),
                on_submit=AccountState.create_key,
            ),
            max_width="480px",
        ),
        open=AccountState.create_open,
        on_open_change=AccountState.set_create_open,
    )


def secret_dialog() -> rx.Component:
    """The new key's full text with a copy button, shown this once."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Your new API key"),
            rx.callout(
                "Copy it now: this is the only time it is shown. Flowbook keeps only a hash, "
                "so nobody can show it to you again.",
                icon="triangle_alert",
                color_scheme="amber",
                size="1",
                margin_bottom="16px",
            ),
            copy_field(AccountState.secret, label="New API key", test_id="new-api-key"),
            rx.flex(
                rx.dialog.close(rx.button("Done")),
                justify="end",
                margin_top="20px",
            ),
            max_width="560px",
        ),
        open=AccountState.secret != "",
        on_open_change=AccountState.close_secret,
    )
