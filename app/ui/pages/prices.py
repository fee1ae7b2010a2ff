"""/prices: what each model costs per million tokens, where the price comes from and since
when; the owner and admins set and delete overrides."""

from __future__ import annotations

import reflex as rx
from reflex_base.event import EventType

from app.ui.components.confirm_dialog import confirm_dialog
from app.ui.components.empty_state import empty_state
from app.ui.components.page_layout import WIDE_ONLY, page_layout
from app.ui.components.pagination import pagination
from app.ui.components.section_card import field_error
from app.ui.state.prices_state import ALL, PROVIDERS, PriceRow, PricesState

CELL = {"vertical_align": "middle", "font_size": "13px"}
SOURCE_BADGES = {
    "litellm": ("LiteLLM", "blue", "soft"),
    "default": ("Default", "gray", "soft"),
    "override": ("Override", "violet", "solid"),
}
STATUS_BADGES = {
    "in_force": ("In force", "green", "soft", "circle_check"),
    "scheduled": ("Scheduled", "amber", "soft", "calendar_clock"),
    "superseded": ("Superseded", "gray", "outline", "history"),
}
SOURCES = (("litellm", "LiteLLM's map"), ("default", "Defaults"), ("override", "Overrides"))


def _source_badge(source: rx.Var[str]) -> rx.Component:
    cases = [
        (name, rx.badge(label, color_scheme=color, variant=variant, size="1"))
        for name, (label, color, variant) in SOURCE_BADGES.items()
    ]
    return rx.match(source, *cases, rx.badge(source, size="1"))


def _status_badge(status: rx.Var[str]) -> rx.Component:
    cases = [
        (
            name,
            rx.badge(
                rx.icon(icon, size=12),
                label,
                color_scheme=color,
                variant=variant,
                radius="full",
                size="1",
                gap="4px",
            ),
        )
        for name, (label, color, variant, icon) in STATUS_BADGES.items()
    ]
    return rx.match(status, *cases, rx.badge(status, size="1"))


def _usd(value: rx.Var[str]) -> rx.Component:
    return rx.text(
        rx.cond(value == "—", "—", "$" + value),
        size="2",
        class_name="fb-mono",
        white_space="nowrap",
    )


def _row_actions(row: PriceRow) -> rx.Component:
    name = row.provider + "/" + row.model
    return rx.hstack(
        rx.tooltip(
            rx.icon_button(
                rx.icon("pencil", size=14),
                variant="ghost",
                color_scheme="gray",
                size="1",
                aria_label="Set a price for " + name,
                on_click=PricesState.open_form(
                    {
                        "provider": row.provider,
                        "model": row.model,
                        "input_usd": row.input_usd,
                        "output_usd": row.output_usd,
                        "cached_usd": row.cached_usd,
                    }
                ),
            ),
            content="Set a price for this model",
        ),
        rx.cond(
            row.source == "override",
            rx.tooltip(
                rx.icon_button(
                    rx.icon("trash_2", size=14),
                    variant="ghost",
                    color_scheme="red",
                    size="1",
                    aria_label="Delete the override of " + name,
                    on_click=PricesState.ask_delete(row.id, name),
                ),
                content="Delete this override",
            ),
        ),
        spacing="2",
        justify="end",
    )


def _row(row: PriceRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.vstack(
                rx.text(row.model, size="2", weight="medium", overflow_wrap="anywhere"),
                rx.text(row.provider, size="1", color=rx.color("gray", 11)),
                spacing="0",
            ),
            min_width="150px",
            **CELL,
        ),
        rx.table.cell(_usd(row.input_usd), **CELL),
        rx.table.cell(_usd(row.output_usd), **CELL),
        rx.table.cell(_usd(row.cached_usd), display=WIDE_ONLY, **CELL),
        rx.table.cell(_source_badge(row.source), **CELL),
        rx.table.cell(
            rx.cond(
                row.since_always,
                rx.text("Since always", size="2", color=rx.color("gray", 11)),
                rx.vstack(
                    rx.moment(row.effective_from, format="YYYY-MM-DD", white_space="nowrap"),
                    rx.moment(row.effective_from, format="HH:mm", color=rx.color("gray", 11)),
                    spacing="0",
                ),
            ),
            **CELL,
        ),
        rx.table.cell(_status_badge(row.status), **CELL),
        rx.cond(PricesState.can_change, rx.table.cell(_row_actions(row), **CELL)),
        class_name="fb-row",
        data_model=row.model,
        data_source=row.source,
    )


def _table() -> rx.Component:
    return rx.vstack(
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    rx.table.column_header_cell("Model", white_space="nowrap"),
                    rx.table.column_header_cell("Input", white_space="nowrap"),
                    rx.table.column_header_cell("Output", white_space="nowrap"),
                    rx.table.column_header_cell("Cached", display=WIDE_ONLY, white_space="nowrap"),
                    rx.table.column_header_cell("Source", white_space="nowrap"),
                    rx.table.column_header_cell("Effective from"),
                    rx.table.column_header_cell("Status", white_space="nowrap"),
                    rx.cond(
                        PricesState.can_change,
                        rx.table.column_header_cell("Actions", white_space="nowrap"),
                    ),
                ),
            ),
            rx.table.body(rx.foreach(PricesState.rows, _row)),
            variant="surface",
            width="100%",
        ),
        pagination(PricesState),
        width="100%",
        spacing="0",
    )


