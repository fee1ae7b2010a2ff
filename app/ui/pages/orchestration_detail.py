"""One orchestration (`/orchestrations/<id>`): run it, its history, its configuration.

`/orchestrations/new` shows the empty form instead.
"""

from __future__ import annotations

import reflex as rx

from app.ui.components.confirm_dialog import confirm_dialog
from app.ui.components.empty_state import empty_state
from app.ui.components.live_indicator import live_indicator
from app.ui.components.mock_badge import mock_banner
from app.ui.components.orchestration_form import orchestration_form
from app.ui.components.orchestration_run_card import orchestration_run_card
from app.ui.components.page_layout import back_link, page_layout
from app.ui.state.orchestration_detail_state import OrchestrationDetailState as S

POLL_MS = 500


def _poller() -> rx.Component:
    """Refreshes the runs every 500 ms, mounted only while a run is going."""
    return rx.cond(
        S.has_active,
        rx.moment(interval=POLL_MS, format="HH:mm:ss.SSS", on_change=S.tick, display="none"),
    )


def _run_button() -> rx.Component:
    button = rx.button(
        rx.icon("play", size=15),
        "Run",
        on_click=S.run,
        loading=S.has_active,
        disabled=~S.can_run,
        aria_label="Run orchestration",
    )
    # A disabled button gets no pointer events: the tooltip sits on a wrapper.
    return rx.cond(
        S.can_run,
        button,
        rx.tooltip(
            rx.box(button, tab_index=0),
            content="Shared with you as viewer: you can look at it, not run it",
        ),
    )


def _run_panel() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.icon("send", size=16, color=rx.color("accent", 11)),
                rx.heading("Ask the agents", size="3", weight="medium"),
                rx.spacer(),
                rx.text(
                    f"{S.agent_count} agents · {S.strategy_text}",
                    size="1",
                    color=rx.color("gray", 10),
                ),
                align="center",
                spacing="2",
                width="100%",
            ),
            rx.text_area(
                value=S.run_input,
                on_change=S.set_run_input,
                placeholder="Ask a question or give the agents a task…",
                rows="3",
                width="100%",
                aria_label="Run input",
                resize="vertical",
            ),
            rx.hstack(
                rx.text(
                    "Every agent gets this text as its {input}.",
                    size="1",
                    color=rx.color("gray", 10),
                ),
                rx.spacer(),
                _run_button(),
                align="center",
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        size="3",
        width="100%",
    )


def _history() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading("Run history", size="4", weight="medium"),
            rx.badge(S.runs_total, variant="soft", color_scheme="gray", radius="full"),
            rx.spacer(),
            rx.cond(
                S.has_active,
                live_indicator(),
            ),
            align="center",
            spacing="2",
            width="100%",
            margin_top="8px",
        ),
        rx.cond(
            S.runs.length() > 0,
            rx.vstack(rx.foreach(S.runs, orchestration_run_card), spacing="4", width="100%"),
            empty_state(
                "history",
                "No runs yet",
                "Ask the agents something above: each agent's answer, the votes and the "
                "winner appear here, with tokens, cost and latency side by side.",
            ),
        ),
        rx.cond(
            S.has_more_runs,
            rx.button(
                "Show older runs",
                variant="soft",
                color_scheme="gray",
                on_click=S.show_more,
                width="100%",
            ),
        ),
        spacing="4",
        width="100%",
    )


def _tabs() -> rx.Component:
    return rx.tabs.root(
        rx.tabs.list(
            rx.tabs.trigger(rx.hstack(rx.icon("play", size=14), "Runs", spacing="2"), value="runs"),
            rx.tabs.trigger(
                rx.hstack(rx.icon("settings_2", size=14), "Configuration", spacing="2"),
                value="config",
            ),
            size="2",
        ),
        rx.tabs.content(
            rx.vstack(
                rx.cond(S.no_keys, mock_banner()),
                _run_panel(),
                _history(),
                spacing="4",
                width="100%",
                padding_top="20px",
            ),
            value="runs",
        ),
        rx.tabs.content(
            rx.box(orchestration_form("Save changes"), padding_top="20px"),
            value="config",
        ),
        value=S.tab,
        on_change=S.set_tab,
        width="100%",
    )


def _existing() -> rx.Component:
    return rx.cond(
        S.loading,
        rx.center(rx.spinner(size="3"), padding="64px"),
        rx.cond(
            S.found,
            _tabs(),
            empty_state(
                "file_question",
                "Orchestration not found",
                "It may have been deleted, or it is not shared with you.",
                rx.link(rx.button("All orchestrations"), href="/orchestrations"),
            ),
        ),
    )


def _actions() -> list[rx.Component]:
    return [
        rx.cond(
            ~S.is_new & S.found & ~S.loading & S.can_delete,
            rx.button(
                rx.icon("trash_2", size=15),
                "Delete",
                variant="soft",
                color_scheme="red",
                on_click=S.set_delete_open(True),
            ),
        )
    ]


def orchestration_detail_page() -> rx.Component:
    """`/orchestrations/new` (the form) or `/orchestrations/<id>` (runs and configuration)."""
    return page_layout(
        rx.cond(S.is_new, orchestration_form("Create orchestration"), _existing()),
        _poller(),
        confirm_dialog(
            open=S.delete_open,
            on_open_change=S.set_delete_open,
            title="Delete orchestration?",
            description=f"“{S.name}” will be moved to the trash. Its runs are kept.",
            confirm_label="Delete",
            on_confirm=S.delete,
        ),
        title=rx.cond(S.is_new, "New orchestration", S.name),
        description=rx.cond(
            S.is_new,
            "Pick a strategy and the agents; you can run it right after saving.",
            rx.cond(S.description != "", S.description, S.strategy_text),
        ),
        actions=_actions(),
        back=back_link("Orchestrations", "/orchestrations"),
    )
