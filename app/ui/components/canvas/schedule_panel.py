"""The editor's schedule panel: the workflow's schedules (sentence, next fire, last result,
pause/resume, edit, delete, fire history) and the add/edit form."""

from __future__ import annotations

import reflex as rx

from app.ui.components.canvas.schedule_form import schedule_form
from app.ui.components.canvas.side_panel import side_panel, side_panel_header
from app.ui.components.confirm_dialog import confirm_dialog
from app.ui.components.schedule_parts import enabled_badge, execution_link, fire_status_badge
from app.ui.state.editor_schedules_state import SchedulesPanelState as P
from app.ui.state.editor_state import EditorState as E
from app.ui.state.schedule_views import FireRow, ScheduleRow

REFRESH_MS = 5000
MUTED = {"size": "1", "color": rx.color("gray", 11)}


def _action(label: str, icon: str, **props: object) -> rx.Component:
    return rx.button(rx.icon(icon, size=12), label, size="1", variant="soft", **props)


def _fire(fire: FireRow) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text(fire.fire_time, size="1", weight="medium"),
            rx.spacer(),
            fire_status_badge(fire.status),
            execution_link(fire.execution_id),
            spacing="2",
            align="center",
            width="100%",
        ),
        rx.cond(
            fire.started != "",
            rx.text("Started ", fire.started, " · lag ", fire.lag, **MUTED),
        ),
        rx.cond(fire.reason != "", rx.text(fire.reason, **MUTED)),
        spacing="0",
        width="100%",
        padding="6px 8px",
        border_radius="6px",
        background=rx.color("gray", 2),
        data_testid="schedule-fire",
    )


def _history(row: ScheduleRow) -> rx.Component:
    return rx.cond(
        P.history_for == row.id,
        rx.vstack(
            rx.text("Latest fires", size="1", weight="bold", color=rx.color("gray", 11)),
            rx.cond(
                P.fires.length() > 0,
                rx.foreach(P.fires, _fire),
                rx.text("It has not fired yet.", **MUTED),
            ),
            spacing="1",
            width="100%",
            data_testid="schedule-history",
        ),
    )


def _controls(row: ScheduleRow) -> rx.Component:
    return rx.hstack(
        _action(
            "History",
            "list",
            color_scheme="gray",
            on_click=P.toggle_history(row.id),
            data_testid=f"schedule-history-{row.id}",
        ),
        rx.cond(
            E.can_change,
            rx.fragment(
                rx.cond(
                    row.enabled,
                    _action(
                        "Pause",
                        "pause",
                        color_scheme="gray",
                        on_click=P.set_enabled(row.id, False),
                        data_testid=f"schedule-pause-{row.id}",
                    ),
                    _action(
                        "Resume",
                        "play",
                        color_scheme="grass",
                        on_click=P.set_enabled(row.id, True),
                        data_testid=f"schedule-resume-{row.id}",
                    ),
                ),
                _action(
                    "Edit",
                    "pencil",
                    on_click=P.edit_schedule(row.id),
                    data_testid=f"schedule-edit-{row.id}",
                ),
                _action(
                    "Delete",
                    "trash_2",
                    color_scheme="red",
                    on_click=P.ask_delete(row.id, row.name),
                    data_testid=f"schedule-delete-{row.id}",
                ),
            ),
        ),
        spacing="1",
        wrap="wrap",
    )


def _schedule(row: ScheduleRow) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text(row.name, weight="bold", size="2", truncate=True, min_width="0"),
            rx.spacer(),
            enabled_badge(row.enabled),
            width="100%",
            align="center",
        ),
        rx.text(row.sentence, size="2"),
        rx.cond(
            row.enabled,
            rx.vstack(
                rx.text("Next: ", row.next_viewer, size="1"),
                rx.text(row.next_local, " · ", row.timezone, **MUTED),
                spacing="0",
            ),
        ),
        rx.hstack(
            rx.text("Last:", **MUTED),
            fire_status_badge(row.last_status),
            execution_link(row.last_execution_id),
            spacing="2",
            align="center",
        ),
        _controls(row),
        _history(row),
        spacing="2",
        width="100%",
        padding="10px 12px",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        data_testid=f"schedule-{row.id}",
        data_schedule_name=row.name,
    )


def _header() -> rx.Component:
    return side_panel_header(
        "calendar_clock",
        "Schedules",
        on_close=P.close_schedules,
        close_label="Close schedules",
        action=rx.cond(
            E.can_change & ~P.form_open,
            rx.button(
                rx.icon("plus", size=12),
                "Add schedule",
                size="1",
                on_click=P.new_schedule,
                data_testid="schedule-add",
            ),
        ),
    )


def _empty() -> rx.Component:
    return rx.cond(
        (P.schedules.length() == 0) & ~P.form_open,
        rx.text(
            rx.cond(
                E.can_change,
                "No schedules yet. Add one to run this workflow on a cron, in any timezone.",
                "This workflow has no schedules.",
            ),
            **MUTED,
            padding="8px 12px",
        ),
    )


def schedule_panel() -> rx.Component:
    """The right-hand schedule panel (toggled from the toolbar)."""
    return rx.cond(
        P.schedules_open,
        side_panel(
            rx.vstack(
                _header(),
                rx.cond(
                    P.panel_error != "",
                    rx.callout(P.panel_error, color_scheme="red", size="1", margin_x="12px"),
                ),
                schedule_form(),
                _empty(),
                rx.vstack(rx.foreach(P.schedules, _schedule), spacing="0", width="100%"),
                rx.moment(interval=REFRESH_MS, format="HH:mm:ss", on_change=P.tick, display="none"),
                spacing="2",
                width="100%",
            ),
            test_id="schedule-panel",
        ),
    )


def schedule_delete_dialog() -> rx.Component:
    """Asks before deleting a schedule."""
    return confirm_dialog(
        open=P.delete_open,
        on_open_change=P.cancel_delete,
        title=f"Delete {P.delete_name}?",
        description="The schedule stops firing and its fire history is deleted. "
        "Executions it started are kept.",
        confirm_label="Delete schedule",
        on_confirm=P.confirm_delete,
    )


def schedules_button() -> rx.Component:
    """The toolbar's button that opens the panel."""
    return rx.button(
        rx.icon("calendar_clock", size=14),
        rx.text("Schedules", display=rx.breakpoints(initial="none", lg="inline")),
        variant=rx.cond(P.schedules_open, "soft", "ghost"),
        color_scheme="gray",
        size="2",
        on_click=P.toggle_schedules,
        aria_label="Schedules",
        title="Schedules",
        data_testid="schedules-button",
    )
