"""The audit page (owner and admins): every change, newest first, with filters and paging."""

from __future__ import annotations

import reflex as rx
from reflex_base.event import EventType

from app.ui.components.empty_state import empty_state
from app.ui.components.page_layout import WIDE_ONLY, page_layout
from app.ui.components.pagination import pagination
from app.ui.state.audit_state import ALL, AuditRow, AuditState, Choice

CELL = {"vertical_align": "middle", "font_size": "13px"}


def _select(
    label: str,
    everything: str,
    options: rx.Var[list[str]] | rx.Var[list[Choice]],
    value: rx.Var[str],
    on_change: EventType[str],
    *,
    choices: bool = False,
) -> rx.Component:
    def item(option: rx.Var) -> rx.Component:
        if choices:
            return rx.select.item(option.label, value=option.value)
        return rx.select.item(option, value=option)

    return rx.select.root(
        rx.select.trigger(aria_label=label, min_width="150px", max_width="220px"),
        rx.select.content(rx.select.item(everything, value=ALL), rx.foreach(options, item)),
        value=value,
        on_change=on_change,
        size="2",
    )


def _date(label: str, value: rx.Var[str], on_change: EventType[str]) -> rx.Component:
    return rx.hstack(
        rx.text(label, size="2", color=rx.color("gray", 11)),
        rx.input(
            type="date",
            value=value,
            on_change=on_change,
            aria_label=f"{label} date",
            width="150px",
        ),
        align="center",
        spacing="2",
    )


def _filters() -> rx.Component:
    return rx.flex(
        _select(
            "Filter by actor",
            "All actors",
            AuditState.actors,
            AuditState.actor_filter,
            AuditState.set_actor_filter,
            choices=True,
        ),
        _select(
            "Filter by action",
            "All actions",
            AuditState.actions,
            AuditState.action_filter,
            AuditState.set_action_filter,
        ),
        _select(
            "Filter by object type",
            "All objects",
            AuditState.object_types,
            AuditState.object_filter,
            AuditState.set_object_filter,
        ),
        rx.hstack(
            _date("From", AuditState.since, AuditState.set_since),
            _date("To", AuditState.until, AuditState.set_until),
            spacing="3",
        ),
        rx.cond(
            AuditState.filtered,
            rx.button(
                rx.icon("x", size=14),
                "Clear",
                variant="ghost",
                color_scheme="gray",
                on_click=AuditState.clear_filters,
            ),
        ),
        wrap="wrap",
        gap="12px",
        align="center",
        width="100%",
        margin_bottom="16px",
    )


def _row(row: AuditRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.vstack(
                rx.moment(row.at, format="YYYY-MM-DD"),
                rx.moment(row.at, format="HH:mm:ss", color=rx.color("gray", 10)),
                spacing="0",
            ),
            white_space="nowrap",
            **CELL,
        ),
        rx.table.cell(
            rx.text(row.actor, size="2", overflow_wrap="anywhere"),
            min_width="150px",
            max_width="220px",
            **CELL,
        ),
        rx.table.cell(rx.code(row.action, size="1", variant="soft"), **CELL),
        rx.table.cell(rx.text(row.object, size="2", white_space="nowrap"), **CELL),
        rx.table.cell(
            rx.text(row.detail, size="1", class_name="fb-mono", overflow_wrap="anywhere"),
            **CELL,
        ),
        rx.table.cell(
            rx.text(row.ip, size="1", color=rx.color("gray", 11)), display=WIDE_ONLY, **CELL
        ),
        class_name="fb-row",
        data_action=row.action,
    )


def _table() -> rx.Component:
    return rx.vstack(
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    rx.table.column_header_cell("When", width="110px"),
                    rx.table.column_header_cell("Actor"),
                    rx.table.column_header_cell("Action"),
                    rx.table.column_header_cell("Object"),
                    rx.table.column_header_cell("Change", width="32%"),
                    rx.table.column_header_cell("Address", width="120px", display=WIDE_ONLY),
                ),
            ),
            rx.table.body(rx.foreach(AuditState.rows, _row)),
            variant="surface",
            width="100%",
        ),
        pagination(AuditState),
        width="100%",
        spacing="0",
    )


def _content() -> rx.Component:
    return rx.cond(
        AuditState.loading,
        rx.center(rx.spinner(size="3"), padding="64px"),
        rx.cond(
            AuditState.total > 0,
            _table(),
            rx.cond(
                AuditState.filtered,
                empty_state(
                    "search",
                    "No matching events",
                    "Nothing in the log matches these filters.",
                    rx.button("Clear filters", variant="soft", on_click=AuditState.clear_filters),
                ),
                empty_state(
                    "scroll_text",
                    "No events yet",
                    "Logins, changes, runs, invitations and key changes appear here as they "
                    "happen.",
                ),
            ),
        ),
    )


def audit_page() -> rx.Component:
    """/audit: the audit log, for the owner and admins."""
    return page_layout(
        _filters(),
        _content(),
        title="Audit log",
        description="Who did what, when and from where. Times are in your browser's zone.",
        admin_only=True,
    )
