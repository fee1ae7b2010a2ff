"""One write for the webhook calls that reach the writer together (`start_runs`): each call
decided as if alone, in order, and the batch written in a few statements."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select, update
from sqlmodel import Session

from app.models.execution import Execution
from app.models.types import utc_now
from app.models.webhook import Webhook, WebhookCall, WebhookDelivery
from app.services import webhook_start
from app.services.webhook_config import HookConfig, load_config
from app.services.webhook_decisions import CallValues, Written
from app.services.webhook_secrets import new_public_id
from app.services.webhook_start import start_runs
from tests.documents import greeting
from tests.services.webhook_rows import hook_row


def _hook(engine: Engine, **fields: Any) -> HookConfig:
    webhook_id = hook_row(engine, greeting(), **fields)
    with engine.connect() as connection:
        public_id = connection.execute(
            select(Webhook.public_id).where(Webhook.id == webhook_id)  # type: ignore[arg-type]
        ).scalar_one()
    config = load_config(public_id)
    assert config is not None
    return config


def _another_hook(engine: Engine, of: HookConfig) -> HookConfig:
    """A second webhook on the same workflow (one owner per instance)."""
    now = utc_now()
    with Session(engine) as session:
        hook = Webhook(
            public_id=new_public_id(),
            workflow_id=of.workflow_id,
            signature_mode="none",
            created_at=now,
            updated_at=now,
        )
        session.add(hook)
        session.commit()
        public_id = hook.public_id
    config = load_config(public_id)
    assert config is not None
    return config


def _call(delivery_id: str | None, seconds: int = 0) -> CallValues:
    return CallValues(
        received_at=utc_now() + timedelta(seconds=seconds),
        ip="127.0.0.1",
        delivery_id=delivery_id,
        mapped_input={"name": delivery_id},
    )


def _count(engine: Engine, model: Any) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(model)).scalar_one())


def _batch(engine: Engine, calls: list[tuple[HookConfig, CallValues]]) -> list[Written | None]:
    with engine.begin() as connection:
        return start_runs(connection, calls)


def test_a_batch_decides_each_call_in_order_as_if_alone(engine: Engine) -> None:
    hook = _hook(engine, rate_limit_per_hour=3)
    calls = [_call("a"), _call("b"), _call("a"), _call(None), _call("c"), _call("c")]
    answers = _batch(engine, [(hook, call) for call in calls])
    statuses = [a.status if a else None for a in answers]
    # Three tokens: a, b and the call without an id; `a` again is a replay (it takes no
    # token); the first `c` finds the bucket empty, and the second, no replay of a refused
    # call, is decided afresh and finds it empty too.
    assert statuses == [202, 202, 202, 202, 429, 429]
    a, b, a_again, anonymous = answers[:4]
    assert a and b and a_again and anonymous
    ids = {a.execution_id, b.execution_id, anonymous.execution_id}
    assert len(ids) == 3 and None not in ids
    assert a_again.body == {"execution_id": a.execution_id} and a_again.queued is None
    assert answers[4] and answers[4].retry_after == 1200
    assert _count(engine, Execution) == 3
    assert _count(engine, WebhookDelivery) == 2
    assert _count(engine, WebhookCall) == 6
    # A later batch replays from the stored delivery.
    replay = _batch(engine, [(hook, _call("b"))])[0]
    assert replay and replay.body == {"execution_id": b.execution_id}
    assert _count(engine, Execution) == 3


def test_a_batch_costs_statements_per_webhook_not_per_call(engine: Engine) -> None:
    hook = _hook(engine, rate_limit_per_hour=1000)
    other = _another_hook(engine, hook)
    _batch(engine, [(hook, _call("warm-up"))])  # the workflow's definition is now prepared
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        calls = [(hook, _call(f"h{k}")) for k in range(40)] + [(other, _call(None))] * 10
        answers = _batch(engine, calls)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert [a.status if a else None for a in answers] == [202] * 50
    assert _count(engine, Execution) == 51
    # Per webhook: claim, state, seen deliveries (when ids were sent), bucket, workflow,
    # access; then one INSERT each of executions, audits, deliveries and log rows, and a
    # prune per webhook: 50 calls alone took 8 statements or more each.
    assert len(statements) <= 20, statements


def test_a_changed_webhook_decides_none_of_its_calls(engine: Engine) -> None:
    hook = _hook(engine)
    stale = HookConfig(**{**vars(hook), "updated_at": hook.updated_at - timedelta(seconds=1)})
    answers = _batch(engine, [(stale, _call("x")), (hook, _call("y")), (stale, _call(None))])
    assert answers[0] is None and answers[2] is None
    assert answers[1] and answers[1].status == 202
    assert _count(engine, WebhookCall) == 1


def test_a_repeated_id_whose_run_cannot_start_is_decided_as_if_alone(engine: Engine) -> None:
    hook = _hook(engine, rate_limit_per_hour=1, version_tag="no-such-tag")
    answers = _batch(engine, [(hook, _call("x")), (hook, _call("x"))])
    # Alone: the first takes the token and is refused (no such version), so the second is
    # no replay and finds the bucket empty.
    assert [a.status if a else None for a in answers] == [404, 429]
    assert _count(engine, Execution) == 0 and _count(engine, WebhookDelivery) == 0


def _delivery(engine: Engine, hook: HookConfig, delivery_id: str, hours_ago: float) -> None:
    with Session(engine) as session:
        session.add(
            WebhookDelivery(
                webhook_id=hook.id,
                delivery_id=delivery_id,
                received_at=utc_now() - timedelta(hours=hours_ago),
                status_code=202,
                response={"execution_id": 999_999},
            )
        )
        session.commit()


def _age(engine: Engine, delivery_id: str, hours: float) -> None:
    with engine.begin() as connection:
        connection.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.delivery_id == delivery_id)  # type: ignore[arg-type]
            .values(received_at=utc_now() - timedelta(hours=hours))
        )


def test_an_id_seen_more_than_a_day_ago_starts_a_run_again(engine: Engine) -> None:
    hook = _hook(engine)
    first_old, first_recent = _batch(engine, [(hook, _call("old")), (hook, _call("recent"))])
    assert first_old and first_recent
    _age(engine, "old", hours=25)
    _age(engine, "recent", hours=23)
    old, recent = _batch(engine, [(hook, _call("old")), (hook, _call("recent"))])
    assert old and old.queued is not None
    assert old.execution_id not in (None, first_old.execution_id)
    assert recent and recent.queued is None
    assert recent.body == {"execution_id": first_recent.execution_id}
    assert _count(engine, Execution) == 3 and _count(engine, WebhookDelivery) == 2


def test_expired_deliveries_are_pruned(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    hook = _hook(engine)
    _delivery(engine, hook, "expired", hours_ago=25)
    _delivery(engine, hook, "kept", hours_ago=23)
    monkeypatch.setattr(webhook_start, "_last_delivery_prune", 0.0)
    _batch(engine, [(hook, _call(None))])
    with engine.connect() as connection:
        left = connection.execute(select(WebhookDelivery.delivery_id)).scalars().all()  # type: ignore[call-overload]
    assert left == ["kept"]
