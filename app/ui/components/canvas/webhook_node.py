"""The inspector's section for a webhook trigger node: the workflow's webhook URLs with a
copy button and how to sign a call, or a way to create the first webhook."""

from __future__ import annotations

import reflex as rx

from app.engine.nodes.triggers import WEBHOOK_TRIGGER
from app.ui.components.webhook_parts import mode_badge, signing_help, url_field
from app.ui.state.editor_selection_state import SelectionState as L
from app.ui.state.editor_state import EditorState as E
from app.ui.state.editor_webhooks_state import WebhooksPanelState as W
from app.ui.state.webhook_views import WebhookRow


def _hook(row: WebhookRow) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text(row.name, size="2", weight="medium", truncate=True, min_width="0"),
            mode_badge(row),
            rx.cond(~row.enabled, rx.badge("disabled", color_scheme="gray", variant="soft")),
            spacing="2",
            align="center",
        ),
        url_field(row.url),
        rx.el.details(
            rx.el.summary(
                rx.text("How to sign a call", size="1", weight="medium", as_="span"),
                cursor="pointer",
            ),
            rx.box(signing_help(row), padding_top="6px"),
            width="100%",
        ),
        spacing="2",
        width="100%",
    )


def _none_yet() -> rx.Component:
    return rx.vstack(
        rx.text("No webhook yet — create one.", size="2", color=rx.color("gray", 11)),
        rx.cond(
            E.can_change,
            rx.button(
                rx.icon("plus", size=13),
                "Create a webhook",
                size="1",
                on_click=W.start_create,
                data_testid="node-webhook-create",
            ),
        ),
        spacing="2",
        width="100%",
    )


def webhook_node_section() -> rx.Component:
    """Shown in the inspector while a webhook trigger node is selected."""
    return rx.cond(
        L.sel_type_label == WEBHOOK_TRIGGER.label,
        rx.vstack(
            rx.hstack(
                rx.text(
                    "Webhook",
                    size="1",
                    weight="bold",
                    color=rx.color("gray", 10),
                    text_transform="uppercase",
                    letter_spacing="0.06em",
                ),
                rx.spacer(),
                rx.button(
                    "Manage",
                    size="1",
                    variant="ghost",
                    on_click=W.toggle_webhooks,
                    display=rx.cond(W.webhooks_open, "none", "flex"),
                ),
                align="center",
                width="100%",
            ),
            rx.cond(
                W.hooks.length() > 0,
                rx.vstack(rx.foreach(W.hooks, _hook), spacing="4", width="100%"),
                rx.cond(W.hooks_loaded, _none_yet(), rx.spinner(size="2")),
            ),
            # Read the webhooks each time the section appears (the panel may be closed).
            on_mount=W.refresh_webhooks,
            spacing="3",
            width="100%",
            data_testid="webhook-node-section",
        ),
    )
