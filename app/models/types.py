"""Column types shared by the tables: UTC timestamps and portable JSON."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


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
    """JSON on both backends; Python None is stored as SQL NULL (not JSON `null`)."""
    return JSON(none_as_null=True)


def utc_now() -> datetime:
    """The current time, UTC and aware."""
    return datetime.now(UTC)


def json_default(value: Any) -> Any:
    """Fallback for values the JSON encoder does not know: sets become lists, the rest text."""
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def dumps_json(value: Any) -> str:
    """Serialise a column value as strict JSON: NaN and ±Infinity become null.

    PostgreSQL refuses the non-standard `NaN` tokens Python writes by default, so a node
    output holding one would fail the run there; the slow path only runs in that case.
    """
    try:
        return json.dumps(value, default=json_default, ensure_ascii=False, allow_nan=False)
    except ValueError:
        return json.dumps(_finite(value), default=json_default, ensure_ascii=False)
