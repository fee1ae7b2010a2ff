"""The A/B dialog: two versions (or tags), one input, and the node-by-node table."""

from __future__ import annotations

import reflex as rx

from app.ui.state.editor_ab_state import AbState as A
from app.ui.state.editor_ab_views import AbCell, AbRow

STATUS_COLORS = {"succeeded": "green", "failed": "red", "running": "blue", "queued": "gray"}


def _output(side: AbCell) -> rx.Component:
    return rx.cond(
        side.full != "",
        rx.el.details(
            rx.el.summary(side.output, cursor="pointer", font_family="monospace", font_size="12px"),
            rx.text(side.full, size="1", font_family="monospace", white_space="pre-wrap"),
        ),
        rx.text(side.output, size="1", font_family="monospace", word_break="break-all"),
    )


def _side(side: AbCell) -> list[rx.Component]:
    return [
        rx.table.cell(
            rx.badge(
                side.status,
                color_scheme=rx.match(side.status, *STATUS_COLORS.items(), "gray"),
                size="1",
            )
        ),
        rx.table.cell(_output(side), max_width="260px"),
        rx.table.cell(rx.text(side.duration, size="1", white_space="nowrap")),
        rx.table.cell(rx.text(side.cost, size="1", white_space="nowrap")),
    ]


def _row(row: AbRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.text(row.name, weight="medium", size="2")),
        *_side(row.a),
        *_side(row.b),
        background=rx.cond(row.differs, rx.color("amber", 3), "transparent"),
        data_differs=rx.cond(row.differs, "1", "0"),
        data_testid="ab-row",
    )


def _head() -> rx.Component:
    def side(label: rx.Var[str]) -> list[rx.Component]:
        return [
            rx.table.column_header_cell(f"{label} status"),
            rx.table.column_header_cell("output"),
            rx.table.column_header_cell("time"),
            rx.table.column_header_cell("cost"),
        ]

    return rx.table.header(
        rx.table.row(rx.table.column_header_cell("Node"), *side(A.ab_a), *side(A.ab_b))
    )


def _table() -> rx.Component:
    return rx.table.root(
        _head(),
        rx.table.body(
            rx.foreach(A.ab_rows, _row),
            rx.table.row(
                rx.table.row_header_cell(rx.text("Total", weight="bold", size="2")),
                *_side(A.ab_totals.a),
                *_side(A.ab_totals.b),
                background=rx.color("gray", 3),
                data_testid="ab-totals",
            ),
        ),
        size="1",
        variant="surface",
        width="100%",
    )


def _form() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.vstack(
                rx.text("A (v3 or a tag)", size="1", weight="medium"),
                rx.input(value=A.ab_a, on_change=A.set_ab_a, size="2", data_testid="ab-a"),
                spacing="1",
            ),
            rx.vstack(
                rx.text("B (v3 or a tag)", size="1", weight="medium"),
                rx.input(value=A.ab_b, on_change=A.set_ab_b, size="2", data_testid="ab-b"),
                spacing="1",
            ),
            spacing="3",
        ),
        rx.text("Input (JSON)", size="1", weight="medium"),
        rx.text_area(
            value=A.ab_input,
            on_change=A.set_ab_input,
            rows="4",
            font_family="monospace",
            width="100%",
            data_testid="ab-input",
        ),
        rx.cond(A.ab_error != "", rx.text(A.ab_error, color=rx.color("red", 11), size="2")),
        rx.hstack(
            rx.button(
                rx.icon("play", size=14),
                "Run A/B",
                on_click=A.run_ab,
                loading=A.ab_running,
                data_testid="ab-run",
            ),
            rx.cond(
                A.ab_running,
                rx.text("Running both versions…", size="2", color=rx.color("gray", 11)),
            ),
            align="center",
        ),
        spacing="2",
        width="100%",
    )


def ab_dialog() -> rx.Component:
    """The A/B dialog (opened from the history panel)."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("A/B run"),
            rx.dialog.description(
                "Run two versions on the same input and compare them node by node. "
                "Rows whose outputs differ are highlighted.",
                size="2",
                color=rx.color("gray", 11),
            ),
            rx.box(_form(), margin_y="12px"),
            rx.cond(A.ab_started, rx.box(_table(), overflow_x="auto", width="100%")),
            rx.flex(
                rx.dialog.close(rx.button("Close", variant="soft", color_scheme="gray")),
                justify="end",
                margin_top="12px",
            ),
            max_width="min(1200px, 96vw)",
            data_testid="ab-dialog",
        ),
        open=A.ab_open,
        on_open_change=A.open_ab,
    )
