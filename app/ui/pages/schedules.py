"""The schedules page: every schedule the user may see, with filters, pause/resume, delete
and the self-check's alert."""

from __future__ import annotations

import reflex as rx

from app.ui.components.confirm_dialog import confirm_dialog
from app.ui.components.empty_state import empty_state
from app.ui.components.page_layout import WIDE_ONLY, page_layout
from app.ui.components.pagination import pagination
from app.ui.components.schedule_alerts import schedule_alerts
from app.ui.components.schedule_parts import enabled_badge, execution_link, fire_status_badge
from app.ui.state.schedule_views import ScheduleRow
from app.ui.state.schedules_state import STATE_FILTERS, SchedulesState, WorkflowChoice

S = SchedulesState
CELL = {"vertical_align": "middle"}
REFRESH_MS = 5000
MUTED = {"size": "1", "color": rx.color("gray", 11)}


def _schedule_cell(row: ScheduleRow) -> rx.Component:
    return rx.vstack(
        rx.text(row.name, size="2", weight="medium"),
        rx.text(row.sentence, size="2", color=rx.color("gray", 12)),
        rx.code(row.cron, size="1", variant="ghost", color=rx.color("gray", 11)),
        spacing="1",
        min_width="0",
    )


def _next_cell(row: ScheduleRow) -> rx.Component:
    return rx.cond(
        row.enabled,
        rx.vstack(
            rx.text(row.next_viewer, size="2", white_space="nowrap", data_testid="next-viewer"),
            rx.text(row.next_local, " · ", row.timezone, **MUTED),
            spacing="0",
        ),
        enabled_badge(row.enabled),
    )


def _last_cell(row: ScheduleRow) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            fire_status_badge(row.last_status),
            execution_link(row.last_execution_id),
            align="center",
            spacing="2",
        ),
        rx.cond(
            row.last_at != "",
            rx.text(rx.moment(row.last_at, from_now=True, interval=15_000), **MUTED),
        ),
        spacing="1",
    )


def _icon_action(icon: str, label: str, **props: object) -> rx.Component:
    return rx.tooltip(
        rx.icon_button(rx.icon(icon, size=13), size="1", variant="soft", aria_label=label, **props),
        content=label,
    )


def _actions(row: ScheduleRow) -> rx.Component:
    return rx.cond(
        row.can_change,
        rx.hstack(
            rx.cond(
                row.enabled,
                _icon_action(
                    "pause",
                    "Pause",
                    color_scheme="gray",
                    on_click=S.set_enabled(row.id, False),
                    data_testid=f"pause-{row.id}",
                ),
                _icon_action(
                    "play",
                    "Resume",
                    color_scheme="grass",
                    on_click=S.set_enabled(row.id, True),
                    data_testid=f"resume-{row.id}",
                ),
            ),
            _icon_action(
                "trash_2",
                "Delete",
                color_scheme="red",
                on_click=S.ask_delete(row.id, row.name),
                data_testid=f"delete-{row.id}",
            ),
            spacing="2",
            justify="end",
        ),
    )


def _row(row: ScheduleRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(_schedule_cell(row), **CELL),
        rx.table.cell(
            rx.link(
                row.workflow_name,
                href=f"/workflows/{row.workflow_id}",
                size="2",
                weight="medium",
            ),
            **CELL,
        ),
        rx.table.cell(_next_cell(row), **CELL),
        rx.table.cell(_last_cell(row), **CELL),
        rx.table.cell(rx.text(row.owner, size="2"), display=WIDE_ONLY, **CELL),
        rx.table.cell(_actions(row), text_align="right", **CELL),
        class_name="fb-row",
        data_schedule=row.id,
        data_testid="schedule-row",
    )


def _table() -> rx.Component:
    return rx.vstack(
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    rx.table.column_header_cell("Schedule"),
                    rx.table.column_header_cell("Workflow"),
                    rx.table.column_header_cell(
                        rx.text("Next fire ", rx.text(f"({S.viewer_label})", as_="span", **MUTED))
                    ),
                    rx.table.column_header_cell("Last result"),
                    rx.table.column_header_cell("Owner", display=WIDE_ONLY),
                    rx.table.column_header_cell("", width="80px"),
                ),
            ),
            rx.table.body(rx.foreach(S.rows, _row)),
            variant="surface",
            width="100%",
        ),
        pagination(S),
        width="100%",
        spacing="0",
    )


def _workflow_item(choice: WorkflowChoice) -> rx.Component:
    return rx.select.item(choice.label, value=choice.value)


def _filters() -> rx.Component:
    return rx.flex(
        rx.select.root(
            rx.select.trigger(
                aria_label="Filter by workflow", min_width="180px", max_width="260px"
            ),
            rx.select.content(
                rx.select.item("All workflows", value="all"),
                rx.foreach(S.workflows, _workflow_item),
            ),
            value=S.workflow_value,
            on_change=S.set_workflow_filter,
        ),
        rx.segmented_control.root(
            *[
                rx.segmented_control.item(value.capitalize(), value=value)
                for value in STATE_FILTERS
            ],
            value=S.state_filter,
            on_change=S.set_state_filter,
            aria_label="Filter by state",
        ),
        rx.cond(
            S.filtered,
            rx.button(
                rx.icon("x", size=14),
                "Clear",
                variant="ghost",
                color_scheme="gray",
                on_click=S.clear_filters,
            ),
        ),
        wrap="wrap",
        gap="12px",
        align="center",
        width="100%",
        margin_bottom="16px",
    )


def _content() -> rx.Component:
    return rx.cond(
        S.loading,
        rx.center(rx.spinner(size="3"), padding="64px"),
        rx.cond(
            S.total > 0,
            _table(),
            rx.cond(
                S.filtered,
                empty_state(
                    "filter",
                    "No schedules match",
                    "No schedule has this workflow and state.",
                    rx.button("Show all", variant="soft", on_click=S.clear_filters),
                ),
                empty_state(
                    "calendar_clock",
                    "No schedules yet",
                    "Open a workflow, click Schedules in its toolbar and pick when it should "
                    "run: every hour, daily at 9:00, or any cron expression in your timezone.",
                    rx.link(rx.button(rx.icon("workflow", size=16), "Go to workflows"), href="/"),
                ),
            ),
        ),
    )


def schedules_page() -> rx.Component:
    """Every schedule of the workflows the user may see, soonest next fire first."""
    return page_layout(
        schedule_alerts(S.alerts),
        _filters(),
        _content(),
        confirm_dialog(
            open=S.delete_open,
            on_open_change=S.cancel_delete,
            title=f"Delete {S.delete_name}?",
            description="The schedule stops firing and its fire history is deleted. "
            "Executions it started are kept.",
            confirm_label="Delete schedule",
            on_confirm=S.confirm_delete,
        ),
        rx.moment(interval=REFRESH_MS, format="HH:mm:ss", on_change=S.tick, display="none"),
        title="Schedules",
        description="Workflows that run on a cron, in any timezone.",
        actions=[
            rx.button(
                rx.icon("refresh_cw", size=15),
                "Refresh",
                variant="soft",
                color_scheme="gray",
                on_click=S.tick(""),
            )
        ],
    )
