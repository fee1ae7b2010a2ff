"""The Share dialog: the users a workflow is shared with, their permission, and an add row."""

from __future__ import annotations

import reflex as rx

from app.ui.components.confirm_dialog import confirm_dialog
from app.ui.state.share_state import PERMISSIONS, ShareRow, ShareState

HINT = "Viewers see it and its runs. Editors also change and run it."


def share_button(workflow_id: rx.Var[int], name: rx.Var[str]) -> rx.Component:
    """The editor header's Share button (shown to callers who may share)."""
    return rx.button(
        rx.icon("user_plus", size=14),
        "Share",
        variant="soft",
        color_scheme="gray",
        size="2",
        on_click=ShareState.open_share(workflow_id, name),
        data_testid="share-button",
    )


def _share_row(row: ShareRow) -> rx.Component:
    return rx.hstack(
        rx.avatar(fallback=row.name[:1], size="2", radius="full"),
        rx.vstack(
            rx.text(row.name, size="2", weight="medium", trim="both"),
            rx.text(row.email, size="1", color=rx.color("gray", 11)),
            spacing="1",
            min_width="0",
            flex="1",
        ),
        rx.select(
            PERMISSIONS,
            value=row.permission,
            on_change=lambda value: ShareState.change_permission(row.email, value),
            size="2",
            width="96px",
            # The high-level select puts only these on its trigger (the button named here).
            custom_attrs={"aria-label": "Permission of " + row.email},
        ),
        rx.tooltip(
            rx.icon_button(
                rx.icon("user_minus", size=15),
                variant="ghost",
                color_scheme="red",
                on_click=ShareState.ask_remove(row.user_id, row.email),
                aria_label="Remove " + row.email,
            ),
            content="Remove access",
        ),
        align="center",
        spacing="3",
        width="100%",
        padding="8px 0",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        data_share=row.email,
    )


def _add_row() -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.input(
                value=ShareState.email,
                on_change=ShareState.set_email,
                placeholder="E-mail address of a Flowbook user",
                type="email",
                aria_label="E-mail address",
                flex="1",
                min_width="0",
            ),
            rx.select(
                PERMISSIONS,
                value=ShareState.permission,
                on_change=ShareState.set_permission,
                width="96px",
                custom_attrs={"aria-label": "Permission"},
            ),
            rx.button("Add", type="submit"),
            spacing="2",
            width="100%",
        ),
        on_submit=ShareState.add,
        width="100%",
    )


def _shares() -> rx.Component:
    return rx.cond(
        ShareState.loading,
        rx.center(rx.spinner(), padding="16px"),
        rx.cond(
            ShareState.shares.length() > 0,
            rx.vstack(
                rx.foreach(ShareState.shares, _share_row),
                spacing="0",
                width="100%",
                max_height="320px",
                overflow_y="auto",
            ),
            rx.text(
                "Not shared with anyone yet: only its owner and admins see it.",
                size="2",
                color=rx.color("gray", 10),
            ),
        ),
    )


def share_dialog() -> rx.Component:
    """The dialog (one per page), opened by `ShareState.open_share`."""
    return rx.fragment(
        rx.dialog.root(
            rx.dialog.content(
                rx.dialog.title("Share “", ShareState.workflow_name, "”"),
                rx.dialog.description(
                    HINT, size="2", color=rx.color("gray", 11), margin_bottom="12px"
                ),
                rx.vstack(
                    _add_row(),
                    rx.cond(
                        ShareState.error != "",
                        rx.callout(
                            ShareState.error,
                            icon="circle_alert",
                            color_scheme="red",
                            size="1",
                            width="100%",
                            data_testid="share-error",
                        ),
                    ),
                    _shares(),
                    rx.flex(
                        rx.dialog.close(rx.button("Done", variant="soft", color_scheme="gray")),
                        justify="end",
                        width="100%",
                    ),
                    spacing="4",
                    width="100%",
                ),
                max_width="540px",
                data_testid="share-dialog",
            ),
            open=ShareState.share_open,
            on_open_change=ShareState.set_share_open,
        ),
        confirm_dialog(
            open=ShareState.remove_open,
            on_open_change=ShareState.set_remove_open,
            title="Remove access?",
            description=ShareState.remove_email + " will no longer see this workflow.",
            confirm_label="Remove",
            on_confirm=ShareState.confirm_remove,
        ),
    )
