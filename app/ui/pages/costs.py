"""The costs page: what LLM calls cost, by period, day, workflow, provider, model, agent role
and version; how each workflow's runs went; budgets; CSV exports of all of it."""

from __future__ import annotations

import reflex as rx

from app.models.cost_schemas import CostGroup
from app.ui.components.budget_parts import budget_banner, budgets_section
from app.ui.components.cost_parts import (
    breakdown_table,
    filter_bar,
    token_legend,
    total_cards,
    workflow_stats_table,
)
from app.ui.components.empty_state import empty_state
from app.ui.components.page_layout import page_layout
from app.ui.components.section_card import section_card
from app.ui.components.themed_chart import themed_chart
from app.ui.state.budgets_state import BudgetsState
from app.ui.state.cost_figures import CHART_HEIGHT, TOKEN_CHART_HEIGHT
from app.ui.state.costs_state import CostsState

GROUP_LABELS = {
    CostGroup.WORKFLOW: "Workflow",
    CostGroup.PROVIDER: "Provider",
    CostGroup.MODEL: "Model",
    CostGroup.AGENT_ROLE: "Agent role",
    CostGroup.VERSION: "Version",
}
TWO_COLUMNS = rx.breakpoints(initial="1", lg="2")


def csv_button(kind: str | rx.Var[str], what: str | rx.Var[str]) -> rx.Component:
    """A small button downloading one CSV export of the range and filter shown."""
    return rx.tooltip(
        rx.icon_button(
            rx.icon("download", size=15),
            size="2",
            variant="soft",
            color_scheme="gray",
            on_click=CostsState.download(kind),
            aria_label="Download " + what + " as CSV",
            data_testid="csv-" + kind,
        ),
        content="Download CSV",
    )


def _trend_card() -> rx.Component:
    return section_card(
        "Daily trend",
        "Per UTC day, stacked by provider.",
        themed_chart(
            CostsState.trend_chart,
            label="Daily cost or tokens stacked by provider",
            height=f"{CHART_HEIGHT}px",
        ),
        action=csv_button("trend", "the daily trend"),
    )


def _tokens_card() -> rx.Component:
    # Donut over legend in the narrow third column; side by side when the card is full width.
    side_by_side = rx.breakpoints(initial="column", sm="row", lg="column")
    return section_card(
        "Token usage",
        "Input (cached part apart) and output tokens in the range.",
        rx.flex(
            rx.box(
                themed_chart(
                    CostsState.token_chart,
                    label="Token usage by kind",
                    height=f"{TOKEN_CHART_HEIGHT}px",
                ),
                flex="1",
                min_width="200px",
                width="100%",
            ),
            rx.vstack(
                rx.foreach(CostsState.tokens, token_legend),
                spacing="2",
                flex="1",
                min_width="180px",
                width="100%",
            ),
            direction=side_by_side,
            align="center",
            gap="24px",
            width="100%",
        ),
    )


def _breakdown_card() -> rx.Component:
    return section_card(
        "Breakdown",
        "Cost, tokens and calls per group, most expensive first.",
        rx.segmented_control.root(
            *[
                rx.segmented_control.item(label, value=group.value)
                for group, label in GROUP_LABELS.items()
            ],
            value=CostsState.breakdown_group,
            on_change=CostsState.set_breakdown_group,
            aria_label="Break down by",
        ),
        rx.grid(
            themed_chart(
                CostsState.breakdown_chart,
                label="Cost per group",
                height=CostsState.breakdown_height,
            ),
            breakdown_table(),
            columns=TWO_COLUMNS,
            spacing="5",
            width="100%",
            align_items="start",
        ),
        action=csv_button(CostsState.breakdown_group, "this breakdown"),
    )


def _top_card() -> rx.Component:
    return section_card(
        "Most expensive workflows",
        "The ten workflows that cost the most in the range.",
        themed_chart(
            CostsState.top_chart,
            label="Ten most expensive workflows",
            height=CostsState.top_height,
        ),
        action=csv_button("workflow", "the cost per workflow"),
    )


