"""The agents list of the orchestration form: one card per agent, add/remove/reorder."""

from __future__ import annotations

import reflex as rx
from reflex_base.event import EventType

from app.ui.state.orchestration_editor_state import MODEL_SUGGESTIONS, AgentDraft
from app.ui.state.orchestration_editor_state import OrchestrationEditorState as E

MODEL_LIST_ID = "fb-model-suggestions"


def field_error(message: rx.Var[str]) -> rx.Component:
    """A red line under a field when it has a problem.

    Args:
        message: the problem ("" shows nothing).
    """
    return rx.cond(
        message != "",
        rx.text(message, size="1", color=rx.color("red", 11), class_name="fb-field-error"),
    )


def labelled(label: str, control: rx.Component, error: rx.Var[str] | None = None) -> rx.Component:
    """A form field: a small label above the control and its error below.

    Args:
        label: the field's name.
        control: the input.
        error: its problem, if the field can have one.
    """
    return rx.vstack(
        rx.text(label, size="1", weight="medium", color=rx.color("gray", 11)),
        control,
        *([field_error(error)] if error is not None else []),
        spacing="1",
        width="100%",
    )


def model_suggestions() -> rx.Component:
    """The `<datalist>` behind every model field (suggestions, free text still allowed)."""
    return rx.el.datalist(
        *[rx.el.option(value=model) for model in MODEL_SUGGESTIONS], id=MODEL_LIST_ID
    )


def model_input(value: rx.Var[str], on_change: EventType[str], label: str) -> rx.Component:
    """A text field for a model name with the suggestion list.

    Args:
        value: the model name.
        on_change: called with the new name.
        label: its accessible name.
    """
    return rx.input(
        value=value,
        on_change=on_change,
        placeholder="mock/agent-a, gpt-4o-mini, claude-3-5-sonnet…",
        custom_attrs={"list": MODEL_LIST_ID},
        class_name="fb-mono",
        aria_label=label,
        width="100%",
    )


def _invalid(error: rx.Var[str]) -> rx.Var[str]:
    return rx.cond(error != "", "red", "gray")


def _agent_card(agent: AgentDraft, index: rx.Var[int]) -> rx.Component:
    number = index + 1
    return rx.box(
        rx.hstack(
            rx.badge(f"#{number}", variant="soft", radius="full", size="2"),
            rx.text(
                rx.cond(agent.name != "", agent.name, "Unnamed agent"),
                size="2",
                weight="bold",
                color=rx.color("gray", 12),
            ),
            rx.spacer(),
            rx.icon_button(
                rx.icon("chevron_up", size=15),
                variant="ghost",
                color_scheme="gray",
                size="1",
                disabled=index == 0,
                on_click=E.move_agent(index, -1),
                aria_label="Move agent up",
            ),
            rx.icon_button(
                rx.icon("chevron_down", size=15),
                variant="ghost",
                color_scheme="gray",
                size="1",
                disabled=index == E.agents.length() - 1,
                on_click=E.move_agent(index, 1),
                aria_label="Move agent down",
            ),
            rx.icon_button(
                rx.icon("trash_2", size=15),
                variant="ghost",
                color_scheme="red",
                size="1",
                on_click=E.remove_agent(index),
                aria_label="Remove agent",
            ),
            align="center",
            spacing="2",
            width="100%",
        ),
        rx.grid(
            labelled(
                "Name",
                rx.input(
                    value=agent.name,
                    on_change=E.set_agent_field(index, "name"),
                    color_scheme=_invalid(agent.name_error),
                    aria_label="Agent name",
                    width="100%",
                ),
                agent.name_error,
            ),
            labelled(
                "Model",
                model_input(agent.model, E.set_agent_field(index, "model"), "Agent model"),
                agent.model_error,
            ),
            labelled(
                "Temperature",
                rx.input(
                    value=agent.temperature,
                    on_change=E.set_agent_field(index, "temperature"),
                    type="number",
                    step="0.1",
                    min="0",
                    max="2",
                    aria_label="Agent temperature",
                    width="100%",
                ),
                agent.temperature_error,
            ),
            labelled(
                "Weight",
                rx.input(
                    value=agent.weight,
                    on_change=E.set_agent_field(index, "weight"),
                    type="number",
                    step="0.5",
                    min="0",
                    aria_label="Agent weight",
                    width="100%",
                ),
                agent.weight_error,
            ),
            grid_template_columns="1.2fr 1.6fr 0.6fr 0.6fr",
            gap="12px",
            width="100%",
        ),
        rx.grid(
            labelled(
                "System prompt (role)",
                rx.text_area(
                    value=agent.system_prompt,
                    on_change=E.set_agent_field(index, "system_prompt"),
                    placeholder="You are a careful analyst. Answer in one word.",
                    rows="3",
                    aria_label="Agent system prompt",
                    width="100%",
                ),
                agent.system_prompt_error,
            ),
            labelled(
                "Prompt ({input} marks the question)",
                rx.text_area(
                    value=agent.prompt,
                    on_change=E.set_agent_field(index, "prompt"),
                    placeholder="Empty: the question alone. E.g. “Think step by step: {input}”",
                    rows="3",
                    aria_label="Agent prompt",
                    width="100%",
                ),
                agent.prompt_error,
            ),
            columns="2",
            gap="12px",
            width="100%",
        ),
        display="flex",
        flex_direction="column",
        gap="14px",
        padding="16px",
        border=f"1px solid {rx.color('gray', 5)}",
        border_radius="12px",
        background=rx.color("gray", 1),
        width="100%",
        key=agent.key,
        data_agent_row=index,
    )


def agent_editor() -> rx.Component:
    """Every agent as an editable card, and the button that adds one."""
    return rx.vstack(
        model_suggestions(),
        rx.foreach(E.agents, _agent_card),
        rx.button(
            rx.icon("plus", size=15),
            "Add agent",
            variant="soft",
            color_scheme="gray",
            on_click=E.add_agent,
            disabled=~E.can_add_agent,
            width="100%",
            border=f"1px dashed {rx.color('gray', 7)}",
        ),
        spacing="3",
        width="100%",
    )
