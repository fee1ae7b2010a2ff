"""The one write of the webhook calls that reach the group-commit writer together
(`db_threads.run_merged`): replay checks, rate limits, executions, deliveries and call logs
of the whole batch in one transaction, a few statements per webhook rather than per call.

Each webhook of the batch is claimed (its row locked, its settings checked unchanged) and
read once; its calls are then decided in order, in memory, each as if it were alone
(`webhook_decisions.py`: a `webhook-id` repeated in the batch is a replay of the first call
whose run is queued; the token bucket is spent call by call and written once); the runs of
every webhook are inserted in one multi-row INSERT, the deliveries and log rows in one
executemany each, and each webhook's log is pruned once.

Everything the write decides is returned, never raised: a write that raises makes the
writer retry every other write of its batch on its own.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Table, bindparam, delete, insert, select, update

from app.models.account import Role, User
from app.models.version_run import VersionRef
from app.models.webhook import (
    CALL_LOG_KEPT,
    REPLAY_WINDOW_SECONDS,
    Webhook,
    WebhookCall,
    WebhookDelivery,
)
from app.models.workflow import Workflow
from app.services.errors import (
    BudgetExceededError,
    InvalidWorkflowError,
    NotFoundError,
    PermissionDeniedError,
    ServiceError,
)
from app.services.executions import insert_queued_many
from app.services.persisted_run import PreparedWorkflow
from app.services.principal import ROLE_SCOPES, Principal, Via
from app.services.runnable_workflows import runnable
from app.services.version_runs import insert_version_runs
from app.services.webhook_config import HookConfig
from app.services.webhook_decisions import CallValues, Decision, Written, decide_calls
from app.services.webhook_rate_limit import BUCKETS, RateBucket

WEBHOOKS: Table = Webhook.__table__  # type: ignore[attr-defined]
CALLS: Table = WebhookCall.__table__  # type: ignore[attr-defined]
DELIVERIES: Table = WebhookDelivery.__table__  # type: ignore[attr-defined]
WORKFLOWS: Table = Workflow.__table__  # type: ignore[attr-defined]
USERS: Table = User.__table__  # type: ignore[attr-defined]
TRIGGER = "webhook"
DELIVERY_PRUNE_EVERY_S = 60.0

# Locks the webhook's row (PostgreSQL) for the rest of the transaction: calls to one webhook
# from several processes take turns at its bucket and deliveries.
_CLAIM = (
    update(WEBHOOKS)
    .where(WEBHOOKS.c.id == bindparam("hook_id"))
    .values(last_called_at=bindparam("now"))
    .returning(WEBHOOKS.c.updated_at)
)
# The workflow's owner and the webhook's bucket, in one query.
_STATE = (
    select(
        USERS.c.id,
        USERS.c.role,
        USERS.c.active,
        USERS.c.email,
        BUCKETS.c.tokens,
        BUCKETS.c.updated_at.label("bucket_at"),
    )
    .select_from(
        WEBHOOKS.join(WORKFLOWS, WORKFLOWS.c.id == WEBHOOKS.c.workflow_id)
        .outerjoin(USERS, USERS.c.id == WORKFLOWS.c.owner_id)
        .outerjoin(BUCKETS, BUCKETS.c.webhook_id == WEBHOOKS.c.id)
    )
    .where(WEBHOOKS.c.id == bindparam("webhook_id"))
)
_SEEN = select(
    DELIVERIES.c.id, DELIVERIES.c.delivery_id, DELIVERIES.c.received_at, DELIVERIES.c.response
).where(
    DELIVERIES.c.webhook_id == bindparam("webhook_id"),
    DELIVERIES.c.delivery_id.in_(bindparam("delivery_ids", expanding=True)),
)
_FORGET = delete(DELIVERIES).where(DELIVERIES.c.id == bindparam("delivery_row"))
# Rows another transaction has locked are left for the next prune (PostgreSQL): a prune
# never waits on a delivery that a call to another webhook is replacing.
_EXPIRED = (
    select(DELIVERIES.c.id)
    .where(DELIVERIES.c.received_at < bindparam("before"))
    .with_for_update(skip_locked=True)
)
_PRUNE_DELIVERIES = delete(DELIVERIES).where(DELIVERIES.c.id.in_(_EXPIRED.scalar_subquery()))
_INSERT_DELIVERY = insert(DELIVERIES)
_INSERT_CALL = insert(CALLS)
_OLDEST_KEPT = (
    select(CALLS.c.id)
    .where(CALLS.c.webhook_id == bindparam("webhook_id"))
    .order_by(CALLS.c.id.desc())
    .offset(CALL_LOG_KEPT - 1)
    .limit(1)
    .scalar_subquery()
)
_PRUNE_CALLS = delete(CALLS).where(
    CALLS.c.webhook_id == bindparam("webhook_id"), CALLS.c.id < _OLDEST_KEPT
)
_last_delivery_prune = 0.0


def insert_call(connection: Connection, webhook_id: int, call: CallValues) -> None:
    """Log a call, keeping only the webhook's newest `CALL_LOG_KEPT`."""
    connection.execute(_INSERT_CALL, {"webhook_id": webhook_id, **vars(call)})
    connection.execute(_PRUNE_CALLS, {"webhook_id": webhook_id})


