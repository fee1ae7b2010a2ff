"""Health checks used by the API and monitoring."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.services.schedule_health import ScheduleHealth, schedule_health
from app.services.unit_of_work import session_scope


def database_status() -> str:
    """Run a trivial query.

    Returns:
        `ok`, or `error: <kind>` when the database cannot be reached or queried.
    """
    try:
        with session_scope() as session:
            session.connection().execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        return f"error: {type(exc).__name__}"
    return "ok"


def schedules_status() -> ScheduleHealth | None:
    """The schedules' self-check (`schedule_health`); None when the database cannot tell."""
    try:
        return schedule_health()
    except SQLAlchemyError:
        return None