def _toolbar() -> rx.Component:
    return rx.flex(
        rx.input(
            rx.input.slot(rx.icon("search", size=15)),
            placeholder="Search models or providers…",
            value=PricesState.search,
            on_change=PricesState.set_search,
            debounce_timeout=250,
            width="300px",
            aria_label="Search prices",
        ),
        rx.select.root(
            rx.select.trigger(aria_label="Filter by source", min_width="160px"),
            rx.select.content(
                rx.select.item("All sources", value=ALL),
                *[rx.select.item(label, value=value) for value, label in SOURCES],
            ),
            value=PricesState.source_filter,
            on_change=PricesState.set_source_filter,
        ),
        rx.spacer(),
        rx.text(
            rx.cond(PricesState.total == 1, "1 price", f"{PricesState.total} prices"),
            size="2",
            color=rx.color("gray", 10),
        ),
        wrap="wrap",
        gap="12px",
        align="center",
        width="100%",
        margin_bottom="16px",
    )


def _content() -> rx.Component:
    return rx.cond(
        PricesState.loading,
        rx.center(rx.spinner(size="3"), padding="64px"),
        rx.cond(
            PricesState.total > 0,
            _table(),
            rx.cond(
                PricesState.filtered,
                empty_state(
                    "search",
                    "No matching prices",
                    "No model matches this search and source.",
                    rx.button("Clear filters", variant="soft", on_click=PricesState.clear_filters),
                ),
                empty_state(
                    "coins",
                    "No prices yet",
                    "Prices load from LiteLLM's map when Flowbook starts. Restart it, or set "
                    "a price of your own.",
                ),
            ),
        ),
    )


def _field(label: str, control: rx.Component, error_key: str, hint: str = "") -> rx.Component:
    return rx.vstack(
        rx.el.label(
            rx.text(label, size="2", weight="medium", margin_bottom="4px"),
            control,
            width="100%",
        ),
        *([rx.text(hint, size="1", color=rx.color("gray", 11))] if hint else []),
        field_error(PricesState.errors.get(error_key, "")),
        spacing="1",
        width="100%",
    )


def _amount(
    label: str, value: rx.Var[str] | str, on_change: EventType[str], key: str
) -> rx.Component:
    return _field(
        label,
        rx.input(
            rx.input.slot("$"),
            value=value,
            on_change=on_change,
            placeholder="0.00",
            input_mode="decimal",
            width="100%",
            name=key,
        ),
        key,
    )


def _form_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Set a price"),
            rx.dialog.description(
                "USD per million tokens. It wins over LiteLLM's map and the defaults from its "
                "start on; calls made before keep what they cost.",
                size="2",
                color=rx.color("gray", 11),
                margin_bottom="16px",
            ),
            rx.vstack(
                rx.grid(
                    _field(
                        "Provider",
                        rx.select.root(
                            rx.select.trigger(width="100%", aria_label="Provider"),
                            rx.select.content(*[rx.select.item(p, value=p) for p in PROVIDERS]),
                            value=PricesState.form_provider,
                            on_change=PricesState.set_form_provider,
                        ),
                        "provider",
                    ),
                    _field(
                        "Model",
                        rx.input(
                            value=PricesState.form_model,
                            on_change=PricesState.set_form_model,
                            placeholder="e.g. gpt-4o",
                            width="100%",
                            name="model",
                        ),
                        "model",
                    ),
                    _amount("Input", PricesState.form_input, PricesState.set_form_input, "input"),
                    _amount(
                        "Output", PricesState.form_output, PricesState.set_form_output, "output"
                    ),
                    _field(
                        "Cached input (optional)",
                        rx.input(
                            rx.input.slot("$"),
                            value=PricesState.form_cached,
                            on_change=PricesState.set_form_cached,
                            placeholder="same as input",
                            input_mode="decimal",
                            width="100%",
                            name="cached",
                        ),
                        "cached",
                    ),
                    _field(
                        "Starts (optional)",
                        rx.input(
                            type="date",
                            value=PricesState.form_start,
                            on_change=PricesState.set_form_start,
                            width="100%",
                            name="start",
                        ),
                        "start",
                        "Empty or today: now. A later day: from its start (UTC).",
                    ),
                    columns="2",
                    gap="16px",
                    width="100%",
                ),
                field_error(PricesState.errors.get("form", "")),
                rx.flex(
                    rx.dialog.close(
                        rx.button("Cancel", variant="soft", color_scheme="gray", type="button"),
                    ),
                    rx.button("Save price", on_click=PricesState.save),
                    spacing="3",
                    justify="end",
                    width="100%",
                ),
                spacing="4",
            ),
            max_width="520px",
        ),
        open=PricesState.form_open,
        on_open_change=PricesState.set_form_open,
    )


def prices_page() -> rx.Component:
    """/prices: the price table for everyone; overrides for the owner and admins."""
    return page_layout(
        _toolbar(),
        _content(),
        _form_dialog(),
        confirm_dialog(
            open=PricesState.delete_open,
            on_open_change=PricesState.cancel_delete,
            title="Delete this override?",
            description="The model goes back to LiteLLM's or the default price from now on. "
            "Calls already made keep what they cost.",
            confirm_label="Delete override",
            on_confirm=PricesState.confirm_delete,
        ),
        title="Prices",
        description="What each model costs, in USD per million tokens. Overrides win; a change "
        "never rewrites what past calls cost.",
        actions=[
            rx.cond(
                PricesState.can_change,
                rx.button(rx.icon("plus", size=16), "Set a price", on_click=PricesState.open_form),
            )
        ],
    )
