"""The account page: profile and theme, password, API keys, log out everywhere."""

from __future__ import annotations

import reflex as rx
from reflex_base.style import set_color_mode

from app.models.account import PASSWORD_MAX, USER_NAME_MAX
from app.ui.components.api_key_dialogs import create_key_dialog, secret_dialog
from app.ui.components.auth_form import PasswordStrength
from app.ui.components.confirm_dialog import confirm_dialog
from app.ui.components.empty_state import empty_state
from app.ui.components.page_layout import WIDE_ONLY, page_layout
from app.ui.components.section_card import field_error, section_card
from app.ui.state.account_state import AccountState, KeyRow

THEMES = (("Light", "light"), ("Dark", "dark"), ("System", "system"))


def _profile() -> rx.Component:
    return section_card(
        "Profile",
        "How others see you in Flowbook.",
        rx.form(
            rx.hstack(
                rx.el.label(
                    rx.text("Name", size="2", weight="medium", margin_bottom="4px"),
                    rx.input(
                        name="name",
                        default_value=AccountState.name,
                        key=AccountState.name,
                        required=True,
                        max_length=USER_NAME_MAX,
                        width="100%",
                    ),
                    flex="1",
                    min_width="0",
                ),
                rx.button("Save name", type="submit", variant="soft"),
                align="end",
                spacing="3",
                width="100%",
                max_width="520px",
            ),
            on_submit=AccountState.save_name,
            width="100%",
        ),
        rx.hstack(
            rx.text("E-mail", size="2", color=rx.color("gray", 11), width="64px"),
            rx.text(AccountState.email, size="2", weight="medium"),
            rx.badge(AccountState.role, variant="soft", text_transform="capitalize"),
            align="center",
            spacing="3",
        ),
        rx.vstack(
            rx.text("Theme", size="2", weight="medium"),
            rx.segmented_control.root(
                *[rx.segmented_control.item(label, value=value) for label, value in THEMES],
                value=AccountState.theme,
                on_change=lambda value: [AccountState.save_theme(value), set_color_mode(value)],
                aria_label="Theme",
            ),
            spacing="1",
        ),
    )


def _password_field(
    label: str, name: str, value: rx.Var[str], on_change: rx.EventHandler, error: rx.Var[str]
) -> rx.Component:
    return rx.el.label(
        rx.text(label, size="2", weight="medium", margin_bottom="4px"),
        rx.input(
            type="password",
            name=name,
            value=value,
            on_change=on_change,
            max_length=PASSWORD_MAX,
            auto_complete=name,
            aria_invalid=rx.cond(error != "", "true", "false"),
            width="100%",
        ),
        field_error(error),
        width="100%",
    )


def _password() -> rx.Component:
    return section_card(
        "Password",
        "Changing it ends your sessions in other browsers; this one stays logged in.",
        rx.form(
            rx.vstack(
                _password_field(
                    "Current password",
                    "current-password",
                    AccountState.current_password,
                    AccountState.set_current_password,
                    AccountState.current_error,
                ),
                _password_field(
                    "New password",
                    "new-password",
                    AccountState.new_password,
                    AccountState.set_new_password,
                    AccountState.new_error,
                ),
                rx.box(PasswordStrength.create(password=AccountState.new_password), width="100%"),
                rx.button("Change password", type="submit"),
                spacing="3",
                width="100%",
                max_width="420px",
            ),
            on_submit=lambda _form: AccountState.change_password(),
            aria_label="Change password",
        ),
    )


def _status(row: KeyRow) -> rx.Component:
    return rx.match(
        row.status,
        ("revoked", rx.badge("Revoked", color_scheme="gray", variant="soft")),
        ("expired", rx.badge("Expired", color_scheme="amber", variant="soft")),
        rx.badge("Active", color_scheme="green", variant="soft"),
    )


def _when(value: rx.Var[str], never: str) -> rx.Component:
    return rx.cond(
        value != "",
        rx.moment(value, from_now=True, interval=60_000),
        rx.text(never, as_="span", color=rx.color("gray", 10)),
    )


