"""Pieces of the costs page: the range and workflow filters, period totals and its tables."""

from __future__ import annotations

import reflex as rx

from app.ui.components.page_layout import WIDE_ONLY
from app.ui.state.cost_views import BreakdownLine, TokenPart, TotalCard, WorkflowStatLine
from app.ui.state.costs_state import ALL_WORKFLOWS, FROM_FIELD, CostsState, WorkflowChoice

PRESET_LABELS = (("7", "7 days"), ("30", "30 days"), ("90", "90 days"), ("custom", "Custom"))
CARD_ICONS = {
    "Today": "sun",
    "Last 7 days": "calendar_days",
    "Last 30 days": "calendar_range",
    "All time": "infinity",
}


def _date_field(name: str, label: str, value: rx.Var[str], field_id: str) -> rx.Component:
    return rx.el.label(
        rx.text(label, size="1", color=rx.color("gray", 11), weight="medium"),
        rx.input(
            type="date",
            name=name,
            id=field_id,
            default_value=value,
            # A new range re-creates the field, so it shows the range the URL asked for.
            key=CostsState.start + CostsState.end + name,
            size="2",
            width="150px",
        ),
        display="flex",
        align_items="center",
        gap="6px",
    )


def range_filter() -> list[rx.Component]:
    """Presets (7, 30, 90 days) and a custom From/To range applied with a button."""
    return [
        rx.segmented_control.root(
            *[rx.segmented_control.item(label, value=value) for value, label in PRESET_LABELS],
            value=CostsState.preset,
            on_change=CostsState.set_preset,
            aria_label="Date range",
        ),
        rx.form(
            rx.hstack(
                _date_field("from", "From", CostsState.start, FROM_FIELD),
                _date_field("to", "To", CostsState.end, "costs-to"),
                rx.button("Apply", type="submit", variant="soft", size="2"),
                align="center",
                spacing="3",
            ),
            on_submit=CostsState.apply_range,
            data_testid="custom-range",
            width="auto",
        ),
    ]


def metric_switch() -> rx.Component:
    """Whether the charts draw dollars or tokens."""
    return rx.hstack(
        rx.text("Charts show", size="1", color=rx.color("gray", 11), weight="medium"),
        rx.segmented_control.root(
            rx.segmented_control.item("Cost", value="cost"),
            rx.segmented_control.item("Tokens", value="tokens"),
            value=CostsState.metric,
            on_change=CostsState.set_metric,
            size="1",
            aria_label="Charts show",
        ),
        align="center",
        spacing="2",
    )


def _workflow_item(choice: WorkflowChoice) -> rx.Component:
    return rx.select.item(choice.name, value=choice.value)


def workflow_filter() -> rx.Component:
    """The workflow every chart and table is narrowed to."""
    return rx.select.root(
        rx.select.trigger(aria_label="Workflow", max_width="240px", min_width="180px"),
        rx.select.content(
            rx.select.item("All workflows", value=ALL_WORKFLOWS),
            rx.foreach(CostsState.workflows, _workflow_item),
        ),
        value=CostsState.workflow_filter,
        on_change=CostsState.set_workflow,
    )


def filter_bar() -> rx.Component:
    """Range, workflow, the range's totals, the charts' measure and a busy mark."""
    return rx.vstack(
        rx.hstack(
            *range_filter(),
            rx.spacer(),
            rx.cond(CostsState.loading & CostsState.loaded, rx.spinner(size="2")),
            workflow_filter(),
            align="center",
            spacing="4",
            width="100%",
            flex_wrap="wrap",
        ),
        rx.cond(
            CostsState.range_error != "",
            rx.callout(
                CostsState.range_error + " Showing the last 30 days instead.",
                icon="triangle_alert",
                color_scheme="amber",
                size="1",
                role="alert",
                width="100%",
            ),
        ),
        rx.hstack(
            rx.text(
                rx.text.strong(CostsState.range_text, color=rx.color("gray", 12)),
                " \u00b7 ",
                rx.text.strong(CostsState.range_cost, color=rx.color("gray", 12)),
                " \u00b7 " + CostsState.range_tokens + " tokens \u00b7 ",
                CostsState.range_calls,
                size="2",
                color=rx.color("gray", 11),
                data_testid="range-total",
            ),
            rx.spacer(),
            metric_switch(),
            align="center",
            width="100%",
            flex_wrap="wrap",
        ),
        spacing="3",
        width="100%",
        margin_bottom="20px",
    )


def _total_card(card: TotalCard) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.match(
                    card.label,
                    *[
                        (label, rx.icon(icon, size=15, color=rx.color("accent", 11)))
                        for label, icon in CARD_ICONS.items()
                    ],
                    rx.icon("coins", size=15),
                ),
                rx.text(card.label, size="2", color=rx.color("gray", 11), weight="medium"),
                align="center",
                spacing="2",
            ),
            rx.text(card.cost, size="7", weight="bold", class_name="fb-mono", trim="both"),
            rx.text(
                card.tokens + " \u00b7 " + card.calls,
                size="1",
                color=rx.color("gray", 11),
            ),
            spacing="2",
        ),
        data_testid="total-card",
        data_period=card.label,
        width="100%",
    )


