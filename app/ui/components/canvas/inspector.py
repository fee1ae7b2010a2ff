"""The inspector: a form generated from the selected node's config schema, plus its settings."""

from __future__ import annotations

import reflex as rx

from app.ui.components.canvas.config_fields import config_field, error_line, field_key
from app.ui.components.canvas.schedule_node import schedule_node_section
from app.ui.components.canvas.webhook_node import webhook_node_section
from app.ui.state.editor_document_state import DocumentState as D
from app.ui.state.editor_drawer_state import DrawerState as W
from app.ui.state.editor_inspector_state import InspectorState as I
from app.ui.state.editor_run_state import RunState as R
from app.ui.state.editor_selection_state import ExpressionHint
from app.ui.state.editor_selection_state import SelectionState as L
from app.ui.state.editor_state import EditorState as E

ON_ERROR_CHOICES = ["stop", "continue", "error_output"]
INSPECTOR_WIDTH = rx.breakpoints(initial="320px", lg="360px")


def _hint(hint: ExpressionHint) -> rx.Component:
    return rx.hstack(
        rx.text(hint.label, size="1", color=rx.color("gray", 11), flex="1", truncate=True),
        rx.code(hint.expression, size="1", variant="soft"),
        align="center",
        spacing="2",
        width="100%",
        cursor="copy",
        title="Click to copy",
        on_click=[rx.set_clipboard(hint.expression), rx.toast.info("Copied", duration=900)],
    )


def _section(title: str, *children: rx.Component) -> rx.Component:
    return rx.vstack(
        rx.text(
            title,
            size="1",
            weight="bold",
            color=rx.color("gray", 10),
            text_transform="uppercase",
            letter_spacing="0.06em",
        ),
        *children,
        spacing="3",
        width="100%",
    )


def _setting_error(message: rx.Var[str], field: str) -> rx.Component:
    return error_line(message, data_testid="setting-error", data_setting=field)


def _header() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.center(
                rx.icon(L.sel_icon, size=17, color="white"),
                width="34px",
                height="34px",
                min_width="34px",
                border_radius="9px",
                background=L.sel_color,
            ),
            rx.input(
                default_value=L.sel_name,
                on_blur=I.rename,
                key=field_key("name"),
                aria_label="Node name",
                variant="soft",
                size="3",
                weight="bold",
                flex="1",
                read_only=~E.can_change,
            ),
            rx.icon_button(
                rx.icon("x", size=16),
                variant="ghost",
                color_scheme="gray",
                on_click=D.focus_node(""),
                aria_label="Close inspector",
            ),
            align="center",
            spacing="2",
            width="100%",
        ),
        _setting_error(L.name_error, "name"),
        rx.text(L.sel_type_label, " · ", L.sel_id, size="1", color=rx.color("gray", 10)),
        rx.text(L.sel_description, size="1", color=rx.color("gray", 11)),
        spacing="1",
        width="100%",
    )


def _actions() -> rx.Component:
    return rx.flex(
        rx.button(
            rx.icon("play", size=13),
            "Run node",
            size="1",
            on_click=R.run_node(L.sel_id),
            disabled=~E.can_run,
        ),
        rx.button(
            rx.icon("skip_forward", size=13),
            "Run up to here",
            size="1",
            variant="soft",
            on_click=R.run_up_to(L.sel_id),
            disabled=~E.can_run,
        ),
        rx.button(
            rx.icon("panel_bottom", size=13),
            "Output",
            size="1",
            variant="soft",
            color_scheme="gray",
            on_click=W.open_output(L.sel_id),
        ),
        rx.cond(
            L.sel_pinned,
            rx.button(
                rx.icon("pin_off", size=13),
                "Unpin",
                size="1",
                variant="soft",
                color_scheme="amber",
                on_click=I.unpin_output,
                disabled=~E.can_change,
            ),
            rx.button(
                rx.icon("pin", size=13),
                "Pin output",
                size="1",
                variant="soft",
                color_scheme="gray",
                on_click=I.pin_output,
                disabled=~L.sel_has_output | ~E.can_change,
            ),
        ),
        rx.button(
            rx.icon("copy", size=13),
            "Duplicate",
            size="1",
            variant="soft",
            color_scheme="gray",
            on_click=I.duplicate_selected,
            disabled=~E.can_change,
        ),
        rx.button(
            rx.icon("trash_2", size=13),
            "Delete",
            size="1",
            variant="soft",
            color_scheme="red",
            on_click=I.delete_selected,
            disabled=~E.can_change,
        ),
        wrap="wrap",
        gap="6px",
        width="100%",
    )


