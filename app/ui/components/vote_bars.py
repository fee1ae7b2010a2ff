"""Horizontal bars, one per distinct answer, sized by its share of the votes."""

from __future__ import annotations

import reflex as rx

from app.ui.state.orchestration_views import VoteBar


def _bar(bar: VoteBar) -> rx.Component:
    color = rx.cond(bar.is_winner, rx.color("grass", 9), rx.color("gray", 8))
    return rx.vstack(
        rx.hstack(
            rx.cond(
                bar.is_winner,
                rx.icon("trophy", size=13, color=rx.color("grass", 11)),
                rx.icon("circle", size=9, color=rx.color("gray", 9)),
            ),
            rx.text(
                bar.answer,
                size="2",
                weight=rx.cond(bar.is_winner, "bold", "regular"),
                color=rx.color("gray", 12),
                overflow="hidden",
                text_overflow="ellipsis",
                white_space="nowrap",
                flex="1",
                min_width="0",
            ),
            rx.text(
                rx.cond(bar.votes == "1", "1 vote", f"{bar.votes} votes"),
                size="1",
                color=rx.color("gray", 11),
                class_name="fb-mono",
                white_space="nowrap",
            ),
            align="center",
            spacing="2",
            width="100%",
        ),
        rx.box(
            rx.box(
                width=bar.percent,
                height="100%",
                border_radius="999px",
                background=color,
                transition="width 300ms ease",
            ),
            width="100%",
            height="8px",
            border_radius="999px",
            background=rx.color("gray", 4),
            overflow="hidden",
        ),
        spacing="1",
        width="100%",
        data_vote=bar.answer,
        data_votes=bar.votes,
        data_winner=rx.cond(bar.is_winner, "true", "false"),
    )


def vote_bars(bars: rx.Var[list[VoteBar]]) -> rx.Component:
    """The vote distribution of a consensus run, most votes first.

    Args:
        bars: the distinct answers with their vote counts and shares.
    """
    return rx.vstack(rx.foreach(bars, _bar), spacing="3", width="100%")