def _key_row(row: KeyRow) -> rx.Component:
    cell = {"vertical_align": "middle", "font_size": "13px"}
    return rx.table.row(
        rx.table.cell(
            rx.vstack(
                rx.text(row.name, size="2", weight="medium"),
                rx.code(f"fbk_{row.prefix}_…", size="1", variant="ghost"),
                spacing="1",
            ),
            **cell,
        ),
        rx.table.cell(rx.text(row.scopes, size="1"), **cell),
        rx.table.cell(_when(row.created_at, ""), display=WIDE_ONLY, **cell),
        rx.table.cell(_when(row.last_used_at, "Never"), **cell),
        rx.table.cell(_when(row.expires_at, "Never"), **cell),
        rx.table.cell(_status(row), **cell),
        rx.table.cell(
            rx.cond(
                row.status == "active",
                rx.button(
                    "Revoke",
                    size="1",
                    variant="soft",
                    color_scheme="red",
                    on_click=AccountState.ask_revoke(row.id, row.name),
                ),
            ),
            text_align="right",
            **cell,
        ),
        data_key=row.prefix,
    )


def _keys_table() -> rx.Component:
    return rx.table.root(
        rx.table.header(
            rx.table.row(
                rx.table.column_header_cell("Name"),
                rx.table.column_header_cell("Scopes"),
                rx.table.column_header_cell("Created", display=WIDE_ONLY),
                rx.table.column_header_cell("Last used"),
                rx.table.column_header_cell("Expires"),
                rx.table.column_header_cell("Status"),
                rx.table.column_header_cell("", width="90px"),
            ),
        ),
        rx.table.body(rx.foreach(AccountState.keys, _key_row)),
        variant="surface",
        width="100%",
    )


def _new_key_button() -> rx.Component:
    return rx.button(
        rx.icon("key_round", size=16),
        "New API key",
        on_click=AccountState.set_create_open(True),
    )


def _keys() -> rx.Component:
    return section_card(
        "API keys",
        "For scripts and other programs: send one as “Authorization: Bearer <key>”.",
        rx.cond(
            AccountState.keys.length() > 0,
            _keys_table(),
            empty_state(
                "key_round",
                "No API keys yet",
                "A key acts as you, within the scopes you give it. Create one for each program.",
            ),
        ),
        action=_new_key_button(),
    )


def _sessions() -> rx.Component:
    return section_card(
        "Sessions",
        "Lost a device, or logged in on a shared computer? End every session of your "
        "account, this one included.",
        rx.button(
            rx.icon("log_out", size=16),
            "Log out everywhere",
            color_scheme="red",
            variant="soft",
            on_click=AccountState.set_everywhere_open(True),
            width="fit-content",
        ),
    )


def account_page() -> rx.Component:
    """/account: every logged-in user's own account."""
    return page_layout(
        rx.cond(
            AccountState.loading,
            rx.center(rx.spinner(size="3"), padding="64px"),
            rx.vstack(_profile(), _password(), _keys(), _sessions(), spacing="5", width="100%"),
        ),
        create_key_dialog(),
        secret_dialog(),
        confirm_dialog(
            open=AccountState.revoke_open,
            on_open_change=AccountState.set_revoke_open,
            title="Revoke API key?",
            description=f"“{AccountState.revoke_name}” stops working at once. Programs "
            "using it will get 401 answers.",
            confirm_label="Revoke",
            on_confirm=AccountState.confirm_revoke,
        ),
        confirm_dialog(
            open=AccountState.everywhere_open,
            on_open_change=AccountState.set_everywhere_open,
            title="Log out everywhere?",
            description="Every session of your account ends, in this browser too. "
            "API keys keep working.",
            confirm_label="Log out everywhere",
            on_confirm=AccountState.log_out_everywhere,
        ),
        title="Account",
        description="Your profile, password, API keys and sessions.",
    )
