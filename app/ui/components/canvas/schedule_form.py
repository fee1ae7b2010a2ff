"""The schedule panel's form: preset, builder, cron, timezone, a live sentence and the next 5
fire times, input payload, version, grace, misfire policy, overlap and retries."""

from __future__ import annotations

import reflex as rx

from app.engine.cron_description import SCHEDULE_PRESETS
from app.ui.state.editor_schedules_state import SchedulesPanelState as P
from app.ui.state.schedule_form import (
    BUILDER_HOURS,
    BUILDER_MINUTES,
    BUILDER_WEEKDAYS,
    MISFIRE_CHOICES,
    PreviewTime,
)
from app.ui.state.schedule_views import COMMON_TIMEZONES

TIMEZONE_LIST_ID = "schedule-timezones"


def _label(text: str, control_id: str) -> rx.Component:
    return rx.el.label(text, html_for=control_id, font_size="12px", font_weight="500")


def _error(field: str) -> rx.Component:
    message = P.errors[field].to(str)
    return rx.cond(
        P.errors.contains(field),
        rx.text(
            message,
            size="1",
            color=rx.color("red", 11),
            data_testid=f"schedule-error-{field}",
        ),
    )


def _select(
    control_id: str, choices: list[tuple[str, str]], value: rx.Var[str], on_change: object
) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(id=control_id, width="100%"),
        rx.select.content(*[rx.select.item(label, value=key) for key, label in choices]),
        value=value,
        on_change=on_change,
        size="2",
    )


def _field(label: str, control_id: str, control: rx.Component, error: str = "") -> rx.Component:
    return rx.vstack(
        _label(label, control_id),
        control,
        *([_error(error)] if error else []),
        spacing="1",
        width="100%",
    )


def _builder() -> rx.Component:
    return rx.grid(
        _field(
            "Hour",
            "schedule-hour",
            _select("schedule-hour", BUILDER_HOURS, P.f_hour, P.set_builder("hour")),
        ),
        _field(
            "Minute",
            "schedule-minute",
            _select("schedule-minute", BUILDER_MINUTES, P.f_minute, P.set_builder("minute")),
        ),
        _field(
            "Days",
            "schedule-weekday",
            _select("schedule-weekday", BUILDER_WEEKDAYS, P.f_weekday, P.set_builder("weekday")),
        ),
        columns="3",
        gap="8px",
        width="100%",
    )


def _preview_time(time: PreviewTime) -> rx.Component:
    return rx.hstack(
        rx.text(time.local, size="1", flex="1", min_width="0"),
        rx.text(time.viewer, size="1", color=rx.color("gray", 11), flex="1", min_width="0"),
        width="100%",
        spacing="2",
        data_testid="schedule-preview-time",
    )


def _preview() -> rx.Component:
    return rx.cond(
        P.sentence != "",
        rx.vstack(
            rx.text(P.sentence, size="2", weight="medium", data_testid="schedule-sentence"),
            rx.hstack(
                rx.text("Next 5 (schedule's time)", size="1", color=rx.color("gray", 11), flex="1"),
                rx.text(
                    "Your time (",
                    P.viewer_label,
                    ")",
                    size="1",
                    color=rx.color("gray", 11),
                    flex="1",
                ),
                width="100%",
            ),
            rx.foreach(P.preview_times, _preview_time),
            spacing="1",
            width="100%",
            padding="8px 10px",
            border_radius="8px",
            background=rx.color("accent", 2),
            border=f"1px solid {rx.color('accent', 5)}",
            data_testid="schedule-preview",
        ),
    )


