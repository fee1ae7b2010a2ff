"""The monitoring page's health parts: checks strip, figure cards, deployments, charts."""

from __future__ import annotations

import reflex as rx

from app.ui.components.empty_state import empty_state
from app.ui.components.page_layout import WIDE_ONLY
from app.ui.components.status_badge import status_badge, status_color
from app.ui.components.themed_chart import themed_chart
from app.ui.state.monitoring_state import MonitoringState
from app.ui.state.monitoring_views import CheckRow, DeploymentRow, FigureRow

# phase -> (label, color scheme, icon)
PHASES = {
    "closed": ("Closed", "grass", "shield_check"),
    "open": ("Open", "red", "shield_alert"),
    "half_open": ("Half-open", "amber", "shield_half"),
}


def phase_badge(phase: rx.Var[str]) -> rx.Component:
    """A breaker phase as a coloured pill: closed green, open red, half-open amber."""
    cases = [
        (
            name,
            rx.badge(
                rx.icon(icon, size=12),
                label,
                color_scheme=color,
                variant="soft",
                radius="full",
                gap="4px",
            ),
        )
        for name, (label, color, icon) in PHASES.items()
    ]
    return rx.match(phase, *cases, rx.badge(phase, color_scheme="gray", radius="full"))


def _tone(tone: rx.Var[str]) -> rx.Var[str]:
    """The text colour of a figure: red or amber when it needs attention."""
    return rx.match(tone, ("red", rx.color("red", 11)), ("amber", rx.color("amber", 11)), "")


def _check(check: CheckRow) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(check.label, size="2", weight="bold"),
                rx.spacer(),
                status_badge(check.status),
                align="center",
                spacing="2",
                width="100%",
            ),
            rx.text(
                check.detail,
                size="1",
                color=rx.color("gray", 11),
                title=check.detail,
            ),
            spacing="1",
            width="100%",
        ),
        border_left=f"3px solid {status_color(check.status)}",
        width="100%",
        data_check=check.name,
        data_status=check.status,
    )


def checks_strip() -> rx.Component:
    """Each health check with its ok / warning / error badge and what was found."""
    return rx.grid(
        rx.foreach(MonitoringState.checks, _check),
        # Four across from 1280 px, two by two below (a name and its badge need ~180 px).
        columns=rx.breakpoints(initial="1", xs="2", lg="4"),
        spacing="3",
        width="100%",
        data_testid="monitoring-checks",
    )


def _figure(row: FigureRow) -> rx.Component:
    return rx.hstack(
        rx.text(row.label, size="2", color=rx.color("gray", 11)),
        rx.spacer(),
        rx.text(row.value, size="2", weight="medium", color=_tone(row.tone), text_align="right"),
        align="baseline",
        spacing="3",
        width="100%",
        padding_y="5px",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
    )


def health_card(title: str, icon: str, rows: rx.Var[list[FigureRow]], test_id: str) -> rx.Component:
    """A titled card of label / value figures (database, scheduler, runner, system).

    Args:
        title: the card's heading.
        icon: lucide icon name.
        rows: the figures.
        test_id: the card's `data-testid`.
    """
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.center(
                    rx.icon(icon, size=16, color=rx.color("accent", 11)),
                    width="30px",
                    height="30px",
                    border_radius="8px",
                    background=rx.color("accent", 3),
                ),
                rx.heading(title, as_="h2", size="3", weight="bold"),
                align="center",
                spacing="2",
            ),
            rx.vstack(rx.foreach(rows, _figure), spacing="0", width="100%"),
            spacing="3",
            width="100%",
        ),
        width="100%",
        data_testid=test_id,
    )


