"""Pieces the schedules page and the editor's schedule panel share."""

from __future__ import annotations

import reflex as rx

from app.ui.components.status_badge import status_badge


def fire_status_badge(status: rx.Var[str]) -> rx.Component:
    """A fire's outcome: its execution's status, or `missed` / `retrying` / none yet."""
    return rx.match(
        status,
        ("", rx.text("Not yet", size="1", color=rx.color("gray", 10))),
        (
            "missed",
            rx.badge(
                rx.icon("calendar_x", size=12),
                "Missed",
                color_scheme="amber",
                variant="soft",
                radius="full",
                size="1",
                gap="4px",
                data_status="missed",
            ),
        ),
        (
            "retrying",
            rx.badge(
                rx.icon("rotate_cw", size=12),
                "Retrying",
                color_scheme="orange",
                variant="soft",
                radius="full",
                size="1",
                gap="4px",
                data_status="retrying",
            ),
        ),
        status_badge(status),
    )


def execution_link(execution_id: rx.Var[int]) -> rx.Component:
    """A link to an execution ("#12"); nothing when there is none."""
    return rx.cond(
        execution_id > 0,
        rx.link(
            f"#{execution_id}",
            href=f"/executions/{execution_id}",
            size="1",
            class_name="fb-mono",
            aria_label=f"Execution {execution_id}",
        ),
    )


def enabled_badge(enabled: rx.Var[bool]) -> rx.Component:
    """Active or paused."""
    return rx.cond(
        enabled,
        rx.badge("Active", color_scheme="grass", variant="soft", radius="full", size="1"),
        rx.badge(
            rx.icon("pause", size=11),
            "Paused",
            color_scheme="gray",
            variant="soft",
            radius="full",
            size="1",
            gap="4px",
        ),
    )