def _owner(state: Any, hook: HookConfig) -> Principal | str:
    """The principal runs start as (the workflow's owner), or why there is none."""
    if state.id is None:
        return "the workflow has no owner to run it as"
    if not state.active:
        return "the workflow's owner is deactivated"
    role = Role(state.role)
    label = f"{state.email} (webhook {hook.name or hook.public_id})"
    return Principal(state.id, role, label[:300], Via.TOKEN, ROLE_SCOPES[role])


def _status_of(exc: ServiceError) -> int:
    if isinstance(exc, BudgetExceededError):
        return 409
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, PermissionDeniedError):
        return 403
    if isinstance(exc, InvalidWorkflowError):
        return 422
    return 400


def _prune_deliveries(connection: Connection, now: datetime) -> None:
    global _last_delivery_prune
    if time.monotonic() - _last_delivery_prune >= DELIVERY_PRUNE_EVERY_S:
        _last_delivery_prune = time.monotonic()
        before = now - timedelta(seconds=REPLAY_WINDOW_SECONDS)
        connection.execute(_PRUNE_DELIVERIES, {"before": before})


def _seen(connection: Connection, hook: HookConfig, decisions: list[Decision]) -> dict[str, Any]:
    """The stored deliveries of the calls' `webhook-id`s, by id."""
    ids = sorted({d.call.delivery_id for d in decisions if d.call.delivery_id is not None})
    if not ids:
        return {}
    rows = connection.execute(_SEEN, {"webhook_id": hook.id, "delivery_ids": ids}).all()
    return {row.delivery_id: row for row in rows}


