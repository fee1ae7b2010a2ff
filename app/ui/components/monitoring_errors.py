"""The monitoring page's recent errors: one expandable row per error group."""

from __future__ import annotations

import reflex as rx

from app.ui.components.empty_state import empty_state
from app.ui.state.monitoring_state import MonitoringState
from app.ui.state.monitoring_views import ErrorEventRow, ErrorGroupRow

# source -> color scheme of its badge
SOURCE_COLORS = {
    "node": "orange",
    "execution": "red",
    "api": "purple",
    "scheduler": "blue",
    "webhook": "cyan",
    "llm": "amber",
}


def _when(value: rx.Var[str]) -> rx.Component:
    return rx.tooltip(
        rx.text(rx.moment(value, from_now=True, interval=30_000), size="1"),
        content=value,
    )


def _execution_link(execution_id: rx.Var[int]) -> rx.Component:
    return rx.cond(
        execution_id > 0,
        rx.link(
            rx.hstack(
                rx.icon("external_link", size=13),
                rx.text("Execution #", execution_id, size="2"),
                align="center",
                spacing="1",
            ),
            href=f"/executions/{execution_id}",
            class_name="fb-mono",
        ),
    )


def _block(label: str, text: rx.Var[str], test_id: str) -> rx.Component:
    return rx.cond(
        text != "",
        rx.vstack(
            rx.text(label, size="1", weight="bold", color=rx.color("gray", 11)),
            rx.el.pre(text, class_name="fb-json", max_height="320px", width="100%"),
            spacing="1",
            width="100%",
            data_testid=test_id,
        ),
    )


def _occurrence(event: ErrorEventRow) -> rx.Component:
    return rx.hstack(
        _when(event.at),
        rx.text(
            event.message,
            size="1",
            color=rx.color("gray", 11),
            flex="1",
            min_width="0",
            overflow="hidden",
            text_overflow="ellipsis",
            white_space="nowrap",
            title=event.message,
        ),
        _execution_link(event.execution_id),
        align="center",
        spacing="3",
        width="100%",
        padding_y="4px",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
    )


def _occurrences(group: ErrorGroupRow) -> rx.Component:
    m = MonitoringState
    return rx.cond(
        m.events_group_id == group.id,
        rx.vstack(
            rx.hstack(
                rx.text("Latest occurrences", size="1", weight="bold", color=rx.color("gray", 11)),
                rx.spacer(),
                rx.button("Hide", size="1", variant="ghost", on_click=m.hide_error_events),
                width="100%",
                align="center",
            ),
            rx.foreach(m.error_events, _occurrence),
            spacing="1",
            width="100%",
        ),
        rx.button(
            rx.icon("list", size=14),
            "Show latest occurrences",
            size="1",
            variant="soft",
            color_scheme="gray",
            on_click=m.show_error_events(group.id),
        ),
    )


def _summary(group: ErrorGroupRow) -> rx.Component:
    return rx.el.summary(
        rx.hstack(
            rx.icon("chevron_right", size=16, class_name="fb-chevron", color=rx.color("gray", 9)),
            rx.badge(
                group.source,
                color_scheme=rx.match(group.source, *SOURCE_COLORS.items(), "gray"),
                variant="soft",
            ),
            rx.vstack(
                rx.text(group.error_type, size="2", weight="bold", class_name="fb-mono"),
                rx.text(
                    group.message,
                    size="2",
                    color=rx.color("gray", 11),
                    overflow="hidden",
                    text_overflow="ellipsis",
                    white_space="nowrap",
                    max_width="100%",
                    title=group.message,
                ),
                spacing="0",
                flex="1",
                min_width="0",
            ),
            rx.badge(
                rx.cond(group.count == 1, "once", rx.text(group.count, " times")),
                color_scheme="gray",
                variant="surface",
                title="Occurrences",
            ),
            rx.box(_when(group.last_seen), min_width="90px", text_align="right"),
            align="center",
            spacing="3",
            width="100%",
        ),
        padding="10px 14px",
    )


def _group(group: ErrorGroupRow) -> rx.Component:
    return rx.el.details(
        _summary(group),
        rx.vstack(
            rx.hstack(
                rx.text("First seen ", size="1", color=rx.color("gray", 11)),
                _when(group.first_seen),
                rx.cond(
                    group.node_id != "",
                    rx.text("· node ", group.node_id, size="1", class_name="fb-mono"),
                ),
                rx.spacer(),
                _execution_link(group.execution_id),
                align="center",
                spacing="2",
                width="100%",
            ),
            _block("Stack trace", group.stack, "error-stack"),
            _block("Context", group.context, "error-context"),
            _occurrences(group),
            spacing="3",
            width="100%",
            padding="4px 14px 14px 42px",
        ),
        class_name="fb-run",
        width="100%",
        border=f"1px solid {rx.color('gray', 5)}",
        border_radius="10px",
        background=rx.color("gray", 1),
        data_error_group=group.id,
    )


def recent_errors() -> rx.Component:
    """The recent error groups, newest first; each opens to its stack trace and context."""
    m = MonitoringState
    return rx.cond(
        m.errors.length() > 0,
        rx.vstack(rx.foreach(m.errors, _group), spacing="2", width="100%"),
        empty_state(
            "bug_off",
            "No errors recorded",
            "Failed runs and nodes, API, scheduler and webhook errors are grouped here by "
            "kind, with how often they happened and the stack trace of the latest.",
            compact=True,
        ),
    )
