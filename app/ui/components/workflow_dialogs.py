"""The create and rename dialogs of the workflows page."""

from __future__ import annotations

import reflex as rx

from app.ui.state.workflows_state import WorkflowsState


def _field(label: str, control: rx.Component) -> rx.Component:
    return rx.vstack(rx.text(label, size="2", weight="medium"), control, spacing="1", width="100%")


def _buttons(submit_label: str) -> rx.Component:
    return rx.flex(
        rx.dialog.close(
            rx.button("Cancel", variant="soft", color_scheme="gray", type="button"),
        ),
        rx.button(submit_label, type="submit"),
        spacing="3",
        justify="end",
        margin_top="8px",
        width="100%",
    )


def create_dialog() -> rx.Component:
    """Ask for a name and an optional description, then create the workflow."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("New workflow"),
            rx.dialog.description(
                "Give it a name; you can add nodes right after.",
                size="2",
                color=rx.color("gray", 11),
                margin_bottom="16px",
            ),
            rx.form(
                rx.vstack(
                    _field(
                        "Name",
                        rx.input(
                            name="name",
                            placeholder="e.g. Daily sales digest",
                            required=True,
                            max_length=200,
                            auto_focus=True,
                            width="100%",
                        ),
                    ),
                    _field(
                        "Description",
                        rx.text_area(
                            name="description",
                            placeholder="What does it do? (optional)",
                            rows="3",
                            width="100%",
                        ),
                    ),
                    _buttons("Create workflow"),
                    spacing="4",
                ),
                on_submit=WorkflowsState.create,
                reset_on_submit=True,
            ),
            max_width="460px",
        ),
        open=WorkflowsState.create_open,
        on_open_change=WorkflowsState.set_create_open,
    )


def rename_dialog() -> rx.Component:
    """Change a workflow's name."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Rename workflow"),
            rx.form(
                rx.vstack(
                    _field(
                        "Name",
                        rx.input(
                            name="name",
                            default_value=WorkflowsState.rename_name,
                            key=WorkflowsState.rename_id,
                            required=True,
                            max_length=200,
                            auto_focus=True,
                            width="100%",
                        ),
                    ),
                    _buttons("Save"),
                    spacing="4",
                ),
                on_submit=WorkflowsState.rename,
            ),
            max_width="460px",
        ),
        open=WorkflowsState.rename_open,
        on_open_change=WorkflowsState.set_rename_open,
    )
