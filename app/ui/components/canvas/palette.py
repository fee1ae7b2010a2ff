"""The node palette: node types grouped by category, searchable, draggable onto the canvas."""

from __future__ import annotations

import reflex as rx

from app.ui.state.editor_state import EditorState as S
from app.ui.state.editor_views import PaletteGroup, PaletteItem


def _item(item: PaletteItem) -> rx.Component:
    return rx.hstack(
        rx.center(
            rx.icon(item.icon, size=15, color="white"),
            width="28px",
            height="28px",
            min_width="28px",
            border_radius="7px",
            background=item.color,
        ),
        rx.vstack(
            rx.text(item.label, size="2", weight="medium", line_height="1.2"),
            rx.text(
                item.description,
                size="1",
                color=rx.color("gray", 10),
                line_height="1.3",
                style={
                    "display": "-webkit-box",
                    "WebkitLineClamp": "2",
                    "WebkitBoxOrient": "vertical",
                    "overflow": "hidden",
                },
            ),
            spacing="0",
            min_width="0",
        ),
        align="start",
        spacing="2",
        padding="7px 8px",
        border_radius="8px",
        cursor="grab",
        class_name="fb-palette-item",
        draggable=True,
        data_node_type=item.type,
        title=f"Drag onto the canvas, or click to add ({item.type})",
        on_click=S.add_from_palette(item.type),
        width="100%",
    )


def _unavailable_item(item: PaletteItem) -> rx.Component:
    # Shown but inert: not draggable, no click, and the reason in words and as a tooltip.
    return rx.hstack(
        rx.center(
            rx.icon(item.icon, size=15, color=rx.color("gray", 11)),
            width="28px",
            height="28px",
            min_width="28px",
            border_radius="7px",
            background=rx.color("gray", 4),
        ),
        rx.vstack(
            rx.hstack(
                rx.text(item.label, size="2", weight="medium", line_height="1.2"),
                rx.badge("Not yet available", color_scheme="gray", variant="soft", size="1"),
                spacing="2",
                align="center",
                wrap="wrap",
            ),
            rx.text(
                item.not_yet_available,
                size="1",
                color=rx.color("gray", 11),
                line_height="1.3",
            ),
            spacing="1",
            min_width="0",
        ),
        align="start",
        spacing="2",
        padding="7px 8px",
        border_radius="8px",
        cursor="not-allowed",
        draggable=False,
        aria_disabled="true",
        data_unavailable_type=item.type,
        title=f"Not yet available: {item.not_yet_available}",
        width="100%",
    )


def _entry(item: PaletteItem) -> rx.Component:
    return rx.cond(item.available, _item(item), _unavailable_item(item))


def _group(group: PaletteGroup) -> rx.Component:
    return rx.vstack(
        rx.text(
            group.title,
            size="1",
            weight="bold",
            color=rx.color("gray", 10),
            text_transform="uppercase",
            letter_spacing="0.06em",
            padding="0 8px",
        ),
        rx.foreach(group.node_types, _entry),
        spacing="1",
        width="100%",
    )


def palette() -> rx.Component:
    """The left panel of the editor."""
    return rx.vstack(
        rx.input(
            rx.input.slot(rx.icon("search", size=14)),
            placeholder="Search nodes…",
            value=S.palette_search,
            on_change=S.set_palette_search,
            aria_label="Search nodes",
            size="2",
            width="100%",
        ),
        rx.scroll_area(
            rx.vstack(
                rx.foreach(S.palette, _group),
                rx.cond(
                    S.palette.length() == 0,
                    rx.text(
                        "No node matches.", size="2", color=rx.color("gray", 10), padding="8px"
                    ),
                ),
                spacing="4",
                width="100%",
                padding_right="6px",
            ),
            type="hover",
            scrollbars="vertical",
            flex="1",
        ),
        spacing="3",
        width="264px",
        min_width="264px",
        height="100%",
        padding="14px 10px 14px 14px",
        border_right=f"1px solid {rx.color('gray', 5)}",
        background=rx.color("gray", 1),
        data_testid="palette",
    )
