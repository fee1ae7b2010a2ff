"""Column types shared by the tables: UTC timestamps and portable JSON."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from app.engine.json_shape import DEPTH_MARKER, MAX_JSON_INT, clip_depth, json_text_depth_exceeds


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite has no timezone type, so values are normalised to UTC before they are written
    and tagged UTC when read; PostgreSQL stores them as `timestamptz`.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert to UTC (naive values are taken to be UTC already)."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Tag naive values (SQLite) as UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def json_column_type() -> JSON:
    """JSON on both backends; Python None is stored as SQL NULL (not JSON `null`).

    Written by `dumps_json` and read by `loads_json` (the engine's JSON serialiser and
    deserialiser).
    """
    return JSON(none_as_null=True)


def utc_now() -> datetime:
    """The current time, UTC and aware."""
    return datetime.now(UTC)


def json_default(value: Any) -> Any:
    """Explicit conversions for the values JSON has no type for: sets become sorted lists,
    timestamps and dates ISO 8601 text; anything else is refused (TypeError), never stored
    as its repr."""
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"a value of type {type(value).__name__} is not JSON and cannot be stored")


def loads_json(text: str | bytes | float) -> Any:
    """Read a stored JSON value so that any response can serialise it.

    Values stored before outputs were checked on write may nest deeper than the serialisers
    can walk (a 300-level output made every read endpoint answer 500): those parts are
    replaced by `DEPTH_MARKER`. Checking the text first keeps ordinary reads at the cost of
    `json.loads`.
    """
    if isinstance(text, int | float):  # SQLite hands a bare number back as a number
        return text
    if isinstance(text, bytes):
        text = text.decode()
    if not json_text_depth_exceeds(text):
        return json.loads(text)
    try:
        return clip_depth(json.loads(text))
    except RecursionError:  # deeper than Python's parser goes
        return DEPTH_MARKER


def dumps_json(value: Any) -> str:
    """Serialise a column value as strict JSON.

    Refused (ValueError) rather than changed: NaN and ±Infinity (not JSON; PostgreSQL
    refuses them) and a bare integer outside the 64-bit range (SQLite would store it as a
    lossy REAL; nested in an object or array it is text and stays exact). Node outputs are
    checked before they get here (`app.engine.output_limits`), so this is the last guard.
    """
    if isinstance(value, int) and not -MAX_JSON_INT - 1 <= value <= MAX_JSON_INT:
        raise ValueError("an integer outside the 64-bit range cannot be stored exactly")
    try:
        return json.dumps(value, default=json_default, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"not JSON, cannot be stored: {exc}") from None
