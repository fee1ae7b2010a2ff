"""The schedule form's pure parts: presets, the small cron builder, the preview of the next
fire times, and reading the typed fields into a create or update request."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from app.engine.cron_description import SCHEDULE_PRESETS
from app.engine.cron_times import has_seconds
from app.models.schedule import MisfirePolicy, SchedulePreviewRequest
from app.services.schedule_reads import preview_schedule
from app.ui.state.schedule_views import wall_clock

PREVIEW_COUNT = 5
CUSTOM = "custom"
LATEST = "latest"
ANY = "*"
# The builder's choices: (value, label).
BUILDER_MINUTES = [(str(m), f":{m:02d}") for m in range(0, 60, 5)]
BUILDER_HOURS = [(ANY, "Every hour"), *[(str(h), f"{h:02d} h") for h in range(24)]]
BUILDER_WEEKDAYS = [
    (ANY, "Every day"),
    ("1-5", "Monday to Friday"),
    ("1", "Monday"),
    ("2", "Tuesday"),
    ("3", "Wednesday"),
    ("4", "Thursday"),
    ("5", "Friday"),
    ("6", "Saturday"),
    ("0", "Sunday"),
]
MISFIRE_CHOICES = [
    (MisfirePolicy.CATCH_UP.value, "Catch up once"),
    (MisfirePolicy.SKIP.value, "Skip missed runs"),
]


def preset_for(cron: str) -> str:
    """The key of the preset whose expression is `cron` ("custom" when none is)."""
    normal = " ".join(cron.split())
    return next((p.key for p in SCHEDULE_PRESETS if p.cron and p.cron == normal), CUSTOM)


def preset_cron(key: str) -> str | None:
    """The expression of a preset (None for "custom" or an unknown key)."""
    return next((p.cron for p in SCHEDULE_PRESETS if p.key == key and p.cron), None)


def built_cron(minute: str, hour: str, weekday: str) -> str:
    """The expression the builder's three choices make."""
    return f"{minute or '0'} {hour or ANY} * * {weekday or ANY}"


def builder_parts(cron: str) -> tuple[str, str, str] | None:
    """The builder's choices for `cron`, when the builder can make it."""
    fields = cron.split()
    if len(fields) != 5 or fields[2:4] != [ANY, ANY]:
        return None
    minute, hour, weekday = fields[0], fields[1], fields[4]
    if minute not in dict(BUILDER_MINUTES) or hour not in dict(BUILDER_HOURS):
        return None
    return (minute, hour, weekday) if weekday in dict(BUILDER_WEEKDAYS) else None


@dataclass
class PreviewTime:
    """One upcoming fire time, in the schedule's timezone and in the viewer's."""

    local: str
    viewer: str


@dataclass(frozen=True)
class Preview:
    """The cron in words and its next fire times, or why it cannot be read."""

    sentence: str = ""
    times: tuple[PreviewTime, ...] = ()
    cron_error: str = ""
    timezone_error: str = ""


def field_errors(exc: ValidationError) -> dict[str, str]:
    """The first message per field of a validation error ("Value error, " dropped)."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else ""
        message = str(error["msg"]).removeprefix("Value error, ")
        errors.setdefault(name, message)
    return errors


def preview(cron: str, timezone: str, viewer_timezone: str) -> Preview:
    """What the typed cron and timezone mean: a sentence and the next 5 fire times."""
    try:
        request = SchedulePreviewRequest(
            cron=cron, timezone=timezone.strip(), count=PREVIEW_COUNT, viewer_timezone=None
        )
    except ValidationError as exc:
        errors = field_errors(exc)
        return Preview(cron_error=errors.get("cron", ""), timezone_error=errors.get("timezone", ""))
    found = preview_schedule(request)
    viewer = viewer_timezone or "UTC"
    seconds = has_seconds(request.cron)
    return Preview(
        sentence=found.description,
        times=tuple(
            PreviewTime(
                wall_clock(t.utc, request.timezone, seconds=seconds),
                wall_clock(t.utc, viewer, seconds=seconds),
            )
            for t in found.next
        ),
    )


def parse_input(text: str) -> tuple[Any, str]:
    """The input payload typed as JSON (None when blank), and what is wrong with it."""
    if not text.strip():
        return None, ""
    try:
        return json.loads(text), ""
    except json.JSONDecodeError as exc:
        return None, f"Not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"


def whole_number(text: str, label: str) -> tuple[int, str]:
    """A typed whole number, and what is wrong with it."""
    cleaned = text.strip()
    if not cleaned.isdigit():
        return 0, f"{label} must be a whole number"
    return int(cleaned), ""
