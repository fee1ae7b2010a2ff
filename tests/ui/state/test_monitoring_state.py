"""The monitoring page's state on a real database: what a load shows, the charts' period,
an error group's occurrences, and a database that stops answering."""

from __future__ import annotations

import pytest
import reflex as rx
from reflex.istate.data import ReflexURL, RouterData

from app.services.database_errors import DatabaseError
from app.services.error_capture import capture_error
from app.ui.state import monitoring_state
from app.ui.state.monitoring_state import MonitoringState

pytestmark = pytest.mark.usefixtures("db_url", "act_as")


async def _loaded() -> MonitoringState:
    root = rx.State(_reflex_internal_init=True)
    state = await root.get_state(MonitoringState)
    state.router = RouterData(url=ReflexURL("http://localhost:3000/monitoring"))
    await state.load()
    return state


def _boom() -> None:
    raise DatabaseError("connection refused")


async def test_a_load_shows_every_check_card_and_chart() -> None:
    state = await _loaded()
    assert not state.loading
    assert not state.unreachable
    names = [check.name for check in state.checks]
    assert {"database", "migrations", "scheduler", "disk"} <= set(names)
    assert state.overall in {"ok", "warning", "error"}
    assert [row.label for row in state.database][:2] == ["Query latency", "Size on disk"]
    assert {row.label for row in state.runner} >= {"Queued", "Running", "Oldest queued"}
    assert [trace["name"] for trace in state.throughput_chart["data"]] == ["Succeeded", "Failed"]
    assert len(state.throughput_chart["data"][0]["x"]) == 60  # a minute each, the last hour

    state.set_window("day")
    assert state.window == "day"
    assert len(state.throughput_chart["data"][0]["x"]) == 24  # an hour each, the last day
    assert len(state.latency_chart["data"][0]["x"]) == 24
    state.set_window(["hour"])  # the segmented control may send a list
    assert len(state.throughput_chart["data"][0]["x"]) == 60


async def test_an_error_group_and_its_occurrences() -> None:
    for attempt in (1, 2):
        written = capture_error(
            "node",
            message="HttpRequestFailed: GET http://127.0.0.1:9/ failed",
            execution_id=40 + attempt,
            node_id="fetch",
            context={"attempt": attempt},
        )
        assert written is not None
        written.result(timeout=10)
    state = await _loaded()
    [group] = state.errors
    assert (group.source, group.count, group.execution_id, group.node_id) == (
        "node",
        2,
        42,
        "fetch",
    )
    assert '"attempt": 2' in group.context

    await state.show_error_events(group.id)
    assert state.events_group_id == group.id
    assert [event.execution_id for event in state.error_events] == [42, 41]
    state.hide_error_events()
    assert (state.events_group_id, state.error_events) == (0, [])

    refused = await state.show_error_events(group.id + 1000)
    assert refused is not None  # a toast saying the group is gone
    assert state.events_group_id == 0


async def test_a_database_that_stops_answering_is_said_and_the_last_figures_stay(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(monitoring_state, "MOUNT_CALL_S", 0.0)  # every refresh is a period's
    state = await _loaded()
    checks = list(state.checks)
    with monkeypatch.context() as patch:
        patch.setattr(monitoring_state, "read_snapshot", _boom)
        await state.refresh_snapshot()
    assert state.unreachable
    assert state.overall == "error"
    assert list(state.checks) == checks

    with monkeypatch.context() as patch:
        patch.setattr(monitoring_state, "read_monitoring", _boom)
        await state.tick()
    assert state.unreachable

    await state.refresh_snapshot()
    assert not state.unreachable
    assert state.overall != "" and state.checks


async def test_the_timers_call_at_mount_does_not_read_the_snapshot_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    state = await _loaded()
    # The snapshot timer calls its handler as it mounts, just after `load` read it all.
    monkeypatch.setattr(monitoring_state, "read_snapshot", _boom)
    await state.refresh_snapshot()
    assert not state.unreachable
