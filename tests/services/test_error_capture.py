"""Error capture: grouping by fingerprint, bounded events, never failing the caller, and the
failures of a real run captured once with their node."""

from __future__ import annotations

import gzip
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
import sentry_sdk
from sqlalchemy import Connection, select

from app.models.error_log import ErrorEvent, ErrorGroup
from app.models.execution import Execution
from app.models.types import utc_now
from app.services import error_capture
from app.services.db_threads import run_write
from app.services.error_capture import capture_error, error_type_of, normalised
from app.services.metrics import REGISTRY
from app.services.recovery import CRASH_ERROR, recover_crashed_executions
from app.services.unit_of_work import session_scope
from tests.records import make_workflow
from tests.services.schedule_builders import failing
from tests.services.test_executions import start, wait_for_status


def _groups() -> list[ErrorGroup]:
    with session_scope(read_only=True) as session:
        return list(session.scalars(select(ErrorGroup).order_by(ErrorGroup.id)))


def _events(group_id: int) -> list[ErrorEvent]:
    with session_scope(read_only=True) as session:
        query = select(ErrorEvent).where(ErrorEvent.group_id == group_id).order_by(ErrorEvent.id)
        return list(session.scalars(query))


def _raise(error: Exception) -> Exception:
    try:
        raise error
    except Exception as caught:
        return caught


def _nothing(connection: Connection) -> None:
    """An empty write (waiting for it waits for every write queued before it)."""


def _captured(source: str, **fields: Any) -> int:
    future = capture_error(source, **fields)
    assert future is not None
    return future.result(timeout=30)


def test_one_bug_is_one_group_whatever_its_message_says(db_url: str) -> None:
    first = _captured("api", error=_raise(KeyError("order 17")), context={"id": 17})
    second = _captured("api", error=_raise(KeyError("order 42")), context={"id": 42})
    other = _captured("api", error=_raise(ValueError("order 42")))

    assert first == second != other
    groups = {group.id: group for group in _groups()}
    assert (groups[first].count, groups[first].error_type) == (2, "KeyError")
    assert groups[first].message == "'order 42'"  # the newest
    assert groups[other].count == 1
    events = _events(first)
    assert [event.context for event in events] == [{"id": 17}, {"id": 42}]
    assert events[0].stack is not None and "_raise" in events[0].stack


def test_text_errors_group_by_their_message_without_the_numbers(db_url: str) -> None:
    one = _captured("node", message="TimeoutError: no answer after 30 s from 10.0.0.7")
    two = _captured("node", message="TimeoutError: no answer after 45 s from 10.0.0.9")
    three = _captured("node", message="HTTP 500 from the server")

    assert one == two != three
    assert [(g.error_type, g.count) for g in _groups()] == [("TimeoutError", 2), ("Error", 1)]
    assert normalised("took 30 s, id 'abc', 0xdeadbeef") == "took ? s, id ?, ?"
    assert error_type_of("builtins.ValueError: bad") == "builtins.ValueError"


def test_a_group_keeps_only_its_newest_events(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(error_capture, "MAX_EVENTS_PER_GROUP", 3)
    for attempt in range(5):
        group_id = _captured("scheduler", message="cannot fire", context={"attempt": attempt})

    [group] = _groups()
    assert group.count == 5
    assert [event.context for event in _events(group_id)] == [
        {"attempt": 2},
        {"attempt": 3},
        {"attempt": 4},
    ]


def test_capturing_never_fails_the_caller(db_url: str) -> None:
    class Unprintable(Exception):
        def __str__(self) -> str:
            raise RuntimeError("no text")

    assert capture_error("api", error=Unprintable()) is None
    when = datetime(2026, 1, 2, tzinfo=UTC)
    group_id = _captured("webhook", message="odd context", context={"when": when, "n": {1, 2}})
    [event] = _events(group_id)
    assert event.context == {"when": str(when), "n": str({1, 2})}


def test_sentry_stays_off_without_a_dsn(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(error_capture.SENTRY_DSN_ENV, raising=False)
    monkeypatch.setattr(error_capture, "_sentry_on", None)
    assert error_capture.init_sentry() is False


async def test_a_failed_node_is_captured_once_with_its_run(db_url: str) -> None:
    workflow_id = make_workflow(failing())
    execution_id = start(workflow_id)
    await wait_for_status(execution_id, "failed")
    second = start(workflow_id)
    await wait_for_status(second, "failed")
    # Captures are queued once the node's write is committed: a write queued now follows them.
    await run_write(_nothing)

    groups = _groups()
    assert [(g.source, g.count) for g in groups] == [("node", 2)]
    first_event = _events(groups[0].id)[0]
    assert (first_event.execution_id, first_event.workflow_id) == (execution_id, workflow_id)
    assert first_event.node_id == "call"
    assert first_event.context is not None and first_event.context["node_type"] == "http_request"


class _Envelopes(BaseHTTPRequestHandler):
    received: ClassVar[list[bytes]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        self.received.append(body)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        """Quiet."""


def test_with_a_dsn_captured_errors_go_to_sentry_too(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _Envelopes.received.clear()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Envelopes)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv(error_capture.SENTRY_DSN_ENV, f"http://key@127.0.0.1:{server.server_port}/1")
    monkeypatch.setattr(error_capture, "_sentry_on", None)
    try:
        _captured("node", message="TimeoutError: slow", execution_id=5, node_id="n1")
        sentry_sdk.flush(timeout=10)
    finally:
        sentry_sdk.get_client().close()
        monkeypatch.setattr(error_capture, "_sentry_on", None)
        server.shutdown()

    [envelope] = _Envelopes.received
    assert b"TimeoutError: slow" in envelope
    assert b'"execution_id":"5"' in envelope.replace(b" ", b"")
    assert [group.source for group in _groups()] == ["node"]


async def test_crash_recovery_counts_and_captures_each_crashed_run(db_url: str) -> None:
    workflow_id = make_workflow()
    crashed = {"workflow_id": str(workflow_id), "status": "crashed"}
    before = REGISTRY.get_sample_value("flowbook_executions_total", crashed) or 0.0
    old = utc_now() - timedelta(minutes=5)
    with session_scope() as session:
        for _ in range(2):
            session.add(
                Execution(
                    workflow_id=workflow_id,
                    workflow_name="Flow",
                    definition={},
                    status="running",
                    trigger="manual",
                    created_at=old,
                    started_at=old,
                    heartbeat_at=old,
                )
            )
    with session_scope() as session:
        assert recover_crashed_executions(session, stale_after_s=30) == 2
    await run_write(_nothing)

    assert REGISTRY.get_sample_value("flowbook_executions_total", crashed) == before + 2
    [group] = _groups()
    assert (group.source, group.count, group.message) == ("execution", 2, CRASH_ERROR)
    assert {event.workflow_id for event in _events(group.id)} == {workflow_id}