def health_cards() -> rx.Component:
    """Database, scheduler, runner and system cards side by side (two per row when narrow)."""
    m = MonitoringState
    return rx.grid(
        health_card("Database", "database", m.database, "health-database"),
        health_card("Scheduler", "calendar_clock", m.scheduler, "health-scheduler"),
        health_card("Runner", "play", m.runner, "health-runner"),
        health_card("System", "cpu", m.system, "health-system"),
        columns=rx.breakpoints(initial="1", sm="2", lg="4"),
        spacing="3",
        width="100%",
    )


def _number_cell(value: rx.Var[str], color: rx.Var[str] | str = "") -> rx.Component:
    return rx.table.cell(
        rx.text(value, size="2", class_name="fb-mono", color=color),
        text_align="right",
        white_space="nowrap",
    )


def _deployment_row(row: DeploymentRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(row.deployment, size="2", weight="medium", class_name="fb-mono")),
        rx.table.cell(phase_badge(row.phase)),
        _number_cell(row.calls),
        _number_cell(row.error_rate, _tone(row.error_tone)),
        _number_cell(row.p50),
        _number_cell(row.p99),
        rx.table.cell(
            rx.text(row.failures, size="2", class_name="fb-mono"),
            text_align="right",
        ),
        rx.table.cell(
            rx.text(
                rx.cond(row.last_error != "", row.last_error, "—"),
                size="1",
                color=rx.color("gray", 11),
                max_width="220px",
                overflow="hidden",
                text_overflow="ellipsis",
                white_space="nowrap",
                title=row.last_error,
            ),
            display=WIDE_ONLY,
        ),
        class_name="fb-row",
        data_breaker=row.deployment,
        data_phase=row.phase,
    )


def _header(
    label: str, width: str = "", right: bool = False, wide_only: bool = False
) -> rx.Component:
    return rx.table.column_header_cell(
        label,
        white_space="nowrap",
        **({"width": width} if width else {}),
        **({"text_align": "right"} if right else {}),
        **({"display": WIDE_ONLY} if wide_only else {}),
    )


def deployments_table() -> rx.Component:
    """Each LLM deployment: breaker phase (live), last hour's calls, error rate, latency."""
    m = MonitoringState
    return rx.cond(
        m.deployments.length() > 0,
        rx.box(
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        _header("Deployment"),
                        _header("Breaker", "120px"),
                        _header("Calls (1 h)", right=True),
                        _header("Error rate", right=True),
                        _header("p50", right=True),
                        _header("p99", right=True),
                        _header("Failures", right=True),
                        _header("Last error", "220px", wide_only=True),
                    )
                ),
                rx.table.body(rx.foreach(m.deployments, _deployment_row)),
                variant="surface",
                width="100%",
            ),
            overflow_x="auto",
            width="100%",
        ),
        empty_state(
            "shield_check",
            "No LLM deployments called yet",
            "Each deployment appears here once it has answered a call: its circuit breaker, "
            "error rate and latency over the last hour.",
            compact=True,
        ),
    )


def _chart(title: str, figure: rx.Var, test_id: str) -> rx.Component:
    return rx.vstack(
        rx.text(title, size="2", weight="medium", color=rx.color("gray", 11)),
        themed_chart(figure, label=title),
        spacing="1",
        width="100%",
        min_width="0",
        data_testid=test_id,
    )


def charts() -> rx.Component:
    """Executions finished (succeeded / failed) and their p50 / p99 duration over time."""
    m = MonitoringState
    return rx.grid(
        _chart("Executions finished", m.throughput_chart, "chart-throughput"),
        _chart("Execution duration", m.latency_chart, "chart-latency"),
        columns=rx.breakpoints(initial="1", md="2"),
        spacing="4",
        width="100%",
    )


def window_picker() -> rx.Component:
    """Last hour (per minute) or last day (per hour)."""
    return rx.segmented_control.root(
        rx.segmented_control.item("Last hour", value="hour"),
        rx.segmented_control.item("Last day", value="day"),
        value=MonitoringState.window,
        on_change=MonitoringState.set_window,
        size="1",
        aria_label="Chart period",
    )
