"""Health: liveness (`/api/health`: is the app up, can it reach its database) and readiness
(`/api/health/ready`: may it serve, with each check)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from fastapi import APIRouter, Response, status

from app.api.schemas import HealthStatus, SchedulesHealth
from app.models.monitoring import Readiness
from app.services.health import database_status, schedules_status
from app.services.loop_lag import serving_lag
from app.services.readiness import is_ready, readiness_checks

router = APIRouter(prefix="/api/health", tags=["health"])


def app_version() -> str:
    """The installed Flowbook version (a source checkout that was never installed has none)."""
    try:
        return version("flowbook")
    except PackageNotFoundError:
        return "unknown"


@router.get(
    "",
    response_model=HealthStatus,
    summary="Health check",
    responses={503: {"model": HealthStatus, "description": "The database is unreachable."}},
)
def health(response: Response) -> HealthStatus:
    """`ok` when the database answers and no schedule is overdue; 503 with the reason when
    the database does not answer, `degraded` (200) with the overdue schedules' ids."""
    database = database_status()
    healthy = database == "ok"
    if not healthy:
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    checked = schedules_status() if healthy else None
    schedules = None
    if checked is not None:
        overdue = [schedule.id for schedule in checked.overdue]
        schedules = SchedulesHealth(status=checked.status, overdue=overdue)
        healthy = not overdue
    lag = serving_lag()
    return HealthStatus(
        status="ok" if healthy else "degraded",
        database=database,
        schedules=schedules,
        version=app_version(),
        event_loop_lag_p99_ms=None if lag is None or not lag.samples else lag.p99_ms,
    )


@router.get(
    "/ready",
    response_model=Readiness,
    summary="Readiness check",
    responses={503: {"model": Readiness, "description": "A required check failed."}},
)
def ready(response: Response) -> Readiness:
    """Each check (database latency, migrations at head, scheduler leader and overdue
    schedules, disk free) with its status; 503 when a required one (database, migrations)
    is `error`."""
    checks = readiness_checks()
    if not is_ready(checks):
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
        return Readiness(status="not_ready", checks=checks)
    return Readiness(status="ready", checks=checks)
