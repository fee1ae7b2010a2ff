"""The monitoring page: health checks, database, scheduler, runner, LLM deployments, system,
recent errors, throughput and latency, and the recent LLM fallbacks."""

from __future__ import annotations

import reflex as rx

from app.ui.components.empty_state import empty_state
from app.ui.components.live_indicator import live_indicator
from app.ui.components.monitoring_errors import recent_errors
from app.ui.components.monitoring_health import (
    charts,
    checks_strip,
    deployments_table,
    health_cards,
    window_picker,
)
from app.ui.components.page_layout import page_layout
from app.ui.components.schedule_alerts import schedule_alerts
from app.ui.components.section_card import section_card
from app.ui.components.status_badge import status_badge
from app.ui.state.monitoring_state import FallbackRow, MonitoringState

LIVE_MS = 3_000
SNAPSHOT_MS = 30_000


def _muted_time(value: rx.Var[str]) -> rx.Component:
    return rx.cond(
        value != "",
        rx.tooltip(
            rx.text(rx.moment(value, from_now=True, interval=10_000), size="2"),
            content=value,
        ),
        rx.text("—", size="2", color=rx.color("gray", 9)),
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
        rx.box(
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
            overflow_x="auto",
            width="100%",
        ),
        empty_state(
            "route",
            "No fallbacks recorded",
            "When a provider fails, is rate limited or too slow, the next deployment in line "
            "answers and the move is listed here.",
            compact=True,
        ),
    )


def _breaker_counts() -> rx.Component:
    m = MonitoringState
    return rx.hstack(
        rx.cond(
            m.open_count > 0,
            rx.badge(m.open_count, " open", color_scheme="red", variant="soft", radius="full"),
        ),
        rx.cond(
            m.half_open_count > 0,
            rx.badge(
                m.half_open_count, " half-open", color_scheme="amber", variant="soft", radius="full"
            ),
        ),
        spacing="2",
    )


def _header_actions() -> list[rx.Component]:
    m = MonitoringState
    return [
        rx.cond(
            m.overall != "",
            rx.tooltip(
                rx.box(status_badge(m.overall), data_testid="monitoring-overall"),
                content="The worst of the checks",
            ),
        ),
        rx.hstack(
            live_indicator("Live", color="grass"),
            rx.cond(
                m.refreshed_at != "",
                rx.text(
                    "updated ",
                    rx.moment(m.refreshed_at, format="HH:mm:ss"),
                    size="1",
                    color=rx.color("gray", 11),
                ),
            ),
            align="center",
            spacing="2",
            white_space="nowrap",
            title="The page refreshes itself every 30 s (LLM breakers every 3 s).",
        ),
        rx.button(
            rx.icon("refresh_cw", size=14),
            "Refresh",
            loading=m.refreshing,
            on_click=m.refresh,
            variant="soft",
            data_testid="monitoring-refresh",
        ),
    ]


def _content() -> rx.Component:
    return rx.vstack(
        checks_strip(),
        health_cards(),
        section_card(
            "Recent errors",
            "Grouped by kind, newest first; open one for its stack trace and context.",
            recent_errors(),
        ),
        section_card(
            "Throughput and latency",
            "Executions finished (succeeded and failed) and how long they ran, p50 and p99.",
            charts(),
            action=window_picker(),
        ),
        section_card(
            "LLM deployments",
            "Circuit breaker per deployment (opens after repeated failures, then lets one "
            "probe through), with the last hour's calls, error rate and latency.",
            deployments_table(),
            action=_breaker_counts(),
        ),
        section_card(
            "Recent fallbacks",
            "When, from which deployment, to which, and why.",
            _fallbacks(),
        ),
        spacing="4",
        width="100%",
    )


def monitoring_page() -> rx.Component:
    """The instance's health, refreshed every 30 s (the LLM breakers every 3 s)."""
    m = MonitoringState
    return page_layout(
        schedule_alerts(m.schedule_alerts),
        rx.cond(
            m.unreachable,
            rx.callout.root(
                rx.callout.icon(rx.icon("database_zap", size=16)),
                rx.callout.text(
                    "The database did not answer. The figures below are from the last "
                    "successful read; the page keeps trying.",
                ),
                color_scheme="red",
                role="alert",
                width="100%",
                margin_bottom="16px",
                data_testid="monitoring-unreachable",
            ),
        ),
        rx.cond(m.loading, rx.center(rx.spinner(size="3"), padding="64px"), _content()),
        # Clocks that drive the refreshes; they stop when the page is left.
        rx.moment(interval=LIVE_MS, format="HH:mm:ss", on_change=m.tick, display="none"),
        rx.moment(
            interval=SNAPSHOT_MS, format="HH:mm:ss", on_change=m.refresh_snapshot, display="none"
        ),
        title="Monitoring",
        description="Health checks, the runner, schedules, LLM deployments and recent errors.",
        actions=_header_actions(),
        admin_only=True,
    )
