"""Placeholder pages for areas that later issues build, reachable from the sidebar."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import reflex as rx

from app.ui.components.empty_state import empty_state
from app.ui.components.page_layout import page_layout


@dataclass(frozen=True)
class Placeholder:
    """One area that is not built yet."""

    route: str
    title: str
    description: str
    icon: str
    blurb: str


PLACEHOLDERS = (
    Placeholder(
        "/costs",
        "Costs",
        "What every LLM call costs, per node, model and version.",
        "coins",
        "A cost ledger with dashboards, so a re-run never re-pays for what it can reuse.",
    ),
)


def placeholder_page(placeholder: Placeholder) -> Callable[[], rx.Component]:
    """A page function showing a tidy "coming soon" state for one area."""

    def page() -> rx.Component:
        return page_layout(
            empty_state(
                placeholder.icon,
                "Coming soon",
                placeholder.blurb,
                rx.link(
                    rx.button(rx.icon("workflow", size=16), "Back to workflows", variant="soft"),
                    href="/workflows",
                ),
            ),
            title=placeholder.title,
            description=placeholder.description,
            actions=[rx.badge("Coming soon", color_scheme="purple", variant="soft", size="2")],
        )

    page.__name__ = f"{placeholder.route.strip('/')}_page"
    return page