class _Batch:
    """The calls of one write: decided webhook by webhook, then inserted together."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.runs: list[tuple[Any, PreparedWorkflow, int, Any, Principal]] = []
        self.run_decisions: list[Decision] = []

    def decide(self, decisions: list[Decision]) -> bool:
        """Decide the calls of one webhook, in order; False when it changed since it was
        read (none of its calls is decided)."""
        hook = decisions[0].hook
        last = max(d.call.received_at for d in decisions)
        claimed = self.connection.execute(_CLAIM, {"hook_id": hook.id, "now": last}).first()
        if claimed is None or claimed.updated_at != hook.updated_at:
            return False
        state = self.connection.execute(_STATE, {"webhook_id": hook.id}).one()
        seen = _seen(self.connection, hook, decisions)
        bucket_row = None if state.tokens is None else (state.tokens, state.bucket_at)
        bucket = RateBucket(hook.id, hook.rate_limit_per_hour, bucket_row)
        owner = _owner(state, hook)
        refusal = (403, owner) if isinstance(owner, str) else None
        decided = decide_calls(decisions, seen, bucket, refusal)
        if decided.to_run:
            assert isinstance(owner, Principal)
            refusal = self._queue(hook, owner, decided.to_run)
            if refusal is not None:
                # No run of this webhook can start: decide again knowing it, so a repeated
                # webhook-id is no replay of a refused call and takes its token, as alone.
                bucket = RateBucket(hook.id, hook.rate_limit_per_hour, bucket_row)
                decided = decide_calls(decisions, seen, bucket, refusal)
        for row_id in decided.expired:
            self.connection.execute(_FORGET, {"delivery_row": row_id})
        bucket.save(self.connection)
        return True

    def _queue(
        self, hook: HookConfig, owner: Principal, decisions: list[Decision]
    ) -> tuple[int, str] | None:
        """Queue the calls' runs; else why none can start (nothing written then)."""
        if hook.version_tag is not None:
            ref = VersionRef(tag=hook.version_tag)
            runs = [(ref, d.call.mapped_input) for d in decisions]
            queued = insert_version_runs(self.connection, hook.workflow_id, runs, TRIGGER, owner)
            if isinstance(queued, ServiceError):
                return _status_of(queued), str(queued)
            for decision, one in zip(decisions, queued, strict=True):
                decision.queued = one
            return None
        try:
            row, prepared = runnable(
                self.connection.engine, self.connection, hook.workflow_id, owner
            )
        except ServiceError as exc:
            return _status_of(exc), str(exc)
        for decision in decisions:
            self.runs.append((row, prepared, hook.workflow_id, decision.call.mapped_input, owner))
            self.run_decisions.append(decision)
        return None

    def write(self, decisions: list[Decision]) -> list[Written]:
        """Insert the runs, deliveries and log rows of the decided calls; their answers."""
        if self.runs:
            queued = insert_queued_many(self.connection, self.runs, trigger=TRIGGER, started=True)
            for decision, one in zip(self.run_decisions, queued, strict=True):
                decision.queued = one
        answers, calls, deliveries = [], [], []
        for decision in decisions:
            written, row = decision.answer()
            answers.append(written)
            calls.append({"webhook_id": decision.hook.id, **vars(row)})
            if written.queued is not None and row.delivery_id is not None:
                deliveries.append(
                    {
                        "webhook_id": decision.hook.id,
                        "delivery_id": row.delivery_id,
                        "received_at": row.received_at,
                        "status_code": 202,
                        "response": written.body,
                    }
                )
        if deliveries:
            self.connection.execute(_INSERT_DELIVERY, deliveries)
        if calls:
            self.connection.execute(_INSERT_CALL, calls)
        for webhook_id in sorted({d.hook.id for d in decisions}):
            self.connection.execute(_PRUNE_CALLS, {"webhook_id": webhook_id})
        return answers


def start_runs(
    connection: Connection, calls: list[tuple[HookConfig, CallValues]]
) -> list[Written | None]:
    """Replay check, rate limit, then the execution with its delivery and log rows, for each
    call of the batch (merged by `db_threads.run_merged`; see the module docstring).

    Returns:
        Per call, in order: None when its webhook changed since `hook` was read (check the
        call again with the new settings); else what was decided (a run to start is in
        `queued`).
    """
    if not calls:
        return []
    _prune_deliveries(connection, calls[0][1].received_at)
    decisions = [Decision(hook, call) for hook, call in calls]
    # One group per webhook and settings read: of two copies of one webhook's settings in a
    # batch, at most one is current.
    groups: dict[tuple[int, datetime], list[Decision]] = {}
    for decision in decisions:
        groups.setdefault((decision.hook.id, decision.hook.updated_at), []).append(decision)
    batch = _Batch(connection)
    stale: set[tuple[int, datetime]] = set()
    # Webhooks in id order within the write, so two processes' writes mostly lock them in the
    # same order (a deadlock PostgreSQL still finds aborts one; its writes are retried alone).
    for key in sorted(groups):
        if not batch.decide(groups[key]):
            stale.add(key)

    def key_of(decision: Decision) -> tuple[int, datetime]:
        return (decision.hook.id, decision.hook.updated_at)

    answers = iter(batch.write([d for d in decisions if key_of(d) not in stale]))
    return [None if key_of(d) in stale else next(answers) for d in decisions]
