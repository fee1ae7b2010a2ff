"""An expandable card for one node attempt: input, output, error, duration, attempt."""

from __future__ import annotations

import reflex as rx

from app.ui.components.json_view import json_view
from app.ui.components.status_badge import status_badge
from app.ui.state.execution_detail_state import NodeRunView


def _section(title: str, icon: str, body: rx.Component) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.icon(icon, size=13, color=rx.color("gray", 10)),
            rx.text(
                title,
                size="1",
                weight="medium",
                color=rx.color("gray", 10),
                text_transform="uppercase",
                letter_spacing="0.05em",
            ),
            align="center",
            spacing="1",
        ),
        body,
        spacing="2",
        width="100%",
        min_width="0",
    )


def _value(text: rx.Var[str], empty: str) -> rx.Component:
    return rx.cond(
        text != "",
        json_view(text),
        rx.text(empty, size="2", color=rx.color("gray", 9), font_style="italic"),
    )


def _summary(run: NodeRunView) -> rx.Component:
    return rx.el.summary(
        rx.hstack(
            rx.icon("chevron_right", size=16, class_name="fb-chevron", color=rx.color("gray", 9)),
            rx.center(
                rx.icon(run.icon, size=15, color=rx.color("accent", 11)),
                width="30px",
                height="30px",
                min_width="30px",
                border_radius="8px",
                background=rx.color("accent", 3),
            ),
            rx.vstack(
                rx.text(run.node_name, size="2", weight="medium", color=rx.color("gray", 12)),
                rx.text(
                    f"{run.node_type} · {run.node_id}",
                    size="1",
                    color=rx.color("gray", 10),
                    class_name="fb-mono",
                ),
                spacing="0",
            ),
            rx.cond(
                run.attempt > 1,
                rx.badge(f"attempt {run.attempt}", variant="surface", color_scheme="orange"),
            ),
            rx.cond(run.pinned, rx.badge(rx.icon("pin", size=11), "pinned", variant="surface")),
            rx.spacer(),
            rx.text(run.duration, size="1", class_name="fb-mono", color=rx.color("gray", 11)),
            status_badge(run.status),
            align="center",
            spacing="3",
            width="100%",
        ),
        padding="12px 16px",
    )


def node_run_card(run: NodeRunView) -> rx.Component:
    """One node attempt; expanded by default when the run is small or it failed."""
    return rx.el.details(
        _summary(run),
        rx.vstack(
            rx.cond(
                run.error != "",
                rx.callout(run.error, icon="circle_x", color_scheme="red", size="1", width="100%"),
            ),
            rx.grid(
                _section("Input", "log_in", _value(run.inputs, "No input")),
                _section("Output", "log_out", _value(run.output, "No output")),
                columns="2",
                spacing="4",
                width="100%",
            ),
            spacing="3",
            padding="4px 16px 16px 60px",
            width="100%",
        ),
        open=run.open,
        class_name="fb-run fb-card",
        border=f"1px solid {rx.color('gray', 5)}",
        border_radius="10px",
        background=rx.color("gray", 1),
        width="100%",
        data_node=run.node_id,
        data_status=run.status,
    )
