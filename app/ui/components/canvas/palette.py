"""The node palette: node types grouped by category, searchable, draggable onto the canvas.

It collapses to a rail of icons (see flowbook.css): on request, or by itself below 1280 px
unless expanded, so the canvas keeps its room on a small screen.
"""

from __future__ import annotations

import reflex as rx

from app.ui.state.editor_canvas_state import CanvasState as C
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
            class_name="fb-palette-text",
        ),
        align="start",
        spacing="2",
        padding="7px 8px",
        border_radius="8px",
        cursor="grab",
        class_name="fb-palette-item",
        draggable=True,
        data_node_type=item.type,
        # Enter or Space on it clicks it (flow_canvas.jsx), as on a button.
        role="button",
        tab_index=0,
        title=f"{item.label}: drag onto the canvas, or click (or press Enter) to add",
        on_click=C.add_from_palette(item.type),
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
            class_name="fb-palette-text",
        ),
        align="start",
        spacing="2",
        padding="7px 8px",
        border_radius="8px",
        cursor="not-allowed",
        class_name="fb-palette-item",
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
            class_name="fb-palette-title",
        ),
        rx.foreach(group.node_types, _entry),
        spacing="1",
        width="100%",
    )


def _toggle(icon: str, label: str, mode: str, class_name: str) -> rx.Component:
    return rx.icon_button(
        rx.icon(icon, size=16),
        variant="ghost",
        color_scheme="gray",
        size="1",
        on_click=C.set_palette_mode(mode),
        aria_label=label,
        title=label,
        class_name=class_name,
    )


def palette() -> rx.Component:
    """The left panel of the editor."""
    return rx.vstack(
        _toggle("panel_left_open", "Expand the palette", "open", "fb-palette-expand"),
        rx.input(
            rx.input.slot(rx.icon("search", size=14)),
            rx.input.slot(
                _toggle(
                    "panel_left_close", "Collapse the palette", "closed", "fb-palette-collapse"
                ),
                side="right",
            ),
            placeholder="Search nodes…",
            value=C.palette_search,
            on_change=C.set_palette_search,
            aria_label="Search nodes",
            class_name="fb-palette-search",
            size="2",
            width="100%",
        ),
        # A focusable scroll region (not rx.scroll_area): keyboard users can scroll it.
        rx.box(
            rx.vstack(
                rx.foreach(C.palette, _group),
                rx.cond(
                    C.palette.length() == 0,
                    rx.text(
                        "No node matches.", size="2", color=rx.color("gray", 10), padding="8px"
                    ),
                ),
                spacing="4",
                width="100%",
                padding_right="6px",
            ),
            tab_index=0,
            role="region",
            aria_label="Node types",
            overflow_y="auto",
            flex="1",
            min_height="0",
            width="100%",
        ),
        spacing="3",
        width="264px",
        min_width="264px",
        height="100%",
        padding="14px 10px 14px 14px",
        border_right=f"1px solid {rx.color('gray', 5)}",
        background=rx.color("gray", 1),
        class_name="fb-palette",
        data_mode=C.palette_mode,
        data_testid="palette",
    )
