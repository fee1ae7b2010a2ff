"""The monitoring page: circuit breaker per LLM deployment and the recent fallbacks."""

from __future__ import annotations

import reflex as rx

from app.ui.components.empty_state import empty_state
from app.ui.components.live_indicator import live_indicator
from app.ui.components.page_layout import page_layout
from app.ui.components.schedule_alerts import schedule_alerts
from app.ui.state.monitoring_state import BreakerRow, FallbackRow, MonitoringState

REFRESH_MS = 3000
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


def _stat(label: str, value: rx.Var[int], color: str, icon: str) -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.center(
                rx.icon(icon, size=18, color=rx.color(color, 11)),
                width="36px",
                height="36px",
                border_radius="10px",
                background=rx.color(color, 3),
            ),
            rx.vstack(
                rx.text(label, size="1", color=rx.color("gray", 10), weight="medium"),
                rx.text(value, size="5", weight="bold"),
                spacing="0",
            ),
            align="center",
            spacing="3",
        ),
        width="100%",
    )


def _muted_time(value: rx.Var[str]) -> rx.Component:
    return rx.cond(
        value != "",
        rx.tooltip(
            rx.text(rx.moment(value, from_now=True, interval=10_000), size="2"),
            content=value,
        ),
        rx.text("—", size="2", color=rx.color("gray", 9)),
    )


def _breaker_row(row: BreakerRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(row.deployment, size="2", weight="medium", class_name="fb-mono")),
        rx.table.cell(phase_badge(row.phase)),
        rx.table.cell(
            rx.text(row.failures, size="2", class_name="fb-mono"),
            text_align="right",
        ),
        rx.table.cell(_muted_time(row.opened_at), color=rx.color("gray", 11), white_space="nowrap"),
        rx.table.cell(
            rx.text(
                rx.cond(row.last_error != "", row.last_error, "—"),
                size="1",
                color=rx.color("gray", 11),
                max_width="340px",
                overflow="hidden",
                text_overflow="ellipsis",
                white_space="nowrap",
                title=row.last_error,
            ),
        ),
        class_name="fb-row",
        data_breaker=row.deployment,
        data_phase=row.phase,
    )


def _breakers() -> rx.Component:
    m = MonitoringState
    return rx.cond(
        m.breakers.length() > 0,
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    rx.table.column_header_cell("Deployment"),
                    rx.table.column_header_cell("Phase", width="130px"),
                    rx.table.column_header_cell(
                        "Recent failures", width="150px", text_align="right"
                    ),
                    rx.table.column_header_cell("Opened", width="150px"),
                    rx.table.column_header_cell("Last error", width="340px"),
                )
            ),
            rx.table.body(rx.foreach(m.breakers, _breaker_row)),
            variant="surface",
            width="100%",
        ),
        empty_state(
            "shield_check",
            "No circuit breakers yet",
            "A breaker appears for each real provider deployment once it has been called. "
            "Mock answers never trip one.",
        ),
    )


def _fallback_row(row: FallbackRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(_muted_time(row.at), color=rx.color("gray", 11), white_space="nowrap"),
        rx.table.cell(rx.text(row.from_deployment, size="2", class_name="fb-mono")),
        rx.table.cell(
            rx.cond(
                row.to_deployment != "",
                rx.hstack(
                    rx.icon("arrow_right", size=13, color=rx.color("gray", 9)),
                    rx.text(row.to_deployment, size="2", class_name="fb-mono"),
                    align="center",
                    spacing="1",
                ),
                rx.badge("nowhere: call failed", color_scheme="red", variant="soft"),
            )
        ),
        rx.table.cell(
            rx.vstack(
                rx.text(row.reason, size="2", weight="medium"),
                rx.cond(
                    row.detail != "",
                    rx.text(
                        row.detail,
                        size="1",
                        color=rx.color("gray", 10),
                        max_width="320px",
                        overflow="hidden",
                        text_overflow="ellipsis",
                        white_space="nowrap",
                        title=row.detail,
                    ),
                ),
                spacing="0",
            )
        ),
        rx.table.cell(
            rx.cond(
                row.execution_id > 0,
                rx.link(
                    f"#{row.execution_id}",
                    href=f"/executions/{row.execution_id}",
                    class_name="fb-mono",
                    size="2",
                ),
                rx.text("—", size="2", color=rx.color("gray", 9)),
            )
        ),
        class_name="fb-row",
        data_fallback=row.id,
    )


def _fallbacks() -> rx.Component:
    m = MonitoringState
    return rx.cond(
        m.fallbacks.length() > 0,
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    rx.table.column_header_cell("When", width="140px"),
                    rx.table.column_header_cell("From"),
                    rx.table.column_header_cell("To"),
                    rx.table.column_header_cell("Why", width="340px"),
                    rx.table.column_header_cell("Run", width="80px"),
                )
            ),
            rx.table.body(rx.foreach(m.fallbacks, _fallback_row)),
            variant="surface",
            width="100%",
        ),
        empty_state(
            "route",
            "No fallbacks recorded",
            "When a provider fails, is rate limited or too slow, the next deployment in line "
            "answers and the move is listed here.",
        ),
    )


def _heading(title: str, description: str) -> rx.Component:
    return rx.vstack(
        rx.heading(title, size="4", weight="medium"),
        rx.text(description, size="2", color=rx.color("gray", 11)),
        spacing="1",
        margin_top="12px",
    )


def monitoring_page() -> rx.Component:
    """Health of the LLM providers: breakers and fallbacks, refreshed every 3 seconds."""
    m = MonitoringState
    return page_layout(
        schedule_alerts(m.schedule_alerts),
        rx.cond(
            m.loading,
            rx.center(rx.spinner(size="3"), padding="64px"),
            rx.vstack(
                rx.grid(
                    _stat("Open breakers", m.open_count, "red", "shield_alert"),
                    _stat("Half-open", m.half_open_count, "amber", "shield_half"),
                    _stat("Closed", m.closed_count, "grass", "shield_check"),
                    _stat("Recent fallbacks", m.fallbacks.length(), "blue", "route"),
                    columns="4",
                    spacing="3",
                    width="100%",
                ),
                _heading(
                    "Circuit breakers",
                    "One per deployment, shared by every worker: it opens after repeated "
                    "failures in the window, then lets one probe through (half-open).",
                ),
                _breakers(),
                _heading("Recent fallbacks", "When, from which deployment, to which, and why."),
                _fallbacks(),
                spacing="4",
                width="100%",
            ),
        ),
        rx.moment(interval=REFRESH_MS, format="HH:mm:ss", on_change=m.tick, display="none"),
        title="Monitoring",
        description="Schedules that did not fire, LLM circuit breakers and fallbacks.",
        actions=[live_indicator("Live · every 3 s", color="grass")],
    )