def _when() -> rx.Component:
    return rx.vstack(
        _field(
            "When",
            "schedule-preset",
            rx.select.root(
                rx.select.trigger(id="schedule-preset", width="100%"),
                rx.select.content(
                    *[rx.select.item(p.label, value=p.key) for p in SCHEDULE_PRESETS]
                ),
                value=P.f_preset,
                on_change=P.set_preset,
                size="2",
            ),
        ),
        _builder(),
        _field(
            "Cron expression",
            "schedule-cron",
            rx.input(
                id="schedule-cron",
                value=P.f_cron,
                on_change=P.set_cron,
                placeholder="0 9 * * 1",
                class_name="fb-mono",
                width="100%",
                max_length=120,
                data_testid="schedule-cron",
            ),
            "cron",
        ),
        _field(
            "Timezone",
            "schedule-timezone",
            rx.fragment(
                rx.input(
                    id="schedule-timezone",
                    value=P.f_timezone,
                    on_change=P.set_timezone,
                    placeholder="Europe/Berlin",
                    width="100%",
                    max_length=64,
                    custom_attrs={"list": TIMEZONE_LIST_ID},
                    data_testid="schedule-timezone",
                ),
                rx.el.datalist(
                    *[rx.el.option(value=name) for name in COMMON_TIMEZONES], id=TIMEZONE_LIST_ID
                ),
            ),
            "timezone",
        ),
        _preview(),
        spacing="3",
        width="100%",
    )


def _number(
    label: str, control_id: str, field: str, value: rx.Var[str], error: str
) -> rx.Component:
    return _field(
        label,
        control_id,
        rx.input(
            id=control_id,
            value=value,
            on_change=P.set_field(field),
            type="number",
            min="0",
            width="100%",
        ),
        error,
    )


def _run_options() -> rx.Component:
    return rx.vstack(
        _field(
            "Input payload (JSON)",
            "schedule-input",
            rx.text_area(
                id="schedule-input",
                value=P.f_input,
                on_change=P.set_field("f_input"),
                placeholder='{"report": "daily"}',
                rows="4",
                width="100%",
                class_name="fb-mono",
                data_testid="schedule-input",
            ),
            "input",
        ),
        _field(
            "Version",
            "schedule-version",
            rx.select.root(
                rx.select.trigger(id="schedule-version", width="100%"),
                rx.select.content(rx.foreach(P.tag_options, lambda t: rx.select.item(t, value=t))),
                value=P.f_version_tag,
                on_change=P.set_field("f_version_tag"),
                size="2",
            ),
            "version_tag",
        ),
        rx.grid(
            _number("Grace (s)", "schedule-grace", "f_grace", P.f_grace, "grace_seconds"),
            _field(
                "Missed runs",
                "schedule-misfire",
                _select("schedule-misfire", MISFIRE_CHOICES, P.f_misfire, P.set_field("f_misfire")),
            ),
            _number("Retries", "schedule-attempts", "f_attempts", P.f_attempts, "retry_attempts"),
            _number(
                "Backoff (s)", "schedule-backoff", "f_backoff", P.f_backoff, "retry_backoff_seconds"
            ),
            columns="2",
            gap="8px",
            width="100%",
        ),
        rx.el.label(
            rx.hstack(
                rx.checkbox(
                    checked=P.f_overlap,
                    on_change=P.set_field("f_overlap"),
                    aria_label="Allow overlapping runs",
                ),
                rx.text("Allow a run to start while the previous one is still running", size="1"),
                spacing="2",
                align="center",
            ),
        ),
        spacing="3",
        width="100%",
    )


def schedule_form() -> rx.Component:
    """The add/edit form (shown while `form_open`)."""
    return rx.cond(
        P.form_open,
        rx.vstack(
            rx.text(
                rx.cond(P.editing_id > 0, "Edit schedule", "New schedule"), weight="bold", size="2"
            ),
            _field(
                "Name",
                "schedule-name",
                rx.input(
                    id="schedule-name",
                    value=P.f_name,
                    on_change=P.set_field("f_name"),
                    placeholder="Morning digest",
                    width="100%",
                    max_length=200,
                ),
                "name",
            ),
            _when(),
            _run_options(),
            _error("form"),
            rx.hstack(
                rx.button("Cancel", variant="soft", color_scheme="gray", on_click=P.cancel_form),
                rx.button(
                    rx.icon("calendar_check", size=14),
                    "Save schedule",
                    on_click=P.save_schedule,
                    data_testid="schedule-save",
                ),
                justify="end",
                width="100%",
            ),
            spacing="3",
            width="100%",
            padding="12px",
            border_bottom=f"2px solid {rx.color('gray', 5)}",
            data_testid="schedule-form",
        ),
    )
