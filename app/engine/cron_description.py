"""A cron expression in words ("At 09:00 on Monday, Europe/Berlin") and the schedule presets.

Common shapes get a plain sentence; anything else is described field by field, which is
longer but still says exactly when it fires.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["SCHEDULE_PRESETS", "CronPreset", "describe_cron"]


@dataclass(frozen=True)
class CronPreset:
    """A ready-made schedule the UI offers; `cron` is empty for "custom"."""

    key: str
    label: str
    cron: str


SCHEDULE_PRESETS: tuple[CronPreset, ...] = (
    CronPreset("hourly", "Every hour", "0 * * * *"),
    CronPreset("daily_9", "Every day at 9:00", "0 9 * * *"),
    CronPreset("midnight", "Every day at midnight", "0 0 * * *"),
    CronPreset("mondays_9", "Mondays at 9:00", "0 9 * * 1"),
    CronPreset("weekly_sunday", "Every week on Sunday (midnight)", "0 0 * * 0"),
    CronPreset("monthly_1st", "Every month on the 1st (midnight)", "0 0 1 * *"),
    CronPreset("custom", "Custom", ""),
)

WEEKDAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
ORDINALS = ("first", "second", "third", "fourth", "fifth")
_NAMES = {name[:3].lower(): str(i) for i, name in enumerate(WEEKDAYS)} | {
    name[:3].lower(): str(i + 1) for i, name in enumerate(MONTHS)
}
_NUMBER = re.compile(r"^\d+$")
_STEP = re.compile(r"^\*/(\d+)$")
_RANGE = re.compile(r"^(\d+)-(\d+)$")
_ANY = ("*", "?")


def _numbers(field: str) -> str:
    return re.sub(r"(?i)[a-z]{3}", lambda m: _NAMES.get(m.group(0).lower(), m.group(0)), field)


def _join(parts: list[str], word: str = "and") -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} {word} {parts[-1]}"


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"


def _weekday(value: str) -> str:
    return WEEKDAYS[int(value) % 7]


def _value(value: str, unit: str) -> str:
    if unit == "weekday":
        return _weekday(value)
    if unit == "month":
        return MONTHS[int(value) - 1]
    return value


def _item(item: str, unit: str) -> str | None:
    """One comma-separated item of a field in words; None when it is not a common form."""
    if _NUMBER.fullmatch(item):
        return _value(item, unit)
    if step := _STEP.fullmatch(item):
        return f"every {_plural(int(step.group(1)), unit)}"
    if span := _RANGE.fullmatch(item):
        return f"{_value(span.group(1), unit)} to {_value(span.group(2), unit)}"
    if unit == "weekday" and (nth := re.fullmatch(r"(\d)#([1-5])", item)):
        return f"the {ORDINALS[int(nth.group(2)) - 1]} {_weekday(nth.group(1))} of the month"
    if unit == "weekday" and (last := re.fullmatch(r"(\d)L", item)):
        return f"the last {_weekday(last.group(1))} of the month"
    if unit == "day" and item == "L":
        return "the last day"
    return None


def _field(field: str, unit: str) -> str | None:
    items = [_item(item, unit) for item in _numbers(field).split(",")]
    return None if None in items else _join([i for i in items if i is not None])


def _time(minute: str, hour: str, second: str) -> str | None:
    if not (_NUMBER.fullmatch(minute) and all(_NUMBER.fullmatch(h) for h in hour.split(","))):
        return None
    suffix = f":{int(second):02d}" if second != "0" else ""
    return _join([f"{int(h):02d}:{int(minute):02d}{suffix}" for h in hour.split(",")])


def _days(day: str, month: str, weekday: str) -> str | None:
    """When in the year it fires ("every day", "on Monday", "on day 1 of the month")."""
    dom = None if day in _ANY else _field(day, "day")
    dow = None if weekday in _ANY else _field(weekday, "weekday")
    months = None if month in _ANY else _field(month, "month")
    if (day not in _ANY and dom is None) or (weekday not in _ANY and dow is None):
        return None
    if month not in _ANY and months is None:
        return None
    place = f"of {months}" if months else "of the month"
    phrases = []
    if dom:
        phrases.append(f"on {dom} {place}" if dom == "the last day" else f"on day {dom} {place}")
    if dow:
        phrases.append(f"on {dow}" + (f" in {months}" if months else ""))
    if not phrases:
        return f"every day in {months}" if months else "every day"
    # Cron fires when either day field matches once both are restricted.
    return " or ".join(phrases)


def _common(second: str, minute: str, hour: str, days: str) -> str | None:
    if second == "*" and minute == "*" and hour == "*" and days == "every day":
        return "Every second"
    if (step := _STEP.fullmatch(second)) and (minute, hour, days) == ("*", "*", "every day"):
        return f"Every {_plural(int(step.group(1)), 'second')}"
    if second != "0":
        clock = _time(minute, hour, second) if _NUMBER.fullmatch(second) else None
        return f"At {clock} {days}" if clock else None
    if minute == "*" and hour == "*":
        return "Every minute" + ("" if days == "every day" else f", {days}")
    if (step := _STEP.fullmatch(minute)) and hour == "*":
        return f"Every {_plural(int(step.group(1)), 'minute')}" + (
            "" if days == "every day" else f", {days}"
        )
    if _NUMBER.fullmatch(minute) and hour == "*":
        return f"Every hour, at minute {int(minute)}" + ("" if days == "every day" else f", {days}")
    if _NUMBER.fullmatch(minute) and (step := _STEP.fullmatch(hour)):
        return f"Every {_plural(int(step.group(1)), 'hour')}, at minute {int(minute)}" + (
            "" if days == "every day" else f", {days}"
        )
    if clock := _time(minute, hour, second):
        return f"At {clock} {days}"
    return None


def _by_field(cron: str, fields: list[str], days: str | None) -> str:
    """Every field spelled out: long, but exact for any expression."""
    second, minute, hour = fields[:3]
    parts: list[str | None] = []
    if second == "*":
        parts.append("every second")
    elif second != "0":
        parts.append(_unit_words(second, "second"))
    if minute != "*":
        parts.append(_unit_words(minute, "minute"))
    elif second != "*":
        parts.append("every minute")
    if hour != "*":
        parts.append(_unit_words(hour, "hour"))
    if None in parts or days is None:
        return f"On the cron schedule {' '.join(cron.split())!r}"
    text = ", ".join(p for p in [*parts, days if days != "every day" else None] if p)
    return text[0].upper() + text[1:] if text.startswith("every") else f"At {text}"


def _unit_words(field: str, unit: str) -> str | None:
    words = _field(field, unit)
    return f"{unit} {words}" if words and not words.startswith("every") else words


def describe_cron(cron: str, timezone: str) -> str:
    """The expression in words, ending with its timezone.

    Args:
        cron: a valid expression (5 fields, or 6 with seconds first).
        timezone: the IANA timezone it runs in.

    Returns:
        E.g. "At 09:00 on Monday, Europe/Berlin", "Every 5 seconds, UTC".
    """
    fields = cron.split()
    fields = fields if len(fields) == 6 else ["0", *fields]
    second, minute, hour, day, month, weekday = fields
    days = _days(day, month, weekday)
    sentence = _common(second, minute, hour, days) if days else None
    return f"{sentence or _by_field(cron, fields, days)}, {timezone}"
