"""The orchestrations page: search, table (strategy, agents, last run), delete with undo."""

from __future__ import annotations

import reflex as rx

from app.ui.components.confirm_dialog import confirm_dialog
from app.ui.components.empty_state import empty_state
from app.ui.components.page_layout import WIDE_ONLY, page_layout
from app.ui.components.pagination import pagination
from app.ui.components.status_badge import status_badge
from app.ui.state.orchestrations_state import OrchestrationRow, OrchestrationsState

STRATEGY_ICONS = {"sequential": "list_ordered", "parallel": "split", "consensus": "vote"}


def new_orchestration_button() -> rx.Component:
    """The primary action: open the empty form."""
    return rx.link(
        rx.button(rx.icon("plus", size=16), "New orchestration"),
        href="/orchestrations/new",
    )


def strategy_icon(strategy: rx.Var[str], size: int = 14) -> rx.Component:
    """The icon of a strategy."""
    return rx.match(
        strategy,
        *[(name, rx.icon(icon, size=size)) for name, icon in STRATEGY_ICONS.items()],
        rx.icon("network", size=size),
    )


def _row_menu(row: OrchestrationRow) -> rx.Component:
    return rx.dropdown_menu.root(
        rx.dropdown_menu.trigger(
            rx.icon_button(
                rx.icon("ellipsis", size=16),
                variant="ghost",
                color_scheme="gray",
                aria_label="More actions",
            ),
        ),
        rx.dropdown_menu.content(
            rx.dropdown_menu.item(
                rx.icon("history", size=14),
                "All executions",
                on_select=rx.redirect(f"/executions?workflow={row.id}"),
            ),
            rx.dropdown_menu.separator(),
            rx.dropdown_menu.item(
                rx.icon("trash_2", size=14),
                "Delete",
                color="red",
                on_select=OrchestrationsState.ask_delete(row.id, row.name),
                disabled=~row.can_delete,
            ),
            align="end",
        ),
    )


def _name_cell(row: OrchestrationRow) -> rx.Component:
    return rx.hstack(
        rx.center(
            strategy_icon(row.strategy, 16),
            width="32px",
            height="32px",
            min_width="32px",
            border_radius="8px",
            background=rx.color("accent", 3),
            color=rx.color("accent", 11),
        ),
        rx.vstack(
            rx.link(
                row.name,
                href=f"/orchestrations/{row.id}",
                weight="medium",
                color=rx.color("gray", 12),
                size="2",
                white_space="nowrap",
                overflow="hidden",
                text_overflow="ellipsis",
                max_width="100%",
            ),
            rx.text(
                rx.cond(row.description != "", row.description, row.models),
                size="1",
                color=rx.color("gray", 10),
                max_width="100%",
                white_space="nowrap",
                overflow="hidden",
                text_overflow="ellipsis",
            ),
            spacing="0",
            min_width="0",
            flex="1",
        ),
        align="center",
        spacing="3",
        min_width="0",
    )


def _row(row: OrchestrationRow) -> rx.Component:
    return rx.table.row(
        # The name column takes the room left and truncates (see the workflows table).
        rx.table.cell(_name_cell(row), max_width="0", width="100%"),
        rx.table.cell(
            rx.vstack(
                rx.text(row.strategy_name, size="2", color=rx.color("gray", 12)),
                rx.cond(
                    row.voting != "",
                    rx.text(row.voting, size="1", color=rx.color("gray", 10)),
                ),
                spacing="0",
            ),
            vertical_align="middle",
        ),
        rx.table.cell(
            rx.tooltip(
                rx.badge(
                    rx.icon("bot", size=12),
                    rx.cond(row.agent_count == 1, "1 agent", f"{row.agent_count} agents"),
                    variant="surface",
                    color_scheme="gray",
                ),
                content=row.models,
            ),
            vertical_align="middle",
        ),
        rx.table.cell(
            rx.cond(
                row.last_run_id > 0,
                rx.vstack(
                    rx.link(
                        status_badge(row.last_run_status),
                        href=f"/executions/{row.last_run_id}",
                        underline="none",
                    ),
                    rx.moment(row.last_run_at, from_now=True, interval=30_000),
                    align="start",
                    spacing="1",
                    color=rx.color("gray", 10),
                    font_size="12px",
                ),
                rx.text("Never run", size="1", color=rx.color("gray", 9)),
            ),
            vertical_align="middle",
        ),
        rx.table.cell(
            rx.moment(row.created_at, format="MMM D, YYYY"),
            color=rx.color("gray", 11),
            font_size="13px",
            vertical_align="middle",
            white_space="nowrap",
            display=WIDE_ONLY,
        ),
        rx.table.cell(
            rx.hstack(
                rx.link(
                    rx.button("Open", rx.icon("arrow_right", size=14), size="1", variant="soft"),
                    href=f"/orchestrations/{row.id}",
                ),
                _row_menu(row),
                spacing="2",
                justify="end",
                align="center",
            ),
            vertical_align="middle",
        ),
        class_name="fb-row",
        data_orchestration=row.name,
    )


def _table() -> rx.Component:
    s = OrchestrationsState
    return rx.vstack(
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    rx.table.column_header_cell("Name"),
                    rx.table.column_header_cell("Strategy", width="150px"),
                    rx.table.column_header_cell("Agents", width="110px"),
                    rx.table.column_header_cell("Last run", width="160px"),
                    rx.table.column_header_cell("Created", width="130px", display=WIDE_ONLY),
                    rx.table.column_header_cell("", width="120px"),
                ),
            ),
            rx.table.body(rx.foreach(s.rows, _row)),
            variant="surface",
            width="100%",
        ),
        pagination(s),
        width="100%",
        spacing="0",
    )


def _content() -> rx.Component:
    s = OrchestrationsState
    return rx.cond(
        s.loading,
        rx.center(rx.spinner(size="3"), padding="64px"),
        rx.cond(
            s.total > 0,
            _table(),
            rx.cond(
                s.search != "",
                empty_state("search", "No matching orchestrations", "Nothing matches your search."),
                empty_state(
                    "network",
                    "No orchestrations yet",
                    "Put several LLM agents on one question: in a chain, side by side, or "
                    "voting on the best answer. It runs offline on the mock provider.",
                    new_orchestration_button(),
                ),
            ),
        ),
    )


def _toolbar() -> rx.Component:
    s = OrchestrationsState
    return rx.hstack(
        rx.input(
            rx.input.slot(rx.icon("search", size=15)),
            placeholder="Search orchestrations…",
            on_change=s.set_search.debounce(250),
            width="320px",
            aria_label="Search orchestrations",
        ),
        rx.spacer(),
        rx.text(
            rx.cond(s.total == 1, "1 orchestration", f"{s.total} orchestrations"),
            size="2",
            color=rx.color("gray", 10),
        ),
        width="100%",
        align="center",
        margin_bottom="16px",
    )


def orchestrations_page() -> rx.Component:
    """Every multi-agent orchestration."""
    s = OrchestrationsState
    return page_layout(
        _toolbar(),
        _content(),
        confirm_dialog(
            open=s.delete_open,
            on_open_change=s.set_delete_open,
            title="Delete orchestration?",
            description=f"“{s.delete_name}” will be moved to the trash. Its runs are kept.",
            confirm_label="Delete",
            on_confirm=s.confirm_delete,
        ),
        title="Orchestrations",
        description="Teams of LLM agents: sequential, parallel or voting on one answer.",
        actions=[new_orchestration_button()],
    )
