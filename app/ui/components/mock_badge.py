"""How the UI marks answers from the built-in mock LLM provider."""

from __future__ import annotations

import reflex as rx

MOCK_EXPLAINED = (
    "Answered by Flowbook's built-in mock provider: deterministic offline text, "
    "no real model was called and nothing was paid."
)


def mock_badge(size: str = "1") -> rx.Component:
    """An amber "Mock" pill with an explanation on hover.

    Args:
        size: the Radix badge size ("1" in tables and cards, "2" in headers).
    """
    return rx.tooltip(
        rx.badge(
            rx.icon("flask_conical", size=12),
            "Mock",
            color_scheme="amber",
            variant="soft",
            radius="full",
            size=size,
            gap="4px",
            data_testid="mock-badge",
        ),
        content=MOCK_EXPLAINED,
    )


def mock_banner(*, link_to_settings: bool = True) -> rx.Component:
    """A callout saying runs use the mock provider until a provider key is configured.

    Args:
        link_to_settings: end with a link to the settings page (not on that page itself).
    """
    advice: list[rx.Component | str] = (
        [rx.link("Add an API key in Settings", href="/settings", weight="medium"), " to call "]
        if link_to_settings
        else ["Add an API key below to call "]
    )
    return rx.callout.root(
        rx.callout.icon(rx.icon("flask_conical", size=16)),
        rx.callout.text(
            rx.text.strong("No provider keys configured. "),
            "Agents answer with the built-in mock provider: deterministic offline answers, "
            "free and labelled “Mock”. ",
            *advice,
            "real models.",
        ),
        color_scheme="amber",
        variant="surface",
        width="100%",
        data_testid="mock-banner",
    )
