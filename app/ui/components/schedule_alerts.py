"""The schedules' self-check alert: schedules that should have fired and did not."""

from __future__ import annotations

import reflex as rx


def schedule_alerts(alerts: rx.Var[list[str]]) -> rx.Component:
    """A red banner listing the overdue schedules (nothing while every schedule fires).

    Args:
        alerts: one sentence per overdue schedule.
    """
    return rx.cond(
        alerts.length() > 0,
        rx.callout.root(
            rx.callout.icon(rx.icon("alarm_clock_off", size=16)),
            rx.vstack(
                rx.text("Schedules are not firing", weight="bold", size="2"),
                rx.foreach(alerts, lambda alert: rx.text(alert, size="2")),
                spacing="1",
            ),
            color_scheme="red",
            role="alert",
            width="100%",
            margin_bottom="16px",
            data_testid="schedule-alert",
        ),
    )
