"""One orchestration run as a card: winner and votes, then every agent side by side."""

from __future__ import annotations

import reflex as rx

from app.ui.components.json_view import json_view
from app.ui.components.mock_badge import mock_badge
from app.ui.components.status_badge import status_badge
from app.ui.components.vote_bars import vote_bars
from app.ui.state.orchestration_views import AgentAnswerView, RunView

MUTED = rx.color("gray", 11)


def _metric(label: str, value: rx.Var[str] | str) -> rx.Component:
    return rx.hstack(
        rx.text(label, size="1", color=rx.color("gray", 10)),
        rx.text(value, size="1", weight="medium", class_name="fb-mono", white_space="nowrap"),
        align="baseline",
        spacing="1",
    )


def _stat(label: str, value: rx.Var[str]) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="1", color=rx.color("gray", 10)),
        rx.text(value, size="2", weight="medium", class_name="fb-mono", white_space="nowrap"),
        spacing="0",
        min_width="0",
    )


def _agreement(agent: AgentAnswerView) -> rx.Component:
    return rx.match(
        agent.agrees,
        (
            "yes",
            rx.tooltip(
                rx.icon("circle_check", size=17, color=rx.color("grass", 10)),
                content="Agrees with the winning answer",
            ),
        ),
        (
            "no",
            rx.tooltip(
                rx.icon("circle_x", size=17, color=rx.color("gray", 8)),
                content="Disagrees with the winning answer",
            ),
        ),
        rx.fragment(),
    )


def _agent_column(
    agent: AgentAnswerView, index: rx.Var[int], strategy: rx.Var[str]
) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.center(
                rx.icon("bot", size=15, color=rx.color("accent", 11)),
                width="28px",
                height="28px",
                min_width="28px",
                border_radius="8px",
                background=rx.color("accent", 3),
            ),
            rx.vstack(
                rx.text(agent.name, size="2", weight="bold", color=rx.color("gray", 12)),
                rx.text(
                    agent.model,
                    size="1",
                    class_name="fb-mono",
                    color=rx.color("gray", 10),
                    white_space="nowrap",
                    overflow="hidden",
                    text_overflow="ellipsis",
                    max_width="100%",
                    title=agent.model,
                ),
                spacing="0",
                min_width="0",
                flex="1",
            ),
            rx.cond(
                strategy == "sequential",
                rx.badge(f"Step {index + 1}", variant="outline", color_scheme="gray"),
            ),
            rx.cond(agent.is_mock, mock_badge()),
            _agreement(agent),
            align="center",
            spacing="2",
            width="100%",
        ),
        rx.box(
            rx.cond(
                agent.text != "",
                rx.text(agent.text, size="2", white_space="pre-wrap", class_name="fb-answer"),
                rx.text("No answer", size="2", color=rx.color("gray", 9), font_style="italic"),
            ),
            padding="10px 12px",
            border_radius="8px",
            background=rx.color("gray", 2),
            border=f"1px solid {rx.color('gray', 4)}",
            max_height="200px",
            overflow_y="auto",
            width="100%",
            flex="1",
        ),
        rx.grid(
            _stat("Tokens in", agent.tokens_in),
            _stat("Tokens out", agent.tokens_out),
            _stat("Cost", agent.cost),
            _stat("Latency", agent.latency),
            columns="4",
            gap="8px",
            width="100%",
            padding_top="10px",
            border_top=f"1px solid {rx.color('gray', 4)}",
        ),
        spacing="3",
        padding="14px",
        border=f"1px solid {rx.color('gray', 5)}",
        border_radius="10px",
        background=rx.color("gray", 1),
        height="100%",
        data_agent=agent.name,
        data_agrees=agent.agrees,
    )


