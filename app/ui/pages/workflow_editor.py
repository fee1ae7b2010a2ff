"""One workflow (the canvas arrives in a later issue): its nodes, problems and a Run button."""

from __future__ import annotations

import reflex as rx

from app.ui.components.empty_state import empty_state
from app.ui.components.page_layout import back_link, page_layout
from app.ui.state.workflow_editor_state import NodeView
from app.ui.state.workflow_editor_state import WorkflowEditorState as S


def _node_row(node: NodeView) -> rx.Component:
    return rx.hstack(
        rx.center(
            rx.icon(node.icon, size=15, color=rx.color("accent", 11)),
            width="32px",
            height="32px",
            min_width="32px",
            border_radius="8px",
            background=rx.color("accent", 3),
        ),
        rx.vstack(
            rx.text(node.name, size="2", weight="medium"),
            rx.text(
                f"{node.type_label} · {node.id}",
                size="1",
                color=rx.color("gray", 10),
                class_name="fb-mono",
            ),
            spacing="0",
        ),
        rx.spacer(),
        rx.cond(node.disabled, rx.badge("disabled", color_scheme="gray", variant="surface")),
        rx.cond(
            node.problem != "",
            rx.tooltip(
                rx.badge(rx.icon("triangle_alert", size=12), "problem", color_scheme="red"),
                content=node.problem,
            ),
        ),
        align="center",
        spacing="3",
        padding="10px 14px",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        class_name="fb-row",
        width="100%",
        data_node=node.id,
    )


def _nodes_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading("Nodes", size="3", weight="medium"),
                rx.badge(S.nodes.length(), variant="soft", color_scheme="gray", radius="full"),
                rx.spacer(),
                rx.text(f"{S.edge_count} connections", size="1", color=rx.color("gray", 10)),
                align="center",
                width="100%",
                padding="0 14px 10px",
            ),
            rx.cond(
                S.nodes.length() > 0,
                rx.vstack(rx.foreach(S.nodes, _node_row), spacing="0", width="100%"),
                rx.text(
                    "No nodes yet. The visual canvas to add them is coming next.",
                    size="2",
                    color=rx.color("gray", 10),
                    padding="0 14px 8px",
                ),
            ),
            spacing="0",
            width="100%",
        ),
        size="1",
        padding_top="14px",
        width="100%",
    )


def _run_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Run", size="3", weight="medium"),
            rx.text("Optional input (JSON), available as {{ trigger }}.", size="1", color="gray"),
            rx.text_area(
                value=S.input_text,
                on_change=S.set_input_text,
                placeholder='{"name": "Ada"}',
                rows="5",
                width="100%",
                class_name="fb-mono",
            ),
            rx.button(
                rx.icon("play", size=15),
                "Run workflow",
                on_click=S.run,
                disabled=S.problems.length() > 0,
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def _problems_card() -> rx.Component:
    return rx.cond(
        S.problems.length() > 0,
        rx.callout.root(
            rx.callout.icon(rx.icon("triangle_alert", size=16)),
            rx.box(
                rx.text("This workflow cannot run yet:", weight="medium", size="2"),
                rx.el.ul(
                    rx.foreach(S.problems, lambda p: rx.el.li(rx.text(p, size="2"))),
                    padding_left="18px",
                    margin="4px 0 0",
                    list_style_type="disc",
                ),
            ),
            color_scheme="amber",
            width="100%",
        ),
    )


def _canvas_placeholder() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon("git_branch", size=22, color=rx.color("gray", 9)),
            rx.text("The visual canvas is on its way.", size="2", color=rx.color("gray", 10)),
            align="center",
            spacing="2",
        ),
        height="140px",
        border=f"1px dashed {rx.color('gray', 6)}",
        border_radius="12px",
        background=f"radial-gradient({rx.color('gray', 5)} 1px, transparent 1px)",
        background_size="16px 16px",
        width="100%",
    )


def _body() -> rx.Component:
    return rx.vstack(
        _problems_card(),
        rx.grid(
            rx.vstack(_canvas_placeholder(), _nodes_card(), spacing="4", width="100%"),
            rx.vstack(_run_card(), width="100%"),
            columns="3fr 1fr",
            spacing="4",
            width="100%",
        ),
        spacing="4",
        width="100%",
    )


def workflow_editor_page() -> rx.Component:
    """The page of one workflow (`/workflows/[workflow_id]`)."""
    return page_layout(
        rx.cond(
            S.loading,
            rx.center(rx.spinner(size="3"), padding="64px"),
            rx.cond(
                S.found,
                _body(),
                empty_state(
                    "file_question",
                    "Workflow not found",
                    "It may have been deleted.",
                    rx.link(rx.button("All workflows"), href="/workflows"),
                ),
            ),
        ),
        title=rx.cond(S.found, S.name, "Workflow"),
        description=rx.cond(S.description != "", S.description, "No description"),
        actions=[
            rx.link(
                rx.button(
                    rx.icon("history", size=15), "Executions", variant="soft", color_scheme="gray"
                ),
                href=f"/executions?workflow={S.workflow_id}",
            ),
        ],
        back=back_link("Workflows", "/workflows"),
    )
