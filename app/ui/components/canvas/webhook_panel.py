"""The editor's webhook panel (toggled from the toolbar): the workflow's webhooks with their
URL, signature, switches and actions, how to sign a call, and the chosen one's call log and
mapping test. View-only callers see everything but the controls."""

from __future__ import annotations

import reflex as rx

from app.ui.components.canvas.side_panel import side_panel, side_panel_header
from app.ui.components.canvas.webhook_log import webhook_log
from app.ui.components.webhook_parts import mode_badge, signing_help, status_code_badge, url_field
from app.ui.state.editor_state import EditorState as E
from app.ui.state.editor_webhook_log_state import WebhookLogState as G
from app.ui.state.editor_webhooks_state import WebhooksPanelState as W
from app.ui.state.webhook_views import WebhookRow

# Narrower below 1280 px, so the canvas keeps some room beside the inspector at 1024 px.


def _action(label: str, icon: str, **props: object) -> rx.Component:
    return rx.button(rx.icon(icon, size=12), label, size="1", variant="soft", **props)


def _controls(row: WebhookRow) -> rx.Component:
    return rx.flex(
        rx.cond(
            E.can_change,
            rx.fragment(
                _action("Edit", "pencil", on_click=W.start_edit(row.id)),
                rx.cond(
                    ~row.unsigned,
                    _action(
                        "Regenerate secret",
                        "key_round",
                        color_scheme="amber",
                        on_click=W.ask_regenerate(row.id),
                    ),
                ),
                rx.cond(
                    E.can_run,
                    _action(
                        "Send test event",
                        "send",
                        color_scheme="green",
                        on_click=W.send_test(row.id),
                        data_testid="webhook-test",
                    ),
                ),
                _action(
                    "Delete",
                    "trash_2",
                    color_scheme="red",
                    on_click=W.ask_delete(row.id, row.name),
                ),
            ),
        ),
        _action(
            rx.cond(G.log_for == row.id, "Hide calls", "Calls & mapping"),
            "list",
            color_scheme="gray",
            on_click=G.show(row.id, row.name, row.mapping),
            data_testid="webhook-calls-toggle",
        ),
        wrap="wrap",
        gap="6px",
        width="100%",
    )


def _test_result(row: WebhookRow) -> rx.Component:
    return rx.cond(
        (W.test_for == row.id) & (W.test_result != ""),
        rx.callout(
            W.test_result,
            icon=rx.cond(W.test_ok, "circle_check", "circle_x"),
            color_scheme=rx.cond(W.test_ok, "green", "red"),
            size="1",
            width="100%",
            data_testid="webhook-test-result",
        ),
    )


def _enabled(row: WebhookRow) -> rx.Component:
    return rx.cond(
        E.can_change,
        rx.switch(
            checked=row.enabled,
            on_change=lambda on: W.set_enabled(row.id, on),
            size="1",
            aria_label=f"Enabled: {row.name}",
        ),
        rx.badge(
            rx.cond(row.enabled, "enabled", "disabled"),
            color_scheme=rx.cond(row.enabled, "green", "gray"),
            variant="soft",
        ),
    )


def _webhook(row: WebhookRow) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text(row.name, weight="bold", size="2", truncate=True, min_width="0"),
            mode_badge(row),
            rx.spacer(),
            _enabled(row),
            align="center",
            spacing="2",
            width="100%",
        ),
        url_field(row.url),
        rx.hstack(
            rx.text(row.rate_limit, " calls/h max", size="1", color=rx.color("gray", 11)),
            rx.text("·", size="1", color=rx.color("gray", 9)),
            rx.cond(
                row.last_called_at != "",
                rx.hstack(
                    rx.text("last call", size="1", color=rx.color("gray", 11)),
                    rx.moment(row.last_called_at, from_now=True, font_size="12px"),
                    status_code_badge(row.last_status),
                    spacing="1",
                    align="center",
                ),
                rx.text("never called", size="1", color=rx.color("gray", 11)),
            ),
            spacing="2",
            align="center",
        ),
        _controls(row),
        _test_result(row),
        rx.el.details(
            rx.el.summary(
                rx.text("How to sign a call", size="1", weight="medium", as_="span"),
                cursor="pointer",
            ),
            rx.box(signing_help(row), padding_top="6px"),
            width="100%",
        ),
        webhook_log(row.id),
        spacing="2",
        width="100%",
        padding="12px",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        data_testid="webhook-card",
        data_webhook=row.name,
    )


def _empty() -> rx.Component:
    return rx.vstack(
        rx.icon("webhook", size=24, color=rx.color("accent", 10)),
        rx.text("No webhooks yet", weight="medium", size="2"),
        rx.text(
            rx.cond(
                E.can_change,
                "Create one to get a signed URL that starts this workflow when a request "
                "reaches it.",
                "The workflow's owner can add one.",
            ),
            size="1",
            color=rx.color("gray", 11),
            text_align="center",
        ),
        align="center",
        spacing="2",
        padding="24px 16px",
        width="100%",
    )


def webhook_panel() -> rx.Component:
    """The right-hand webhook panel (toggled from the toolbar)."""
    return rx.cond(
        W.webhooks_open,
        side_panel(
            rx.vstack(
                side_panel_header(
                    "webhook",
                    "Webhooks",
                    on_close=W.close_webhooks,
                    close_label="Close webhooks",
                    action=rx.cond(
                        E.can_change,
                        rx.button(
                            rx.icon("plus", size=12),
                            "New webhook",
                            size="1",
                            on_click=W.start_create,
                            data_testid="webhook-new",
                        ),
                    ),
                ),
                rx.cond(
                    W.hooks_error != "",
                    rx.callout(W.hooks_error, color_scheme="red", size="1", margin_x="12px"),
                ),
                rx.cond(
                    W.hooks.length() > 0,
                    rx.vstack(rx.foreach(W.hooks, _webhook), spacing="0", width="100%"),
                    _empty(),
                ),
                spacing="1",
                width="100%",
            ),
            test_id="webhook-panel",
            # Another workflow opened with the panel open: remount, and read its webhooks.
            key=E.workflow_id,
            on_mount=W.ensure_webhooks,
        ),
    )