def _label(text: str, control_id: str) -> rx.Component:
    return rx.el.label(text, html_for=control_id, font_size="12px", color=rx.color("gray", 11))


def _settings() -> rx.Component:
    return _section(
        "Settings",
        rx.hstack(
            rx.el.label("Disabled", html_for="node-disabled", font_size="14px", flex="1"),
            rx.switch(checked=L.sel_disabled, on_change=I.set_disabled, id="node-disabled"),
            width="100%",
        ),
        rx.grid(
            rx.vstack(
                _label("Timeout (s)", "node-timeout"),
                rx.input(
                    id="node-timeout",
                    default_value=L.sel_timeout,
                    placeholder="default",
                    key=field_key("timeout"),
                    on_blur=I.set_timeout,
                    size="1",
                    width="100%",
                ),
                _setting_error(L.timeout_error, "timeout_s"),
                spacing="1",
            ),
            rx.vstack(
                _label("Retries", "node-retries"),
                rx.input(
                    id="node-retries",
                    default_value=L.sel_retries,
                    key=field_key("retries"),
                    on_blur=I.set_retries,
                    size="1",
                    width="100%",
                ),
                _setting_error(L.retries_error, "retries"),
                spacing="1",
            ),
            columns="2",
            spacing="2",
            width="100%",
        ),
        rx.vstack(
            _label("On error", "node-on-error"),
            rx.select(
                ON_ERROR_CHOICES,
                value=L.sel_on_error,
                on_change=I.set_on_error,
                size="1",
                id="node-on-error",
            ),
            spacing="1",
            width="100%",
        ),
    )


def _read_only_unless_allowed(child: rx.Component) -> rx.Component:
    # A disabled fieldset disables every control inside it: a view-only caller reads the
    # values and changes none.
    return rx.el.fieldset(
        child,
        disabled=~E.can_change,
        style={"border": "none", "padding": "0", "margin": "0", "min_width": "0"},
        width="100%",
    )


def inspector() -> rx.Component:
    """The right panel; shown while exactly one node is selected."""
    return rx.cond(
        L.sel_id != "",
        rx.scroll_area(
            rx.vstack(
                _header(),
                _actions(),
                schedule_node_section(),
                webhook_node_section(),
                rx.divider(),
                _read_only_unless_allowed(
                    _section(
                        "Parameters",
                        rx.cond(
                            L.fields.length() > 0,
                            rx.foreach(L.fields, config_field),
                            rx.text(
                                "This node has no parameters.",
                                size="2",
                                color=rx.color("gray", 10),
                            ),
                        ),
                    )
                ),
                rx.cond(
                    L.hints.length() > 0,
                    _section(
                        "Expressions",
                        rx.vstack(rx.foreach(L.hints, _hint), spacing="2", width="100%"),
                    ),
                ),
                rx.divider(),
                _read_only_unless_allowed(_settings()),
                spacing="4",
                padding="16px",
                width="100%",
            ),
            type="hover",
            scrollbars="vertical",
            # Narrower below 1280 px so the canvas keeps a usable width at 1024 px.
            width=INSPECTOR_WIDTH,
            min_width=INSPECTOR_WIDTH,
            height="100%",
            border_left=f"1px solid {rx.color('gray', 5)}",
            background=rx.color("gray", 1),
            data_testid="inspector",
        ),
    )
