"""The executions page: status filter, table of runs, pagination, live refresh."""

from __future__ import annotations

import reflex as rx
from reflex_base.event import EventType

from app.ui.components.empty_state import empty_state
from app.ui.components.live_indicator import live_indicator
from app.ui.components.mock_badge import mock_badge
from app.ui.components.page_layout import WIDE_ONLY, page_layout
from app.ui.components.pagination import pagination
from app.ui.components.status_badge import status_badge
from app.ui.state.executions_state import STATUS_FILTERS, ExecutionRow, ExecutionsState

TRIGGER_ICONS = {"manual": "mouse_pointer_click", "webhook": "webhook", "schedule": "clock"}


def ticker(on_tick: EventType[str]) -> rx.Component:
    """An invisible clock that fires `on_tick` every second while the page is open."""
    return rx.moment(interval=1000, format="HH:mm:ss", on_change=on_tick, display="none")


def trigger_label(trigger: rx.Var[str]) -> rx.Component:
    """The trigger of a run with its icon."""
    icon = rx.match(
        trigger,
        *[(name, rx.icon(icon, size=13)) for name, icon in TRIGGER_ICONS.items()],
        rx.icon("zap", size=13),
    )
    return rx.hstack(
        icon,
        rx.text(trigger, size="2"),
        align="center",
        spacing="1",
        color=rx.color("gray", 11),
    )


def _row(row: ExecutionRow) -> rx.Component:
    href = f"/executions/{row.id}"
    return rx.table.row(
        rx.table.cell(
            rx.link(f"#{row.id}", href=href, weight="medium", class_name="fb-mono", size="2"),
        ),
        rx.table.cell(
            rx.hstack(
                rx.text(
                    row.workflow_name,
                    size="2",
                    weight="medium",
                    color=rx.color("gray", 12),
                    white_space="nowrap",
                    overflow="hidden",
                    text_overflow="ellipsis",
                    min_width="0",
                ),
                rx.cond(row.uses_mock, mock_badge()),
                align="center",
                spacing="2",
                min_width="0",
            ),
            max_width="0",
            width="100%",
        ),
        rx.table.cell(status_badge(row.status)),
        rx.table.cell(trigger_label(row.trigger), display=WIDE_ONLY),
        rx.table.cell(
            rx.moment(row.created_at, from_now=True, interval=15_000),
            color=rx.color("gray", 11),
            font_size="13px",
            white_space="nowrap",
        ),
        rx.table.cell(
            rx.text(row.duration, size="2", class_name="fb-mono", color=rx.color("gray", 11)),
            text_align="right",
        ),
        rx.table.cell(
            rx.cond(
                row.can_cancel
                & ((row.status == "queued") | (row.status == "running") | (row.status == "paused")),
                rx.tooltip(
                    rx.icon_button(
                        rx.icon("square", size=12),
                        size="1",
                        variant="soft",
                        color_scheme="red",
                        on_click=ExecutionsState.cancel(row.id).stop_propagation,
                        aria_label="Cancel execution",
                    ),
                    content="Cancel",
                ),
            ),
            text_align="right",
        ),
        on_click=rx.redirect(href),
        class_name="fb-row fb-row-link",
        data_status=row.status,
        data_execution=row.id,
    )


def _table() -> rx.Component:
    return rx.vstack(
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    rx.table.column_header_cell("Execution", width="110px"),
                    rx.table.column_header_cell("Workflow"),
                    rx.table.column_header_cell("Status", width="140px"),
                    rx.table.column_header_cell("Trigger", width="130px", display=WIDE_ONLY),
                    rx.table.column_header_cell("Started", width="160px"),
                    rx.table.column_header_cell("Duration", width="110px", text_align="right"),
                    rx.table.column_header_cell("", width="56px"),
                ),
            ),
            rx.table.body(rx.foreach(ExecutionsState.rows, _row)),
            variant="surface",
            width="100%",
        ),
        pagination(ExecutionsState),
        width="100%",
        spacing="0",
    )


def _filters() -> rx.Component:
    return rx.hstack(
        rx.segmented_control.root(
            *[
                rx.segmented_control.item(value.capitalize(), value=value)
                for value in STATUS_FILTERS
            ],
            value=ExecutionsState.status_filter,
            on_change=ExecutionsState.set_status_filter,
            # Eight statuses do not fit beside the sidebar at size 2 below 1280 px.
            size=rx.breakpoints(initial="1", xl="2"),
            aria_label="Filter by status",
        ),
        rx.cond(
            ExecutionsState.workflow_filter > 0,
            rx.badge(
                rx.icon("workflow", size=12),
                rx.text(
                    rx.cond(
                        ExecutionsState.workflow_filter_name != "",
                        ExecutionsState.workflow_filter_name,
                        f"Workflow #{ExecutionsState.workflow_filter}",
                    ),
                    as_="span",
                    max_width="220px",
                    overflow="hidden",
                    text_overflow="ellipsis",
                    white_space="nowrap",
                ),
                rx.icon(
                    "x", size=12, cursor="pointer", on_click=ExecutionsState.clear_workflow_filter
                ),
                size="2",
                variant="soft",
                radius="full",
                data_testid="workflow-filter",
            ),
        ),
        rx.spacer(),
        rx.cond(
            ExecutionsState.has_active,
            live_indicator(),
        ),
        width="100%",
        align="center",
        spacing="3",
        # A long workflow name moves the chip under the status filter instead of overflowing.
        flex_wrap="wrap",
        margin_bottom="16px",
    )


def _content() -> rx.Component:
    return rx.cond(
        ExecutionsState.loading,
        rx.center(rx.spinner(size="3"), padding="64px"),
        rx.cond(
            ExecutionsState.total > 0,
            _table(),
            rx.cond(
                (ExecutionsState.status_filter != "all") | (ExecutionsState.workflow_filter > 0),
                empty_state(
                    "filter",
                    "No executions match",
                    "Nothing has run with this filter yet. Try another status.",
                    rx.button(
                        "Show all",
                        variant="soft",
                        on_click=ExecutionsState.set_status_filter("all"),
                    ),
                ),
                empty_state(
                    "history",
                    "No executions yet",
                    "Run a workflow and every run shows up here, with each node's input "
                    "and output.",
                    rx.link(rx.button(rx.icon("workflow", size=16), "Go to workflows"), href="/"),
                ),
            ),
        ),
    )


def executions_page() -> rx.Component:
    """Every execution, newest first."""
    return page_layout(
        _filters(),
        _content(),
        ticker(ExecutionsState.tick),
        title="Executions",
        description="Every run of every workflow, newest first.",
        actions=[
            rx.button(
                rx.icon("refresh_cw", size=15),
                "Refresh",
                variant="soft",
                color_scheme="gray",
                on_click=ExecutionsState.refresh,
            )
        ],
    )
