"""The one write of an accepted webhook call: replay check, rate limit, execution, delivery
and call log together, in a transaction of the group-commit writer (`run_write`).

Everything the write decides is returned, never raised: a write that raises makes the
writer retry every other write of its batch on its own.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Table, and_, bindparam, delete, insert, select, update

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
from app.services.executions import QueuedExecution, insert_queued
from app.services.principal import ROLE_SCOPES, Principal, Via
from app.services.runnable_workflows import runnable
from app.services.version_runs import insert_version_runs
from app.services.webhook_config import HookConfig
from app.services.webhook_rate_limit import BUCKETS, take_token

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
# Everything else the write decides on, in one query: the owner, the bucket, the delivery.
_STATE = (
    select(
        USERS.c.id,
        USERS.c.role,
        USERS.c.active,
        USERS.c.email,
        BUCKETS.c.tokens,
        BUCKETS.c.updated_at.label("bucket_at"),
        DELIVERIES.c.id.label("seen_id"),
        DELIVERIES.c.received_at.label("seen_at"),
        DELIVERIES.c.response.label("seen_response"),
    )
    .select_from(
        WEBHOOKS.join(WORKFLOWS, WORKFLOWS.c.id == WEBHOOKS.c.workflow_id)
        .outerjoin(USERS, USERS.c.id == WORKFLOWS.c.owner_id)
        .outerjoin(BUCKETS, BUCKETS.c.webhook_id == WEBHOOKS.c.id)
        .outerjoin(
            DELIVERIES,
            and_(
                DELIVERIES.c.webhook_id == WEBHOOKS.c.id,
                DELIVERIES.c.delivery_id == bindparam("delivery_id"),
            ),
        )
    )
    .where(WEBHOOKS.c.id == bindparam("webhook_id"))
)
_FORGET = delete(DELIVERIES).where(DELIVERIES.c.id == bindparam("delivery_row"))
_PRUNE_DELIVERIES = delete(DELIVERIES).where(DELIVERIES.c.received_at < bindparam("before"))
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


@dataclass(frozen=True)
class CallValues:
    """A call's row in the log (status and reason are filled in by the write when it
    decides them)."""

    received_at: datetime
    ip: str
    delivery_id: str | None
    status_code: int = 202
    reason: str | None = None
    execution_id: int | None = None
    mapped_input: Any = None
    test: bool = False


@dataclass(frozen=True)
class Written:
    """What the write decided: the answer, and the run to start once it is committed."""

    status: int
    body: Any
    execution_id: int | None = None
    retry_after: int | None = None
    queued: QueuedExecution | None = None


def insert_call(connection: Connection, webhook_id: int, call: CallValues) -> None:
    """Log a call, keeping only the webhook's newest `CALL_LOG_KEPT`."""
    values = {"webhook_id": webhook_id, **vars(call)}
    connection.execute(_INSERT_CALL, values)
    connection.execute(_PRUNE_CALLS, {"webhook_id": webhook_id})


def _refused(
    connection: Connection, hook: HookConfig, call: CallValues, status: int, reason: str
) -> Written:
    insert_call(connection, hook.id, replace(call, status_code=status, reason=reason))
    return Written(status, {"detail": reason})


def _owner(state: Any, hook: HookConfig) -> Principal | str:
    """The principal runs start as (the workflow's owner), or why there is none."""
    if state.id is None:
        return "the workflow has no owner to run it as"
    if not state.active:
        return "the workflow's owner is deactivated"
    role = Role(state.role)
    label = f"{state.email} (webhook {hook.name or hook.public_id})"
    return Principal(state.id, role, label[:300], Via.TOKEN, ROLE_SCOPES[role])


def _queue(
    connection: Connection, hook: HookConfig, principal: Principal, input: Any
) -> QueuedExecution:
    if hook.version_tag is None:
        row, prepared = runnable(connection.engine, connection, hook.workflow_id, principal)
        return insert_queued(
            connection,
            row,
            prepared,
            workflow_id=hook.workflow_id,
            trigger=TRIGGER,
            input=input,
            principal=principal,
            started=True,
        )
    ref = VersionRef(tag=hook.version_tag)
    queued = insert_version_runs(connection, hook.workflow_id, [(ref, input)], TRIGGER, principal)
    if isinstance(queued, ServiceError):
        raise queued
    return queued[0]


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


def _replayed(
    connection: Connection, hook: HookConfig, call: CallValues, state: Any
) -> Written | None:
    """The first answer to a `webhook-id` seen in the last 24 h, or None."""
    if call.delivery_id is None or state.seen_id is None:
        return None
    if state.seen_at < call.received_at - timedelta(seconds=REPLAY_WINDOW_SECONDS):
        connection.execute(_FORGET, {"delivery_row": state.seen_id})
        return None
    execution_id = (state.seen_response or {}).get("execution_id")
    reason = "replay of a webhook-id seen before: its first answer, nothing started"
    insert_call(connection, hook.id, replace(call, reason=reason, execution_id=execution_id))
    return Written(202, state.seen_response, execution_id=execution_id)


def start_run(connection: Connection, hook: HookConfig, call: CallValues) -> Written | None:
    """Replay check, rate limit, then the execution with its delivery and log rows.

    Returns:
        None when the webhook changed since `hook` was read (check the call again with
        the new settings); else what was decided (a run to start is in `queued`).
    """
    now = call.received_at
    claimed = connection.execute(_CLAIM, {"hook_id": hook.id, "now": now}).first()
    if claimed is None or claimed.updated_at != hook.updated_at:
        return None
    keys = {"webhook_id": hook.id, "delivery_id": call.delivery_id}
    state = connection.execute(_STATE, keys).one()
    _prune_deliveries(connection, now)
    replayed = _replayed(connection, hook, call, state)
    if replayed is not None:
        return replayed
    bucket = None if state.tokens is None else (state.tokens, state.bucket_at)
    retry_after = take_token(
        connection,
        webhook_id=hook.id,
        per_hour=hook.rate_limit_per_hour,
        bucket=bucket,
        now=now,
    )
    if retry_after is not None:
        reason = f"rate limit of {hook.rate_limit_per_hour} calls per hour reached"
        refused = _refused(connection, hook, call, 429, reason)
        return Written(429, refused.body, retry_after=int(retry_after))
    owner = _owner(state, hook)
    if isinstance(owner, str):
        return _refused(connection, hook, call, 403, owner)
    try:
        queued = _queue(connection, hook, owner, call.mapped_input)
    except ServiceError as exc:
        return _refused(connection, hook, call, _status_of(exc), str(exc))
    execution_id = queued.execution.id
    body = {"execution_id": execution_id}
    if call.delivery_id is not None:
        connection.execute(
            _INSERT_DELIVERY,
            {
                "webhook_id": hook.id,
                "delivery_id": call.delivery_id,
                "received_at": call.received_at,
                "status_code": 202,
                "response": body,
            },
        )
    insert_call(connection, hook.id, replace(call, execution_id=execution_id))
    return Written(202, body, execution_id=execution_id, queued=queued)