def _stats_card() -> rx.Component:
    return section_card(
        "Runs per workflow",
        "Finished executions in the range: how often they failed, how long they took and "
        "what a successful one cost.",
        workflow_stats_table(),
    )


def _no_calls_in_range() -> rx.Component:
    return empty_state(
        "calendar_x",
        "No LLM calls in this range",
        "Nothing was billed between these days. Pick a longer range, or run a workflow "
        "with an agent.",
        rx.link(rx.button("Show the last 90 days", variant="soft"), href="/costs?range=90"),
    )


def _dashboard() -> rx.Component:
    return rx.vstack(
        total_cards(),
        rx.cond(
            CostsState.range_has_calls,
            rx.vstack(
                rx.grid(
                    rx.box(_trend_card(), grid_column=rx.breakpoints(initial="auto", lg="span 2")),
                    _tokens_card(),
                    columns=rx.breakpoints(initial="1", lg="3"),
                    spacing="4",
                    width="100%",
                ),
                _breakdown_card(),
                _top_card(),
                spacing="4",
                width="100%",
            ),
            _no_calls_in_range(),
        ),
        rx.cond(CostsState.stats.length() > 0, _stats_card()),
        spacing="4",
        width="100%",
        opacity=rx.cond(CostsState.loading, "0.55", "1"),
        transition="opacity 150ms ease",
    )


def _getting_started() -> rx.Component:
    return empty_state(
        "coins",
        "No LLM costs yet",
        "Every call an agent or orchestration makes is recorded here with its tokens and "
        "cost. Open a workflow, add an Agent node (the mock/ models work without API keys) "
        "and run it, or run an orchestration.",
        rx.hstack(
            rx.link(rx.button(rx.icon("workflow", size=16), "Go to workflows"), href="/workflows"),
            rx.link(
                rx.button(rx.icon("network", size=16), "Orchestrations", variant="soft"),
                href="/orchestrations",
            ),
            spacing="3",
        ),
    )


def _workflow_without_calls() -> rx.Component:
    return empty_state(
        "filter",
        "No LLM calls for this workflow",
        "This workflow has not billed a call yet. Run it, or look at every workflow.",
        rx.button("All workflows", variant="soft", on_click=CostsState.clear_filters),
    )


def _loading() -> rx.Component:
    return rx.vstack(
        rx.grid(
            *[rx.skeleton(height="104px", width="100%") for _ in range(4)],
            columns=rx.breakpoints(initial="2", md="4"),
            spacing="4",
            width="100%",
        ),
        rx.skeleton(height="360px", width="100%"),
        spacing="4",
        width="100%",
        aria_busy="true",
        aria_label="Loading costs",
    )


def _content() -> rx.Component:
    return rx.cond(
        ~CostsState.loaded,
        _loading(),
        rx.cond(
            CostsState.load_error != "",
            empty_state(
                "triangle_alert",
                "Costs could not be shown",
                CostsState.load_error,
                rx.button(
                    "Show the default view", variant="soft", on_click=CostsState.clear_filters
                ),
            ),
            rx.cond(
                CostsState.has_calls | (CostsState.workflow_filter != "all"),
                rx.vstack(
                    filter_bar(),
                    rx.cond(CostsState.has_calls, _dashboard(), _workflow_without_calls()),
                    spacing="0",
                    width="100%",
                ),
                _getting_started(),
            ),
        ),
    )


def costs_page() -> rx.Component:
    """Costs of every LLM call the user may see, with filters that every chart follows."""
    return page_layout(
        rx.box(
            budget_banner(),
            margin_bottom=rx.cond(BudgetsState.banners.length() > 0, "16px", "0"),
            width="100%",
        ),
        _content(),
        rx.box(budgets_section(), margin_top="24px", width="100%"),
        title="Costs",
        description="What every LLM call cost, by workflow, provider, model, agent role "
        "and version.",
        actions=[
            rx.cond(
                CostsState.has_calls,
                rx.button(
                    rx.icon("download", size=15),
                    "Export calls",
                    variant="soft",
                    color_scheme="gray",
                    on_click=CostsState.download("rows"),
                    data_testid="csv-rows",
                ),
            )
        ],
    )
