"""The schedules page's state on a real database: filters read from the URL, times in the
viewer's timezone, pause and delete, the self-check's alert (on the monitoring page too),
and a viewer's rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import reflex as rx
from reflex.istate.data import ReflexURL, RouterData

from app.models.schedule import ScheduleCreate
from app.models.sharing import ShareCreate, SharePermission
from app.models.types import utc_now
from app.services import schedules, sharing
from app.services.principal import SYSTEM
from app.services.unit_of_work import session_scope
from app.ui.state.monitoring_state import MonitoringState
from app.ui.state.schedule_views import wall_clock
from app.ui.state.schedules_state import SchedulesState, schedules_url
from tests.documents import greeting
from tests.records import make_workflow
from tests.services.schedule_builders import add_schedule
from tests.ui.state.conftest import ActAs
from tests.ui.state.test_sharing_state import _user

pytestmark = pytest.mark.usefixtures("db_url", "act_as")


def _create(workflow_id: int, cron: str = "0 9 * * 1", **fields: object) -> int:
    with session_scope() as session:
        data = ScheduleCreate.model_validate({"cron": cron, **fields})
        return schedules.create_schedule(
            session, principal=SYSTEM, workflow_id=workflow_id, data=data
        ).id


async def _page(url: str) -> SchedulesState:
    root = rx.State(_reflex_internal_init=True)
    state = await root.get_state(SchedulesState)
    state.router = RouterData(url=ReflexURL(f"http://localhost:3000{url}"))
    return state


def test_filters_live_in_the_url() -> None:
    assert schedules_url() == "/schedules"
    assert schedules_url(state="paused", workflow=3, page=2) == (
        "/schedules?workflow=3&state=paused&page=2"
    )


def test_wall_clock_writes_the_zone_and_drops_zero_seconds() -> None:
    instant = datetime(2025, 3, 31, 7, 0, tzinfo=UTC)
    assert wall_clock(instant, "Europe/Berlin") == "Mon 2025-03-31 09:00 CEST"
    assert wall_clock(instant + timedelta(seconds=5), "UTC") == "Mon 2025-03-31 07:00:05 UTC"
    assert wall_clock(instant, "UTC", seconds=True) == "Mon 2025-03-31 07:00:00 UTC"
    assert wall_clock(instant, "Mars/Olympus") == "" and wall_clock(None, "UTC") == ""


async def test_the_list_follows_the_url_and_the_viewers_timezone() -> None:
    digest = make_workflow(greeting(), "Digest")
    other = make_workflow(greeting(), "Other")
    monday = _create(digest, name="Monday digest", timezone="Europe/Berlin")
    paused = _create(other, "0 0 * * *", name="Nightly", enabled=False)

    state = await _page("/schedules")
    script = await state.load()
    assert script is not None  # asks the browser its timezone
    assert {row.id for row in state.rows} == {monday, paused}
    assert [(c.value, c.label) for c in state.workflows] == [
        (str(digest), "Digest"),
        (str(other), "Other"),
    ]
    await state.set_viewer_timezone("America/New_York")
    row = next(r for r in state.rows if r.id == monday)
    assert row.sentence == "At 09:00 on Monday, Europe/Berlin"
    assert row.next_local.endswith(("CET", "CEST")) and row.next_viewer.endswith(("EST", "EDT"))
    assert row.owner == "" and row.can_change
    await state.set_viewer_timezone("Not/AZone")
    assert state.viewer_timezone == "America/New_York"

    state = await _page(f"/schedules?workflow={other}&state=paused")
    await state.load()
    assert [row.id for row in state.rows] == [paused] and state.filtered
    assert state.rows[0].next_viewer == "" and not state.rows[0].enabled
    state = await _page(f"/schedules?workflow={other}&state=active")
    await state.load()
    assert state.rows == [] and state.total == 0


async def test_pause_resume_and_delete() -> None:
    schedule_id = _create(make_workflow(greeting(), "Digest"), name="Monday digest")
    state = await _page("/schedules")
    await state.load()

    await state.set_enabled(schedule_id, False)
    assert not state.rows[0].enabled and state.rows[0].next_local == ""
    await state.set_enabled(schedule_id, True)
    assert state.rows[0].enabled and state.rows[0].next_local != ""
    state.ask_delete(schedule_id, "Monday digest")
    assert state.delete_open
    state.cancel_delete(False)
    assert not state.delete_open and state.total == 1
    state.ask_delete(schedule_id, "Monday digest")
    await state.confirm_delete()
    assert state.rows == [] and state.total == 0 and not state.delete_open


async def test_an_overdue_schedule_raises_the_alert() -> None:
    workflow_id = make_workflow(greeting(), "Digest")
    add_schedule(workflow_id, "0 9 * * *", next_fire_at=utc_now() - timedelta(hours=1), name="Late")
    state = await _page("/schedules")
    await state.load()
    assert len(state.alerts) == 1
    assert state.alerts[0].startswith("Schedule 'Late' should have fired at ")
    assert state.alerts[0].endswith("and did not: the scheduler is not running")
    root = rx.State(_reflex_internal_init=True)
    monitoring = await root.get_state(MonitoringState)
    await monitoring.load()
    assert monitoring.schedule_alerts == [state.alerts[0].replace(state.viewer_label, "UTC")]


async def test_a_viewer_sees_schedules_but_may_not_change_them(act_as: ActAs) -> None:
    workflow_id = make_workflow(greeting(), "Shared")
    schedule_id = _create(workflow_id, name="Shared digest")
    viewer = _user("vera@example.com")
    with session_scope() as session:
        sharing.share_workflow(
            session,
            principal=SYSTEM,
            workflow_id=workflow_id,
            data=ShareCreate(email="vera@example.com", permission=SharePermission.VIEWER),
        )
    act_as(viewer)
    state = await _page("/schedules")
    await state.load()
    assert [(row.id, row.can_change) for row in state.rows] == [(schedule_id, False)]
    await state.set_enabled(schedule_id, False)
    act_as(SYSTEM)
    await state.load()
    assert state.rows[0].enabled