def total_cards() -> rx.Component:
    """Cost, tokens and calls today, in 7 and 30 days and all time (the range aside)."""
    return rx.grid(
        rx.foreach(CostsState.cards, _total_card),
        columns=rx.breakpoints(initial="2", md="4"),
        spacing="4",
        width="100%",
        margin_bottom="16px",
    )


def token_legend(part: TokenPart) -> rx.Component:
    """One kind of token with its colour and count."""
    return rx.hstack(
        rx.box(width="10px", height="10px", border_radius="3px", background=part.color),
        rx.text(part.label, size="2", color=rx.color("gray", 11)),
        rx.spacer(),
        rx.text(part.value, size="2", weight="medium", class_name="fb-mono"),
        align="center",
        spacing="2",
        width="100%",
    )


def _breakdown_row(line: BreakdownLine) -> rx.Component:
    def number(value: rx.Var[str], **props: object) -> rx.Component:
        return rx.table.cell(
            rx.text(value, size="2", class_name="fb-mono"), text_align="right", **props
        )

    return rx.table.row(
        rx.table.cell(
            rx.text(
                line.label,
                size="2",
                weight="medium",
                overflow="hidden",
                text_overflow="ellipsis",
                white_space="nowrap",
            ),
            max_width="0",
            width="100%",
        ),
        number(line.calls),
        number(line.input_tokens, display=WIDE_ONLY),
        number(line.output_tokens, display=WIDE_ONLY),
        number(line.cached_tokens, display=WIDE_ONLY),
        number(line.cost),
        class_name="fb-row",
        data_testid="breakdown-row",
    )


def breakdown_table() -> rx.Component:
    """Every group of the chosen breakdown with its calls, tokens and cost."""
    return rx.box(
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    rx.table.column_header_cell("Group"),
                    rx.table.column_header_cell("Calls", text_align="right"),
                    rx.table.column_header_cell("Input", text_align="right", display=WIDE_ONLY),
                    rx.table.column_header_cell("Output", text_align="right", display=WIDE_ONLY),
                    rx.table.column_header_cell("Cached", text_align="right", display=WIDE_ONLY),
                    rx.table.column_header_cell("Cost", text_align="right"),
                )
            ),
            rx.table.body(rx.foreach(CostsState.breakdown_rows, _breakdown_row)),
            variant="ghost",
            size="1",
            width="100%",
        ),
        max_height="360px",
        overflow_y="auto",
        width="100%",
    )


def _stat_row(line: WorkflowStatLine) -> rx.Component:
    def number(value: rx.Var[str] | rx.Var[int], **props: object) -> rx.Component:
        return rx.table.cell(
            rx.text(value, size="2", class_name="fb-mono"), text_align="right", **props
        )

    return rx.table.row(
        rx.table.cell(
            rx.link(
                line.name,
                href=line.href,
                size="2",
                weight="medium",
                title="Show only this workflow's costs",
            ),
            max_width="0",
            width="100%",
            overflow="hidden",
            text_overflow="ellipsis",
            white_space="nowrap",
        ),
        number(line.runs),
        number(line.succeeded, display=WIDE_ONLY),
        number(line.failed, display=WIDE_ONLY),
        rx.table.cell(
            rx.text(
                line.failure_rate,
                size="2",
                class_name="fb-mono",
                color=rx.cond(line.failing, rx.color("red", 11), rx.color("gray", 12)),
            ),
            text_align="right",
        ),
        number(line.mean_duration),
        number(line.cost_per_success),
        class_name="fb-row",
        data_testid="workflow-stat-row",
    )


def workflow_stats_table() -> rx.Component:
    """Runs, failure rate, mean duration and cost per successful run of each workflow."""
    return rx.table.root(
        rx.table.header(
            rx.table.row(
                rx.table.column_header_cell("Workflow"),
                rx.table.column_header_cell("Runs", text_align="right"),
                rx.table.column_header_cell("Succeeded", text_align="right", display=WIDE_ONLY),
                rx.table.column_header_cell("Failed", text_align="right", display=WIDE_ONLY),
                rx.table.column_header_cell("Failure rate", text_align="right"),
                rx.table.column_header_cell("Mean duration", text_align="right"),
                rx.table.column_header_cell("Cost / success", text_align="right"),
            )
        ),
        rx.table.body(rx.foreach(CostsState.stats, _stat_row)),
        variant="surface",
        width="100%",
        # Many workflows scroll inside the card instead of stretching the page.
        max_height="520px",
        overflow_y="auto",
    )
