"""/webhooks: every webhook the user may see, with its URL, signature mode, limits and last
call; filtered by workflow (in the URL), enabled or disabled and deleted from here."""

from __future__ import annotations

import reflex as rx

from app.ui.components.confirm_dialog import confirm_dialog
from app.ui.components.empty_state import empty_state
from app.ui.components.page_layout import WIDE_ONLY, page_layout
from app.ui.components.webhook_parts import mode_badge, status_code_badge, url_field
from app.ui.state.webhook_views import WebhookRow
from app.ui.state.webhooks_state import ALL, WebhooksState, WorkflowChoice

CELL = {"vertical_align": "middle", "font_size": "13px"}
# Read by screen readers, not shown (the column holds icon buttons only).
SR_ONLY = {
    "position": "absolute",
    "width": "1px",
    "height": "1px",
    "overflow": "hidden",
    "clip": "rect(0 0 0 0)",
    "white_space": "nowrap",
}


def _filters() -> rx.Component:
    def item(choice: WorkflowChoice) -> rx.Component:
        return rx.select.item(choice.label, value=choice.value)

    return rx.hstack(
        rx.select.root(
            rx.select.trigger(aria_label="Filter by workflow", min_width="180px"),
            rx.select.content(
                rx.select.item("All workflows", value=ALL),
                rx.foreach(WebhooksState.workflows, item),
            ),
            value=WebhooksState.workflow_filter,
            on_change=WebhooksState.set_workflow_filter,
        ),
        rx.cond(
            WebhooksState.filtered,
            rx.button(
                rx.icon("x", size=14),
                "Clear",
                variant="ghost",
                color_scheme="gray",
                on_click=WebhooksState.set_workflow_filter(ALL),
            ),
        ),
        align="center",
        spacing="3",
        margin_bottom="16px",
    )


def _last_call(row: WebhookRow) -> rx.Component:
    return rx.cond(
        row.last_called_at != "",
        rx.hstack(
            status_code_badge(row.last_status),
            rx.moment(row.last_called_at, from_now=True, font_size="12px", white_space="nowrap"),
            spacing="2",
            align="center",
        ),
        rx.text("Never", size="1", color=rx.color("gray", 10)),
    )


def _row(row: WebhookRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.vstack(
                rx.text(row.name, size="2", weight="medium"),
                rx.link(
                    rx.hstack(
                        rx.icon("workflow", size=12), row.workflow_name, spacing="1", align="center"
                    ),
                    href=f"/workflows/{row.workflow_id}",
                    size="1",
                ),
                spacing="1",
            ),
            **CELL,
        ),
        rx.table.cell(url_field(row.url), min_width="200px", **CELL),
        rx.table.cell(mode_badge(row), **CELL),
        rx.table.cell(
            rx.switch(
                checked=row.enabled,
                on_change=lambda on: WebhooksState.set_enabled(row.id, on),
                disabled=~row.can_change,
                aria_label=f"Enabled: {row.name}",
                size="1",
            ),
            **CELL,
        ),
        rx.table.cell(
            rx.text(row.rate_limit, "/h", size="1", white_space="nowrap"),
            display=WIDE_ONLY,
            **CELL,
        ),
        rx.table.cell(_last_call(row), **CELL),
        rx.table.cell(
            rx.cond(
                row.can_change,
                rx.icon_button(
                    rx.icon("trash_2", size=14),
                    size="1",
                    variant="ghost",
                    color_scheme="red",
                    aria_label=f"Delete {row.name}",
                    on_click=WebhooksState.ask_delete(row.id, row.name),
                ),
            ),
            **CELL,
        ),
        class_name="fb-row",
        data_webhook=row.name,
    )


def _table() -> rx.Component:
    return rx.table.root(
        rx.table.header(
            rx.table.row(
                rx.table.column_header_cell("Webhook"),
                rx.table.column_header_cell("URL", width="34%"),
                rx.table.column_header_cell("Signature"),
                rx.table.column_header_cell("Enabled"),
                rx.table.column_header_cell("Rate limit", display=WIDE_ONLY),
                rx.table.column_header_cell("Last call"),
                rx.table.column_header_cell(rx.el.span("Actions", style=SR_ONLY)),
            ),
        ),
        rx.table.body(rx.foreach(WebhooksState.rows, _row)),
        variant="surface",
        width="100%",
    )


def _content() -> rx.Component:
    return rx.cond(
        WebhooksState.loading,
        rx.center(rx.spinner(size="3"), padding="64px"),
        rx.cond(
            WebhooksState.rows.length() > 0,
            _table(),
            empty_state(
                "webhook",
                "No webhooks yet",
                "Open a workflow, click Webhooks in its toolbar and create one: you get a "
                "signed URL that starts the workflow when a request reaches it.",
                rx.link(
                    rx.button(rx.icon("workflow", size=16), "Open a workflow", variant="soft"),
                    href="/workflows",
                ),
            ),
        ),
    )


def webhooks_page() -> rx.Component:
    """/webhooks: the webhooks of every workflow the user may see."""
    return page_layout(
        _filters(),
        _content(),
        confirm_dialog(
            open=WebhooksState.delete_open,
            on_open_change=WebhooksState.cancel_delete,
            title=f"Delete {WebhooksState.delete_name}?",
            description=(
                "Requests to its URL will be refused from now on, and its call log is "
                "deleted. Runs it started stay."
            ),
            confirm_label="Delete webhook",
            on_confirm=WebhooksState.confirm_delete,
        ),
        title="Webhooks",
        description="Signed URLs that start workflows. Times are in your browser's zone.",
    )
