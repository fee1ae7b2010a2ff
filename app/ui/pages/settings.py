"""The settings page: LLM provider keys (only their last 4 characters show) and the model map."""

from __future__ import annotations

import reflex as rx

from app.ui.components.confirm_dialog import confirm_dialog
from app.ui.components.mock_badge import mock_banner
from app.ui.components.page_layout import page_layout
from app.ui.state.settings_state import PROVIDER_LABELS, GroupDraft, ProviderView
from app.ui.state.settings_state import SettingsState as S

PROVIDER_ICONS = {
    "openai": "sparkles",
    "anthropic": "brain",
    "gemini": "gem",
    "openai_compatible": "server",
}
# What the base URL field suggests: the provider's own endpoint (a local server for the
# OpenAI-compatible one), so an override is not mistaken for a required local address.
BASE_URL_PLACEHOLDERS = {
    "openai": "https://api.openai.com/v1",
    "anthropic": "https://api.anthropic.com",
    "gemini": "https://generativelanguage.googleapis.com",
    "openai_compatible": "http://localhost:11434/v1",
}


def _key_status(p: rx.Var[ProviderView], provider: str) -> rx.Component:
    return rx.hstack(
        rx.cond(
            p.configured,
            rx.cond(
                p.key_error != "",
                rx.tooltip(
                    rx.badge(
                        rx.icon("key_round", size=12),
                        "Stored key unreadable",
                        color_scheme="red",
                        variant="soft",
                        radius="full",
                        data_testid=f"key-status-{provider}",
                    ),
                    content=p.key_error,
                ),
                rx.badge(
                    rx.icon("key_round", size=12),
                    rx.cond(p.key_last4 != "", f"Key ••••{p.key_last4}", "Key set"),
                    color_scheme="grass",
                    variant="soft",
                    radius="full",
                    class_name="fb-mono",
                    data_testid=f"key-status-{provider}",
                ),
            ),
            rx.badge(
                "No key stored",
                color_scheme="gray",
                variant="soft",
                radius="full",
                data_testid=f"key-status-{provider}",
            ),
        ),
        rx.cond(
            p.env_configured,
            rx.badge(
                rx.icon("terminal", size=12),
                f"{p.env_var} set",
                color_scheme="blue",
                variant="soft",
                radius="full",
            ),
        ),
        rx.cond(~p.enabled, rx.badge("Disabled", color_scheme="red", variant="soft")),
        spacing="2",
        align="center",
    )


def _key_form(p: rx.Var[ProviderView], provider: str) -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.text("API key", size="1", weight="medium", color=rx.color("gray", 11)),
            rx.hstack(
                rx.input(
                    name="api_key",
                    type="password",
                    placeholder=rx.cond(p.configured, "Paste a new key to replace it", "sk-…"),
                    auto_complete=False,
                    aria_label=f"{p.label} API key",
                    width="100%",
                    class_name="fb-mono",
                ),
                rx.button("Save key", type="submit", variant="soft"),
                rx.cond(
                    p.configured,
                    rx.button(
                        "Remove key",
                        type="button",
                        variant="soft",
                        color_scheme="red",
                        on_click=S.ask_remove(provider),
                    ),
                ),
                spacing="2",
                width="100%",
            ),
            spacing="1",
            width="100%",
        ),
        on_submit=S.save_key(provider),
        reset_on_submit=True,
        width="100%",
    )


def _base_form(p: rx.Var[ProviderView], provider: str) -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.text(
                "Base URL (Ollama, vLLM, LM Studio…)"
                if provider == "openai_compatible"
                else "Base URL (optional override)",
                size="1",
                weight="medium",
                color=rx.color("gray", 11),
            ),
            rx.hstack(
                rx.input(
                    name="api_base",
                    default_value=p.api_base,
                    placeholder=BASE_URL_PLACEHOLDERS.get(provider, "https://…"),
                    aria_label=f"{p.label} base URL",
                    width="100%",
                    class_name="fb-mono",
                    key=p.api_base,
                ),
                rx.button("Save", type="submit", variant="soft", color_scheme="gray"),
                spacing="2",
                width="100%",
            ),
            spacing="1",
            width="100%",
        ),
        on_submit=S.save_base(provider),
        width="100%",
    )


def _provider_card(index: int, provider: str) -> rx.Component:
    # Static cards, not rx.foreach: a form's submit handler cannot see a foreach item.
    p = S.providers[index]
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.center(
                    rx.icon(PROVIDER_ICONS.get(provider, "plug"), size=18),
                    width="36px",
                    height="36px",
                    border_radius="10px",
                    background=rx.color("accent", 3),
                    color=rx.color("accent", 11),
                ),
                rx.vstack(
                    rx.text(p.label, size="3", weight="bold"),
                    _key_status(p, provider),
                    spacing="1",
                ),
                rx.spacer(),
                rx.text("Enabled", size="1", color=rx.color("gray", 11)),
                rx.switch(
                    checked=p.enabled,
                    on_change=S.set_enabled(provider),
                    aria_label=f"{p.label} enabled",
                ),
                align="center",
                spacing="3",
                width="100%",
            ),
            rx.cond(
                p.key_error != "",
                rx.callout(
                    p.key_error,
                    icon="triangle_alert",
                    color_scheme="red",
                    size="1",
                    width="100%",
                    data_testid=f"key-error-{provider}",
                ),
            ),
            rx.grid(
                _key_form(p, provider),
                _base_form(p, provider),
                columns="2",
                gap="16px",
                width="100%",
            ),
            rx.text(
                rx.cond(
                    p.env_var != "",
                    f"A stored key wins over the {p.env_var} environment variable. "
                    "Keys are never shown again, logged or exported.",
                    "For a local server a key is often not needed; set the base URL.",
                ),
                size="1",
                color=rx.color("gray", 10),
            ),
            spacing="4",
            width="100%",
        ),
        size="3",
        width="100%",
        data_provider=provider,
    )


