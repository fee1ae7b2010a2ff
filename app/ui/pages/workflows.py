"""The workflows page: search, table with actions, dialogs, pagination, empty states."""

from __future__ import annotations

import reflex as rx

from app.ui.components.confirm_dialog import confirm_dialog
from app.ui.components.empty_state import empty_state
from app.ui.components.page_layout import page_layout
from app.ui.components.pagination import pagination
from app.ui.components.share_dialog import share_dialog
from app.ui.components.workflow_dialogs import create_dialog, rename_dialog
from app.ui.state.share_state import ShareState
from app.ui.state.workflows_state import WorkflowRow, WorkflowsState

CANNOT_RUN = "Shared with you as viewer: you can look at it, not run it"


def _new_button() -> rx.Component:
    return rx.button(
        rx.icon("plus", size=16),
        "New workflow",
        on_click=WorkflowsState.set_create_open(True),
    )


def _row_menu(row: WorkflowRow) -> rx.Component:
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
                rx.icon("pencil", size=14),
                "Rename",
                on_select=WorkflowsState.open_rename(row.id, row.name),
                disabled=~row.can_change,
            ),
            rx.cond(
                row.can_share,
                rx.dropdown_menu.item(
                    rx.icon("user_plus", size=14),
                    "Share",
                    on_select=ShareState.open_share(row.id, row.name),
                ),
            ),
            rx.dropdown_menu.item(
                rx.icon("copy", size=14),
                "Duplicate",
                on_select=WorkflowsState.duplicate(row.id),
            ),
            rx.dropdown_menu.item(
                rx.icon("history", size=14),
                "Executions",
                on_select=rx.redirect(f"/executions?workflow={row.id}"),
            ),
            rx.dropdown_menu.separator(),
            rx.dropdown_menu.item(
                rx.icon("trash_2", size=14),
                "Delete",
                color="red",
                on_select=WorkflowsState.ask_delete(row.id, row.name),
                disabled=~row.can_delete,
            ),
            align="end",
        ),
    )


def _run_button(row: WorkflowRow) -> rx.Component:
    button = rx.button(
        rx.icon("play", size=14),
        "Run",
        size="1",
        variant="soft",
        on_click=WorkflowsState.run(row.id),
        disabled=~row.can_run,
    )
    # A disabled button gets no pointer events: the tooltip sits on a wrapper.
    return rx.cond(row.can_run, button, rx.tooltip(rx.box(button, tab_index=0), content=CANNOT_RUN))


def _row(row: WorkflowRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.hstack(
                rx.center(
                    rx.icon("workflow", size=16, color=rx.color("accent", 11)),
                    width="32px",
                    height="32px",
                    min_width="32px",
                    border_radius="8px",
                    background=rx.color("accent", 3),
                ),
                rx.vstack(
                    rx.link(
                        row.name,
                        href=f"/workflows/{row.id}",
                        weight="medium",
                        color=rx.color("gray", 12),
                        size="2",
                        white_space="nowrap",
                        overflow="hidden",
                        text_overflow="ellipsis",
                        max_width="100%",
                        class_name="fb-workflow-name",
                    ),
                    rx.text(
                        rx.cond(row.description != "", row.description, "No description"),
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
            ),
            # With no width of its own, the name column takes the room the others leave
            # and its text is cut with an ellipsis instead of pushing the actions out.
            max_width="0",
            width="100%",
        ),
        rx.table.cell(
            rx.hstack(
                rx.badge(f"{row.node_count} nodes", variant="surface", color_scheme="gray"),
                rx.cond(
                    ~row.can_change,
                    rx.badge("View only", variant="soft", color_scheme="blue"),
                ),
                spacing="1",
                wrap="wrap",
            ),
            vertical_align="middle",
        ),
        rx.table.cell(
            rx.moment(row.updated_at, from_now=True, interval=30_000),
            color=rx.color("gray", 11),
            font_size="13px",
            vertical_align="middle",
            white_space="nowrap",
        ),
        rx.table.cell(
            rx.hstack(
                _run_button(row),
                _row_menu(row),
                spacing="2",
                justify="end",
                align="center",
            ),
            vertical_align="middle",
        ),
        class_name="fb-row",
        data_workflow=row.name,
    )


def _table() -> rx.Component:
    return rx.vstack(
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    rx.table.column_header_cell("Name"),
                    rx.table.column_header_cell("Nodes", width="110px"),
                    rx.table.column_header_cell("Updated", width="160px"),
                    rx.table.column_header_cell("", width="130px"),
                ),
            ),
            rx.table.body(rx.foreach(WorkflowsState.rows, _row)),
            variant="surface",
            width="100%",
        ),
        pagination(WorkflowsState),
        width="100%",
        spacing="0",
    )


def _content() -> rx.Component:
    return rx.cond(
        WorkflowsState.loading,
        rx.center(rx.spinner(size="3"), padding="64px"),
        rx.cond(
            WorkflowsState.total > 0,
            _table(),
            rx.cond(
                WorkflowsState.search != "",
                empty_state(
                    "search",
                    "No matching workflows",
                    "Nothing matches your search. Try another word.",
                ),
                empty_state(
                    "workflow",
                    "No workflows yet",
                    "Workflows chain triggers, actions and conditions. Create your first one.",
                    _new_button(),
                ),
            ),
        ),
    )


def _toolbar() -> rx.Component:
    return rx.hstack(
        rx.input(
            rx.input.slot(rx.icon("search", size=15)),
            placeholder="Search workflows…",
            on_change=WorkflowsState.set_search.debounce(250),
            width="320px",
            aria_label="Search workflows",
        ),
        rx.spacer(),
        rx.text(
            rx.cond(WorkflowsState.total == 1, "1 workflow", f"{WorkflowsState.total} workflows"),
            size="2",
            color=rx.color("gray", 10),
        ),
        width="100%",
        align="center",
        margin_bottom="16px",
    )


def workflows_page() -> rx.Component:
    """The list of workflows (the home page)."""
    return page_layout(
        _toolbar(),
        _content(),
        create_dialog(),
        rename_dialog(),
        confirm_dialog(
            open=WorkflowsState.delete_open,
            on_open_change=WorkflowsState.set_delete_open,
            title="Delete workflow?",
            description=f"“{WorkflowsState.delete_name}” will be moved to the trash. "
            "Its past executions are kept.",
            confirm_label="Delete",
            on_confirm=WorkflowsState.confirm_delete,
        ),
        share_dialog(),
        title="Workflows",
        description="Build, run and manage your automations.",
        actions=[_new_button()],
    )
