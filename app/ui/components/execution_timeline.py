"""Horizontal bars per node run, placed by start time and sized by duration."""

from __future__ import annotations

import reflex as rx

from app.ui.components.status_badge import status_color
from app.ui.state.execution_detail_state import ExecutionDetailState, TimelineBar


def _bar(bar: TimelineBar) -> rx.Component:
    return rx.hstack(
        rx.text(
            bar.label,
            size="1",
            width="180px",
            min_width="180px",
            white_space="nowrap",
            overflow="hidden",
            text_overflow="ellipsis",
            color=rx.color("gray", 12),
        ),
        rx.box(
            rx.tooltip(
                rx.box(
                    position="absolute",
                    top="3px",
                    bottom="3px",
                    left=bar.left,
                    width=bar.width,
                    border_radius="4px",
                    background=status_color(bar.status),
                    opacity="0.9",
                ),
                content=f"{bar.label}: {bar.status}, {bar.duration}",
            ),
            position="relative",
            flex="1",
            height="22px",
            border_radius="6px",
            background=rx.color("gray", 3),
        ),
        rx.text(
            bar.duration,
            size="1",
            width="72px",
            min_width="72px",
            text_align="right",
            class_name="fb-mono",
            color=rx.color("gray", 11),
        ),
        align="center",
        spacing="3",
        width="100%",
    )


def execution_timeline() -> rx.Component:
    """The timeline card of the execution detail page."""
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.icon("chart_no_axes_gantt", size=16, color=rx.color("gray", 11)),
                rx.heading("Timeline", size="3", weight="medium"),
                rx.spacer(),
                rx.text(
                    f"Nodes span {ExecutionDetailState.span}",
                    size="1",
                    color=rx.color("gray", 10),
                    class_name="fb-mono",
                ),
                align="center",
                spacing="2",
                width="100%",
            ),
            rx.cond(
                ExecutionDetailState.bars.length() > 0,
                rx.vstack(rx.foreach(ExecutionDetailState.bars, _bar), spacing="2", width="100%"),
                rx.text("No node has run yet.", size="2", color=rx.color("gray", 10)),
            ),
            spacing="4",
            width="100%",
        ),
        width="100%",
        size="2",
    )