def _group_row(group: GroupDraft, index: rx.Var[int]) -> rx.Component:
    return rx.hstack(
        rx.input(
            value=group.name,
            on_change=S.set_group_field(index, "name"),
            placeholder="flagship",
            aria_label="Group name",
            width="180px",
            min_width="120px",
        ),
        rx.text_area(
            value=group.models,
            on_change=S.set_group_field(index, "models"),
            placeholder="gpt-4o\nclaude-sonnet\ngemini-pro",
            rows="3",
            aria_label="Group models",
            class_name="fb-mono",
            flex="1",
        ),
        rx.icon_button(
            rx.icon("trash_2", size=15),
            variant="ghost",
            color_scheme="red",
            on_click=S.remove_group(index),
            aria_label="Remove group",
        ),
        align="start",
        spacing="3",
        width="100%",
        key=group.key,
    )


def _alias(pair: rx.Var[list[str]]) -> rx.Component:
    return rx.vstack(
        rx.code(pair[0], variant="soft", size="1"),
        rx.hstack(
            rx.icon("corner_down_right", size=12, color=rx.color("gray", 9)),
            rx.text(pair[1], size="1", class_name="fb-mono", color=rx.color("gray", 11)),
            align="center",
            spacing="1",
        ),
        spacing="1",
    )


def _model_map() -> rx.Component:
    return rx.grid(
        rx.card(
            rx.vstack(
                rx.text(
                    "Each group lists equivalent models in preference order, one per line or "
                    "separated by commas. When one fails, the next in its group answers.",
                    size="2",
                    color=rx.color("gray", 11),
                ),
                rx.cond(
                    S.groups.length() > 0,
                    rx.vstack(rx.foreach(S.groups, _group_row), spacing="3", width="100%"),
                    rx.text("No groups yet.", size="2", color=rx.color("gray", 9)),
                ),
                rx.cond(
                    S.model_map_error != "",
                    rx.callout(
                        S.model_map_error, icon="triangle_alert", color_scheme="red", width="100%"
                    ),
                ),
                rx.hstack(
                    rx.button(
                        rx.icon("plus", size=14),
                        "Add group",
                        variant="soft",
                        color_scheme="gray",
                        on_click=S.add_group,
                    ),
                    rx.spacer(),
                    rx.button(
                        "Discard", variant="ghost", color_scheme="gray", on_click=S.reset_model_map
                    ),
                    rx.button(
                        rx.icon("save", size=14), "Save model map", on_click=S.save_model_map
                    ),
                    width="100%",
                    spacing="2",
                    align="center",
                ),
                spacing="4",
                width="100%",
            ),
            size="3",
        ),
        rx.card(
            rx.vstack(
                rx.text("Built-in aliases", size="2", weight="bold"),
                rx.text(
                    "Short names you can use anywhere a model is asked for.",
                    size="1",
                    color=rx.color("gray", 10),
                ),
                rx.vstack(rx.foreach(S.aliases, _alias), spacing="3"),
                spacing="3",
            ),
            size="3",
        ),
        # Side by side on wide windows; below 1280 px the aliases go under the groups.
        grid_template_columns=rx.breakpoints(initial="minmax(0, 1fr)", xl="minmax(0, 1fr) 320px"),
        align_items="start",
        gap="16px",
        width="100%",
    )


def _heading(title: str, description: str) -> rx.Component:
    return rx.vstack(
        rx.heading(title, size="4", weight="medium"),
        rx.text(description, size="2", color=rx.color("gray", 11)),
        spacing="1",
        margin_top="8px",
    )


def settings_page() -> rx.Component:
    """Provider keys and the model map."""
    return page_layout(
        rx.cond(
            S.loading,
            rx.center(rx.spinner(size="3"), padding="64px"),
            rx.vstack(
                rx.cond(~S.any_key, mock_banner(link_to_settings=False)),
                _heading(
                    "LLM providers",
                    "Keys are stored on this server and never shown again: only their last 4 "
                    "characters.",
                ),
                rx.vstack(
                    *[
                        _provider_card(index, provider)
                        for index, provider in enumerate(PROVIDER_LABELS)
                    ],
                    spacing="3",
                    width="100%",
                ),
                _heading("Model map", "Equivalent models across providers, for fallback."),
                _model_map(),
                spacing="4",
                width="100%",
            ),
        ),
        confirm_dialog(
            open=S.remove_open,
            on_open_change=S.set_remove_open,
            title=f"Remove the {S.remove_label} key?",
            description="Runs stop calling this provider with it. If no other key is "
            "configured, agents answer with the built-in mock provider.",
            confirm_label="Remove key",
            on_confirm=S.confirm_remove,
        ),
        title="Settings",
        description="LLM providers, API keys and model fallback groups.",
        admin_only=True,
    )
