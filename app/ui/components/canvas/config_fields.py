"""Inputs of the inspector form, one per kind of config field (text, code, select, ...)."""

from __future__ import annotations

import reflex as rx

from app.ui.state.editor_document_state import DocumentState as D
from app.ui.state.editor_form import FieldView, KeyValue
from app.ui.state.editor_inspector_state import InspectorState as I
from app.ui.state.editor_selection_state import SelectionState as L


def field_key(*parts: rx.Var | str) -> rx.Var:
    """A React key for an uncontrolled input: new after undo/redo or another selection."""
    text: rx.Var = D.form_key.to_string() + "-" + L.sel_id
    for part in parts:
        text = text + "-" + part
    return text


def field_id(field: FieldView) -> rx.Var[str]:
    """The DOM id of a field's control, which its label points at."""
    return "field-" + field.name.to(str)


def _text_input(field: FieldView) -> rx.Component:
    return rx.input(
        id=field_id(field),
        default_value=field.value,
        on_blur=I.set_field(field.name),
        key=field_key(field.name),
        name=field.name,
        width="100%",
        size="2",
        color_scheme=rx.cond(field.error != "", "red", "gray"),
        class_name=rx.cond(field.error != "", "fb-invalid", ""),
    )


def _area(field: FieldView, rows: str) -> rx.Component:
    return rx.text_area(
        id=field_id(field),
        default_value=field.value,
        placeholder=field.placeholder,
        on_blur=I.set_field(field.name),
        key=field_key(field.name),
        name=field.name,
        rows=rows,
        width="100%",
        class_name=rx.cond(field.error != "", "fb-mono fb-invalid", "fb-mono"),
        resize="vertical",
    )


def _kv_row(field: FieldView, row: KeyValue, index: rx.Var[int]) -> rx.Component:
    return rx.hstack(
        rx.input(
            default_value=row.key,
            placeholder="name",
            aria_label="Name",
            on_blur=I.set_row(field.name, index, "key"),
            key=field_key(field.name, "k", index.to_string(), row.key),
            size="1",
            flex="2",
        ),
        rx.input(
            default_value=row.value,
            placeholder="value",
            aria_label="Value",
            on_blur=I.set_row(field.name, index, "value"),
            key=field_key(field.name, "v", index.to_string(), row.key),
            size="1",
            flex="3",
        ),
        rx.icon_button(
            rx.icon("x", size=12),
            size="1",
            variant="ghost",
            color_scheme="gray",
            on_click=I.remove_row(field.name, index),
            aria_label="Remove row",
        ),
        spacing="1",
        width="100%",
        align="center",
    )


def _kv(field: FieldView) -> rx.Component:
    return rx.vstack(
        rx.foreach(field.rows, lambda row, index: _kv_row(field, row, index)),
        rx.button(
            rx.icon("plus", size=12),
            "Add",
            size="1",
            variant="soft",
            color_scheme="gray",
            on_click=I.add_row(field.name),
        ),
        spacing="1",
        width="100%",
    )


def _control(field: FieldView) -> rx.Component:
    return rx.match(
        field.kind,
        (
            "select",
            rx.select(
                field.options,
                value=field.value,
                on_change=I.set_choice(field.name),
                id=field_id(field),
            ),
        ),
        (
            "toggle",
            rx.switch(
                checked=field.checked, on_change=I.set_toggle(field.name), id=field_id(field)
            ),
        ),
        ("code", _area(field, "4")),
        ("json", _area(field, "4")),
        ("textarea", _area(field, "3")),
        ("kv", _kv(field)),
        _text_input(field),
    )


def error_line(message: rx.Var[str], **props: str | rx.Var) -> rx.Component:
    """A red line with an alert icon showing `message`, nothing while it is empty.

    Args:
        message: the error ("" shows nothing).
        **props: extra props of the line (e.g. its data-testid).
    """
    return rx.cond(
        message != "",
        rx.hstack(
            rx.icon("circle_alert", size=12, flex_shrink="0"),
            rx.text(message, size="1"),
            color=rx.color("red", 11),
            spacing="1",
            align="center",
            **props,
        ),
    )


def config_field(field: FieldView) -> rx.Component:
    """One labelled field of the inspector form with its validation message and help."""
    return rx.vstack(
        rx.el.label(
            rx.text(field.title, size="2", weight="medium"),
            rx.cond(field.required, rx.text("*", color=rx.color("red", 11), size="2")),
            html_for=field_id(field),
            display="flex",
            gap="4px",
        ),
        _control(field),
        error_line(field.error, data_testid="field-error"),
        rx.cond(
            field.description != "",
            rx.text(field.description, size="1", color=rx.color("gray", 10)),
        ),
        spacing="1",
        width="100%",
        data_field=field.name,
    )
