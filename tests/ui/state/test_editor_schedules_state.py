"""The editor's schedule panel on a real database: a preset fills the cron and previews the
next 5 times in both timezones, bad fields are refused inline, a schedule is created,
edited, paused, shown with its history and deleted, and a viewer changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
import reflex as rx

from app.engine.cron_description import SCHEDULE_PRESETS
from app.models.schedule import ScheduleFire
from app.models.sharing import ShareCreate, SharePermission
from app.models.types import utc_now
from app.services import sharing
from app.services.principal import SYSTEM
from app.services.unit_of_work import session_scope
from app.ui.state.editor_document_state import DocumentState
from app.ui.state.editor_schedules_state import SchedulesPanelState
from app.ui.state.editor_versions_state import VersionsState
from app.ui.state.editor_webhooks_state import WebhooksPanelState
from app.ui.state.schedule_form import builder_parts, built_cron, preset_for
from tests.documents import greeting
from tests.records import make_workflow
from tests.ui.state.conftest import ActAs
from tests.ui.state.test_sharing_state import _user

pytestmark = pytest.mark.usefixtures("db_url", "act_as")


async def _panel(workflow_id: int) -> SchedulesPanelState:
    root = rx.State(_reflex_internal_init=True)
    await (await root.get_state(DocumentState)).open_workflow(workflow_id)
    panel = await root.get_state(SchedulesPanelState)
    await panel.open_schedules()
    await panel.set_viewer_timezone("America/New_York")
    return panel


def test_presets_and_the_builder_make_and_read_expressions() -> None:
    assert preset_for("0  9 * * 1") == "mondays_9" and preset_for("5 4 * * *") == "custom"
    assert built_cron("30", "7", "1-5") == "30 7 * * 1-5"
    assert builder_parts("30 7 * * 1-5") == ("30", "7", "1-5")
    assert builder_parts("*/5 * * * *") is None and builder_parts("0 9 1 * *") is None


async def test_a_preset_previews_and_saves_a_schedule() -> None:
    panel = await _panel(make_workflow(greeting(), "Digest"))
    assert panel.schedules == []
    await panel.new_schedule()
    assert panel.f_timezone == "America/New_York" and panel.f_cron == "0 9 * * *"
    for preset in SCHEDULE_PRESETS:
        panel.set_preset(preset.key)
        assert panel.f_preset == preset.key
    panel.set_preset("mondays_9")
    panel.set_timezone("Europe/Berlin")
    assert panel.sentence == "At 09:00 on Monday, Europe/Berlin"
    assert len(panel.preview_times) == 5
    first = panel.preview_times[0]
    assert first.local.startswith("Mon ") and first.local.endswith(("CET", "CEST"))
    assert first.viewer.endswith(("EST", "EDT"))
    panel.set_builder("hour", "7")
    assert panel.f_cron == "0 7 * * 1" and panel.f_preset == "custom"

    panel.set_field("f_name", "Weekly digest")
    panel.set_field("f_input", '{"report": "weekly"}')
    panel.set_field("f_attempts", "2")
    await panel.save_schedule()
    assert not panel.form_open and panel.errors == {}
    (row,) = panel.schedules
    assert (row.name, row.cron, row.timezone, row.retry_attempts) == (
        "Weekly digest",
        "0 7 * * 1",
        "Europe/Berlin",
        2,
    )
    assert row.sentence == "At 07:00 on Monday, Europe/Berlin" and row.next_viewer != ""


async def test_bad_fields_are_refused_inline_and_nothing_is_saved() -> None:
    panel = await _panel(make_workflow(greeting(), "Digest"))
    await panel.new_schedule()
    panel.set_cron("61 * * * *")
    assert "cron" in panel.errors and panel.sentence == "" and panel.preview_times == []
    panel.set_cron("0 9 * * *")
    assert "cron" not in panel.errors
    panel.set_timezone("Mars/Olympus")
    assert "timezone" in panel.errors
    panel.set_timezone("UTC")
    panel.set_field("f_input", "{not json")
    assert panel.errors["input"].startswith("Not valid JSON")
    panel.set_field("f_input", "")
    panel.set_field("f_grace", "0")
    await panel.save_schedule()
    assert panel.form_open and "grace_seconds" in panel.errors
    panel.set_field("f_grace", "soon")
    await panel.save_schedule()
    assert panel.errors["grace_seconds"] == "Grace must be a whole number"
    panel.set_field("f_grace", "60")
    panel.set_field("f_version_tag", "nope")
    await panel.save_schedule()
    assert panel.form_open and "form" in panel.errors
    assert panel.schedules == []


async def test_edit_pause_history_and_delete() -> None:
    panel = await _panel(make_workflow(greeting(), "Digest"))
    await panel.new_schedule()
    panel.set_field("f_name", "Morning")
    await panel.save_schedule()
    schedule_id = panel.schedules[0].id

    await panel.edit_schedule(schedule_id)
    assert panel.f_name == "Morning" and panel.f_preset == "daily_9"
    panel.set_preset("midnight")
    await panel.save_schedule()
    assert panel.schedules[0].cron == "0 0 * * *"

    await panel.set_enabled(schedule_id, False)
    assert not panel.schedules[0].enabled and panel.schedules[0].next_local == ""
    await panel.set_enabled(schedule_id, True)
    with session_scope() as session:
        now = utc_now()
        session.add(
            ScheduleFire(
                schedule_id=schedule_id,
                fire_time=now - timedelta(hours=1),
                status="missed",
                reason="past its grace time",
                created_at=now,
            )
        )
    await panel.toggle_history(schedule_id)
    assert [(f.status, f.reason, f.lag) for f in panel.fires] == [
        ("missed", "past its grace time", "—")
    ]
    assert panel.schedules[0].last_status == "missed"
    await panel.toggle_history(schedule_id)
    assert panel.history_for == 0

    panel.ask_delete(schedule_id, "Morning")
    assert panel.delete_open
    await panel.confirm_delete()
    assert panel.schedules == [] and not panel.delete_open


async def test_one_side_panel_at_a_time_and_toggling_closes() -> None:
    root = rx.State(_reflex_internal_init=True)
    await (await root.get_state(DocumentState)).open_workflow(make_workflow(greeting()))
    versions = await root.get_state(VersionsState)
    webhooks = await root.get_state(WebhooksPanelState)
    panel = await root.get_state(SchedulesPanelState)
    await versions.toggle_history()
    versions.diff_active = True  # a comparison on the canvas
    await webhooks.toggle_webhooks()
    assert webhooks.webhooks_open and not versions.history_open and not versions.diff_shown
    await panel.toggle_schedules()
    assert panel.schedules_open and not versions.history_open and not webhooks.webhooks_open
    await versions.toggle_history()
    assert versions.history_open and not panel.schedules_open
    await panel.toggle_schedules()
    await panel.toggle_schedules()
    assert not panel.schedules_open
    assert not versions.history_open and not webhooks.webhooks_open


async def test_a_viewer_sees_the_schedules_and_may_not_add_one(act_as: ActAs) -> None:
    workflow_id = make_workflow(greeting(), "Shared")
    owner_panel = await _panel(workflow_id)
    await owner_panel.new_schedule()
    await owner_panel.save_schedule()
    viewer = _user("vera@example.com")
    with session_scope() as session:
        sharing.share_workflow(
            session,
            principal=SYSTEM,
            workflow_id=workflow_id,
            data=ShareCreate(email="vera@example.com", permission=SharePermission.VIEWER),
        )
    act_as(viewer)
    panel = await _panel(workflow_id)
    assert [row.can_change for row in panel.schedules] == [False] and not panel.can_change
    await panel.new_schedule()
    await panel.save_schedule()
    assert "form" in panel.errors
    act_as(SYSTEM)
    await panel.load_schedules()
    assert len(panel.schedules) == 1
