"""The call log and the mapping test of the webhook chosen in the editor's webhook panel."""

from __future__ import annotations

import reflex as rx

from app.ui.components.status_badge import status_badge
from app.ui.components.webhook_parts import status_code_badge
from app.ui.state.editor_webhook_log_state import WebhookLogState as G
from app.ui.state.webhook_views import CallRow


def _pre(text: rx.Var[str], **props: object) -> rx.Component:
    return rx.el.pre(
        text,
        class_name="fb-mono",
        font_size="11px",
        white_space="pre-wrap",
        word_break="break-all",
        padding="6px 8px",
        margin="0",
        border_radius="6px",
        background=rx.color("gray", 3),
        max_height="220px",
        overflow_y="auto",
        width="100%",
        tab_index=0,  # it may scroll: reachable with the keyboard
        **props,
    )


def _call(call: CallRow) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            status_code_badge(call.status_code),
            rx.cond(call.test, rx.badge("test", color_scheme="blue", variant="outline", size="1")),
            rx.moment(call.received_at, format="YYYY-MM-DD HH:mm:ss", font_size="12px"),
            rx.spacer(),
            rx.text(call.ip, size="1", color=rx.color("gray", 11), class_name="fb-mono"),
            align="center",
            spacing="2",
            width="100%",
        ),
        rx.cond(
            call.reason != "",
            rx.text(call.reason, size="1", color=rx.color("red", 11), data_testid="call-reason"),
        ),
        rx.cond(
            call.execution_id > 0,
            rx.hstack(
                rx.link(
                    f"Execution #{call.execution_id}",
                    href=f"/executions/{call.execution_id}",
                    size="1",
                    data_testid="call-execution",
                ),
                rx.cond(call.execution_status != "", status_badge(call.execution_status)),
                align="center",
                spacing="2",
            ),
        ),
        rx.cond(
            call.mapped_input != "",
            rx.el.details(
                rx.el.summary(rx.text("Mapped input", size="1", as_="span"), cursor="pointer"),
                _pre(call.mapped_input, margin_top="4px"),
                width="100%",
            ),
        ),
        spacing="1",
        width="100%",
        padding="8px 0",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        data_testid="webhook-call",
    )


def _calls() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text("Last 100 calls, newest first", size="1", color=rx.color("gray", 11)),
            rx.spacer(),
            rx.button(
                rx.icon("refresh_cw", size=12),
                "Refresh",
                size="1",
                variant="ghost",
                on_click=G.refresh_calls,
                data_testid="calls-refresh",
            ),
            align="center",
            width="100%",
        ),
        rx.cond(G.log_error != "", rx.callout(G.log_error, color_scheme="red", size="1")),
        rx.cond(
            G.calls.length() > 0,
            rx.vstack(rx.foreach(G.calls, _call), spacing="0", width="100%"),
            rx.text(
                "No calls yet. Send a test event, or call the URL as shown under How to sign.",
                size="1",
                color=rx.color("gray", 10),
            ),
        ),
        spacing="1",
        width="100%",
        data_testid="webhook-calls",
    )


def _area(label: str, field: str, value: rx.Var[str], rows: str) -> rx.Component:
    return rx.el.label(
        rx.text(label, size="1", weight="medium"),
        rx.text_area(
            value=value,
            on_change=lambda text: G.set_sample(field, text),
            rows=rows,
            size="1",
            class_name="fb-mono",
            width="100%",
        ),
        width="100%",
    )


def _mapping_test() -> rx.Component:
    return rx.vstack(
        rx.text(
            "JMESPath over {body, headers, query}; empty: the body as it came. Try it on a "
            "sample request (nothing is saved here: edit the webhook to change its mapping).",
            size="1",
            color=rx.color("gray", 11),
        ),
        _area("Mapping", "sample_mapping", G.sample_mapping, "2"),
        _area("Body (JSON)", "sample_body", G.sample_body, "4"),
        rx.grid(
            _area("Headers (JSON)", "sample_headers", G.sample_headers, "2"),
            _area("Query (JSON)", "sample_query", G.sample_query, "2"),
            columns="2",
            gap="8px",
            width="100%",
        ),
        rx.hstack(
            rx.button("Show mapped input", size="1", on_click=G.preview, data_testid="map-preview"),
            rx.button("Use last real call", size="1", variant="soft", on_click=G.use_last_call),
            spacing="2",
        ),
        rx.cond(
            G.preview_note != "", rx.text(G.preview_note, size="1", color=rx.color("gray", 10))
        ),
        rx.cond(
            G.preview_error != "",
            rx.callout(G.preview_error, color_scheme="amber", size="1", width="100%"),
        ),
        rx.cond(G.preview_output != "", _pre(G.preview_output, data_testid="mapped-input")),
        spacing="2",
        width="100%",
    )


def webhook_log(webhook_id: rx.Var[int]) -> rx.Component:
    """Calls and mapping test of a webhook, while it is the one chosen."""
    return rx.cond(
        G.log_for == webhook_id,
        rx.tabs.root(
            rx.tabs.list(
                rx.tabs.trigger("Calls", value="calls"),
                rx.tabs.trigger("Mapping test", value="mapping"),
                size="1",
            ),
            rx.tabs.content(_calls(), value="calls", padding_top="6px"),
            rx.tabs.content(_mapping_test(), value="mapping", padding_top="8px"),
            default_value="calls",
            width="100%",
        ),
    )
