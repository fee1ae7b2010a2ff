"""Colored badges for execution and node-run statuses and health-check results."""

from __future__ import annotations

import reflex as rx

# status -> (color scheme, variant, lucide icon)
STATUS_STYLES: dict[str, tuple[str, str, str]] = {
    "queued": ("gray", "soft", "clock"),
    "pending": ("gray", "soft", "clock"),
    "running": ("blue", "soft", "loader_circle"),
    "succeeded": ("green", "soft", "circle_check"),
    "failed": ("red", "soft", "circle_x"),
    "cancelled": ("amber", "soft", "ban"),
    "crashed": ("red", "outline", "triangle_alert"),
    "paused": ("purple", "soft", "circle_pause"),
    "skipped": ("gray", "outline", "circle_slash"),
    # Health checks (monitoring).
    "ok": ("green", "soft", "circle_check"),
    "warning": ("amber", "soft", "triangle_alert"),
    "error": ("red", "soft", "circle_x"),
}
# Labels that are not just the capitalised status.
STATUS_LABELS = {"ok": "OK"}


def _badge(status: str, color: str, variant: str, icon: str) -> rx.Component:
    return rx.badge(
        rx.icon(icon, size=12, class_name="fb-spin" if status == "running" else ""),
        STATUS_LABELS.get(status, status.capitalize()),
        color_scheme=color,
        variant=variant,
        radius="full",
        size="1",
        gap="4px",
        data_status=status,
    )


def status_badge(status: rx.Var[str] | str) -> rx.Component:
    """A pill showing a status with its color and icon (unknown statuses are gray).

    Args:
        status: the status string (`queued`, `running`, `succeeded`, ...).
    """
    cases = [
        (name, _badge(name, color, variant, icon))
        for name, (color, variant, icon) in STATUS_STYLES.items()
    ]
    fallback = rx.badge(status, color_scheme="gray", variant="soft", radius="full", size="1")
    return rx.match(status, *cases, fallback)


def status_color(status: rx.Var[str]) -> rx.Var[str]:
    """The Radix color variable (step 9) for a status, for bars and dots."""
    cases = [(name, f"var(--{color}-9)") for name, (color, _, _) in STATUS_STYLES.items()]
    return rx.match(status, *cases, "var(--gray-9)")
