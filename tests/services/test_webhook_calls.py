"""A webhook's call log and mapping test panel, on SQLite and PostgreSQL: calls newest first
with their run's status; the last real call is the newest accepted one that is not a test
event; a sample is mapped, or the failure said; a caller who cannot see the workflow gets
nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session

from app.models.account import Role
from app.models.types import utc_now
from app.models.webhook import WebhookCall
from app.models.webhook_schemas import MappingPreviewRequest, WebhookCreate
from app.models.workflow import WorkflowCreate
from app.services import webhook_calls, webhooks, workflows
from app.services.errors import InvalidInputError, NotFoundError
from app.services.executions import queue_execution
from app.services.principal import Principal
from tests.documents import greeting
from tests.services.accounts_builders import member


@pytest.fixture
def ada(session: Session) -> Principal:
    return member(session, Role.EDITOR, "ada@example.com")


@pytest.fixture
def hook(session: Session, ada: Principal) -> int:
    workflow = workflows.create_workflow(
        session, principal=ada, data=WorkflowCreate(name="Flow", definition=greeting())
    )
    return webhooks.create_webhook(
        session, principal=ada, workflow_id=workflow.id, data=WebhookCreate()
    ).id


def _call(session: Session, webhook_id: int, seconds: int, status: int, **values: Any) -> int:
    row = WebhookCall(
        webhook_id=webhook_id,
        received_at=utc_now() - timedelta(seconds=100 - seconds),
        ip="192.0.2.1",
        status_code=status,
        **values,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def test_calls_come_newest_first_with_their_runs_status(
    session: Session, ada: Principal, hook: int
) -> None:
    workflow_id = webhooks.get_webhook(session, principal=ada, webhook_id=hook).workflow_id
    execution = queue_execution(session, principal=ada, workflow_id=workflow_id)
    accepted = _call(
        session, hook, 1, 202, execution_id=execution.execution.id, mapped_input={"a": 1}
    )
    refused = _call(session, hook, 2, 401, reason="signature does not match")
    calls = webhook_calls.list_webhook_calls(session, principal=ada, webhook_id=hook)
    assert [c.id for c in calls] == [refused, accepted]
    assert calls[0].reason == "signature does not match" and calls[0].execution_status is None
    assert calls[1].execution_status == "queued" and calls[1].mapped_input == {"a": 1}
    assert (
        len(webhook_calls.list_webhook_calls(session, principal=ada, webhook_id=hook, limit=1)) == 1
    )
    with pytest.raises(InvalidInputError):
        webhook_calls.list_webhook_calls(session, principal=ada, webhook_id=hook, limit=101)


def test_the_last_real_call_skips_test_events_and_refusals(
    session: Session, ada: Principal, hook: int
) -> None:
    assert webhook_calls.last_call_mapping(session, principal=ada, webhook_id=hook).error
    real = _call(session, hook, 1, 202, mapped_input={"order": 7})
    _call(session, hook, 2, 202, mapped_input={"type": "flowbook.test"}, test=True)
    _call(session, hook, 3, 401, reason="signature does not match")
    last = webhook_calls.last_call_mapping(session, principal=ada, webhook_id=hook)
    assert (last.call_id, last.input, last.error) == (real, {"order": 7}, None)


def test_a_sample_is_mapped_or_the_failure_said() -> None:
    mapped = webhook_calls.preview_webhook_mapping(
        data=MappingPreviewRequest(
            mapping='[body.id, headers."x-kind", query.page]',
            body={"id": 3},
            headers={"X-Kind": "order"},
            query={"page": "1"},
        )
    )
    assert (mapped.input, mapped.error) == ([3, "order", "1"], None)
    as_is = webhook_calls.preview_webhook_mapping(data=MappingPreviewRequest(body=[1]))
    assert as_is.input == [1]
    failed = webhook_calls.preview_webhook_mapping(
        data=MappingPreviewRequest(mapping="length(body)", body=5)
    )
    assert failed.input is None and failed.error and "length" in failed.error


def test_a_caller_who_cannot_see_the_workflow_gets_nothing(session: Session, hook: int) -> None:
    bob = member(session, Role.EDITOR, "bob@example.com")
    with pytest.raises(NotFoundError):
        webhook_calls.list_webhook_calls(session, principal=bob, webhook_id=hook)
    with pytest.raises(NotFoundError):
        webhook_calls.last_call_mapping(session, principal=bob, webhook_id=hook)