def _winner_panel(run: RunView) -> rx.Component:
    return rx.vstack(
        rx.text(
            rx.cond(run.tie != "", "Tie · answer picked by the tie rule", "Winning answer"),
            size="1",
            weight="medium",
            color=rx.color("gray", 10),
        ),
        rx.hstack(
            rx.cond(
                run.tie != "",
                rx.icon("scale", size=20, color=rx.color("amber", 10)),
                rx.icon("trophy", size=20, color=rx.color("amber", 10)),
            ),
            rx.text(
                run.winner,
                size="5",
                weight="bold",
                color=rx.color("gray", 12),
                data_testid="run-winner",
            ),
            align="center",
            spacing="2",
        ),
        rx.cond(run.judge != "", rx.text(run.judge, size="1", color=MUTED)),
        rx.cond(
            run.tie != "",
            rx.callout(
                run.tie,
                icon="scale",
                color_scheme="amber",
                size="1",
                width="100%",
                data_testid="run-tie",
            ),
        ),
        rx.vstack(
            rx.hstack(
                rx.text("Disagreement", size="1", color=rx.color("gray", 10)),
                rx.spacer(),
                rx.text(run.disagreement, size="1", weight="medium", class_name="fb-mono"),
                width="100%",
            ),
            rx.progress(
                value=run.disagreement_value,
                aria_label="Disagreement",
                max=100,
                size="1",
                color_scheme=rx.cond(
                    run.disagreement_value < 34,
                    "grass",
                    rx.cond(run.disagreement_value < 60, "amber", "red"),
                ),
            ),
            spacing="1",
            width="100%",
            margin_top="6px",
            data_testid="run-disagreement",
        ),
        spacing="2",
        width="100%",
    )


def _outcome(run: RunView) -> rx.Component:
    consensus = rx.grid(
        _winner_panel(run),
        rx.vstack(
            rx.text("Votes", size="1", weight="medium", color=rx.color("gray", 10)),
            vote_bars(run.votes),
            spacing="2",
            width="100%",
        ),
        columns="2",
        spacing="6",
        width="100%",
        padding="14px 16px",
        border_radius="10px",
        background=rx.color("accent", 2),
        border=f"1px solid {rx.color('accent', 4)}",
    )
    answer = rx.vstack(
        rx.text(
            rx.cond(run.strategy == "parallel", "Answers", "Final answer"),
            size="1",
            weight="medium",
            color=rx.color("gray", 10),
        ),
        json_view(run.answer, max_height="200px"),
        spacing="2",
        width="100%",
    )
    return rx.cond(run.winner != "", consensus, rx.cond(run.answer != "", answer, rx.fragment()))


def _header(run: RunView) -> rx.Component:
    return rx.hstack(
        rx.link(
            f"Run #{run.execution_id}",
            href=f"/executions/{run.execution_id}",
            weight="bold",
            size="3",
            color=rx.color("gray", 12),
            white_space="nowrap",
        ),
        status_badge(run.status),
        rx.cond(run.is_mock, mock_badge()),
        rx.text(
            rx.moment(run.created_at, from_now=True, interval=15_000),
            size="1",
            color=rx.color("gray", 10),
            white_space="nowrap",
        ),
        rx.spacer(),
        rx.hstack(
            _metric("Duration", run.duration),
            _metric("Tokens", f"{run.tokens_in} in / {run.tokens_out} out"),
            _metric("Cost", run.cost),
            align="center",
            spacing="3",
        ),
        align="center",
        spacing="3",
        width="100%",
        # On narrow windows the metrics move under the title instead of squeezing it.
        flex_wrap="wrap",
        row_gap="6px",
    )


def orchestration_run_card(run: RunView) -> rx.Component:
    """The card of one run, newest first in the history."""
    return rx.card(
        rx.vstack(
            _header(run),
            rx.hstack(
                rx.icon("message_square", size=14, color=rx.color("gray", 9), margin_top="3px"),
                rx.text(run.input, size="2", color=MUTED, white_space="pre-wrap"),
                align="start",
                spacing="2",
                width="100%",
            ),
            rx.cond(
                run.error != "",
                rx.callout(run.error, icon="triangle_alert", color_scheme="red", width="100%"),
            ),
            rx.cond(
                run.active & (run.agents.length() == 0),
                rx.hstack(
                    rx.spinner(size="2"),
                    rx.text("The agents are working…", size="2", color=MUTED),
                    align="center",
                    spacing="2",
                    padding="18px 4px",
                ),
            ),
            _outcome(run),
            rx.cond(
                run.agents.length() > 0,
                rx.grid(
                    rx.foreach(
                        run.agents, lambda agent, index: _agent_column(agent, index, run.strategy)
                    ),
                    grid_template_columns="repeat(auto-fit, minmax(240px, 1fr))",
                    gap="12px",
                    width="100%",
                ),
            ),
            spacing="4",
            width="100%",
        ),
        width="100%",
        size="3",
        data_run=run.execution_id,
        data_status=run.status,
        class_name="fb-run-card",
    )
