"""The create/edit form of an orchestration: basics, strategy and voting, then the agents."""

from __future__ import annotations

import reflex as rx

from app.ui.components.agent_editor import agent_editor, labelled, model_input
from app.ui.state.orchestration_editor_state import OrchestrationEditorState as E

STRATEGIES = (
    ("sequential", "list_ordered", "Sequential", "Each agent gets the previous agent's answer."),
    ("parallel", "split", "Parallel", "All agents answer the same input at once."),
    ("consensus", "vote", "Consensus", "All agents answer, then they vote on one answer."),
)
VOTINGS = (
    ("majority", "Majority: the most common answer wins"),
    ("weighted", "Weighted: answers score their agents' weights"),
    ("judge", "Judge: a judge model picks the best answer"),
)


def _section(title: str, description: str, *children: rx.Component) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.vstack(
                rx.heading(title, size="3", weight="medium"),
                rx.text(description, size="2", color=rx.color("gray", 11)),
                spacing="1",
            ),
            *children,
            spacing="4",
            width="100%",
        ),
        size="3",
        width="100%",
    )


def _strategy_option(value: str, icon: str, title: str, text: str) -> rx.Component:
    chosen = E.strategy == value
    return rx.box(
        rx.hstack(
            rx.icon(icon, size=18, color=rx.cond(chosen, rx.color("accent", 11), "inherit")),
            rx.text(title, size="2", weight="bold"),
            align="center",
            spacing="2",
        ),
        rx.text(text, size="1", color=rx.color("gray", 11), margin_top="4px"),
        padding="12px 14px",
        border_radius="10px",
        border=rx.cond(
            chosen, f"2px solid {rx.color('accent', 8)}", f"2px solid {rx.color('gray', 4)}"
        ),
        background=rx.cond(chosen, rx.color("accent", 2), "transparent"),
        cursor="pointer",
        on_click=E.set_field("strategy", value),
        role="radio",
        aria_checked=rx.cond(chosen, "true", "false"),
        aria_label=title,
        data_strategy=value,
    )


def _basics() -> rx.Component:
    return _section(
        "Basics",
        "A name to find it by and a line on what it is for.",
        rx.grid(
            labelled(
                "Name",
                rx.input(
                    value=E.name,
                    on_change=E.set_field("name"),
                    placeholder="Pet advice panel",
                    color_scheme=rx.cond(E.name_error != "", "red", "gray"),
                    aria_label="Orchestration name",
                    width="100%",
                ),
                E.name_error,
            ),
            labelled(
                "Description",
                rx.input(
                    value=E.description,
                    on_change=E.set_field("description"),
                    placeholder="Three agents vote on the best answer",
                    aria_label="Orchestration description",
                    width="100%",
                ),
            ),
            columns="2",
            gap="12px",
            width="100%",
        ),
    )


def _strategy() -> rx.Component:
    return _section(
        "Strategy",
        "How the agents work together.",
        rx.grid(
            *[_strategy_option(*option) for option in STRATEGIES],
            columns="3",
            gap="10px",
            width="100%",
            role="radiogroup",
            aria_label="Strategy",
        ),
        rx.cond(
            E.strategy == "consensus",
            rx.grid(
                labelled(
                    "Voting",
                    rx.select.root(
                        rx.select.trigger(width="100%", aria_label="Voting"),
                        rx.select.content(
                            *[rx.select.item(label, value=value) for value, label in VOTINGS]
                        ),
                        value=E.voting,
                        on_change=E.set_field("voting"),
                    ),
                ),
                rx.cond(
                    E.voting == "judge",
                    labelled(
                        "Judge model",
                        model_input(E.judge_model, E.set_field("judge_model"), "Judge model"),
                        E.judge_model_error,
                    ),
                ),
                columns="2",
                gap="12px",
                width="100%",
            ),
        ),
    )


def _agents() -> rx.Component:
    return _section(
        "Agents",
        "Each agent is a model with a role. Without API keys, every model is served by the "
        "built-in mock provider; mock/agent-a, -b, -c answer differently from each other.",
        agent_editor(),
    )


def orchestration_form(submit_label: str) -> rx.Component:
    """The whole form with its errors and the save button.

    Args:
        submit_label: text of the save button ("Create orchestration", "Save changes").
    """
    return rx.vstack(
        _basics(),
        _strategy(),
        _agents(),
        rx.cond(
            E.form_errors.length() > 0,
            rx.callout.root(
                rx.callout.icon(rx.icon("triangle_alert", size=16)),
                rx.vstack(
                    rx.foreach(E.form_errors, lambda text: rx.callout.text(text)),
                    spacing="1",
                ),
                color_scheme="red",
                width="100%",
                data_testid="form-errors",
            ),
        ),
        rx.hstack(
            rx.cond(
                ~E.can_change,
                rx.badge(
                    rx.icon("eye", size=12),
                    "View only — shared with you as viewer",
                    color_scheme="blue",
                    variant="soft",
                    size="2",
                ),
            ),
            rx.spacer(),
            rx.button(
                rx.icon("save", size=15),
                submit_label,
                size="3",
                on_click=E.save,
                disabled=~E.can_change,
            ),
            align="center",
            width="100%",
        ),
        spacing="4",
        width="100%",
    )
