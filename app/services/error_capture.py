"""Errors captured with their context into `error_groups` / `error_events`, grouped by
fingerprint, and sent to Sentry too when `SENTRY_DSN` is set.

`capture_error` never fails and never waits: it builds the record on the caller's thread
(a fingerprint, a trimmed stack) and queues the write for the services' group-commit
writer (`submit_write`), so an async caller never blocks its loop and a caller inside a
SQLite write transaction does not wait for its own lock. The write upserts the group (count,
last seen, newest message) and keeps only its newest `MAX_EVENTS_PER_GROUP` events.

Fingerprint: source, error type, and the innermost frames' file and function when there
is a stack (line numbers and messages vary between occurrences of one bug), else the
message with its numbers, hex ids and quoted values blanked out.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import traceback
from concurrent.futures import Future
from typing import Any

from sqlalchemy import Connection, Table, delete, insert, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.models.error_log import ErrorEvent, ErrorGroup
from app.models.types import utc_now
from app.services.db_threads import submit_write
from app.services.metrics import ERRORS

logger = logging.getLogger(__name__)

GROUPS: Table = ErrorGroup.__table__  # type: ignore[attr-defined]
EVENTS: Table = ErrorEvent.__table__  # type: ignore[attr-defined]
MAX_EVENTS_PER_GROUP = 50
MESSAGE_CHARS = 2_000
STACK_CHARS = 20_000
CONTEXT_CHARS = 8_000
FINGERPRINT_FRAMES = 5
SENTRY_DSN_ENV = "SENTRY_DSN"
_VARYING = re.compile(r"'[^']*'|\"[^\"]*\"|\b0x[0-9a-f]+\b|\b[0-9a-f]{8,}\b|\d+", re.IGNORECASE)
_TYPE_PREFIX = re.compile(r"^([A-Za-z_][A-Za-z0-9_.]*(?:Error|Exception|Timeout|Exit)):")
# None until the first capture reads SENTRY_DSN (Sentry only gets what is captured here).
_sentry_on: bool | None = None


def normalised(message: str) -> str:
    """The message with what varies between occurrences (numbers, ids, quoted values)
    replaced by `?`."""
    return _VARYING.sub("?", message.strip())[:MESSAGE_CHARS]


def fingerprint(source: str, error_type: str, message: str, frames: list[str]) -> str:
    """The group key: source, type, and the innermost frames or the normalised message."""
    tail = "\n".join(frames[-FINGERPRINT_FRAMES:]) if frames else normalised(message)
    return hashlib.sha256(f"{source}\n{error_type}\n{tail}".encode()).hexdigest()


def error_type_of(message: str) -> str:
    """The exception type a text error starts with ("TimeoutError: ..."), else "Error"."""
    match = _TYPE_PREFIX.match(message)
    return match.group(1) if match else "Error"


def _frames(error: BaseException) -> list[str]:
    return [
        f"{os.path.basename(frame.filename)}:{frame.name}"
        for frame in traceback.extract_tb(error.__traceback__)
    ]


def _json_safe(context: dict[str, Any] | None) -> dict[str, Any] | None:
    if not context:
        return None
    text = json.dumps(context, default=str)
    if len(text) > CONTEXT_CHARS:
        return {"truncated": text[:CONTEXT_CHARS]}
    safe: dict[str, Any] = json.loads(text)
    return safe


def _upsert_group(connection: Connection, row: dict[str, Any]) -> int:
    dialect_insert = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
    statement = dialect_insert(GROUPS).values(**row, count=1, first_seen=row["last_seen"])
    upsert = statement.on_conflict_do_update(
        index_elements=[GROUPS.c.fingerprint],
        set_={
            "count": GROUPS.c.count + 1,
            "last_seen": statement.excluded.last_seen,
            "message": statement.excluded.message,
        },
    ).returning(GROUPS.c.id)
    return int(connection.execute(upsert).scalar_one())


def write_error(connection: Connection, group: dict[str, Any], event: dict[str, Any]) -> int:
    """Count one occurrence in its group (created on first sight), store the event, drop
    the group's events older than its newest `MAX_EVENTS_PER_GROUP`; the group's id."""
    group_id = _upsert_group(connection, group)
    connection.execute(insert(EVENTS).values(**event, group_id=group_id))
    oldest_kept = (
        select(EVENTS.c.id)
        .where(EVENTS.c.group_id == group_id)
        .order_by(EVENTS.c.id.desc())
        .offset(MAX_EVENTS_PER_GROUP - 1)
        .limit(1)
        .scalar_subquery()
    )
    connection.execute(
        delete(EVENTS).where(EVENTS.c.group_id == group_id, EVENTS.c.id < oldest_kept)
    )
    return group_id


def capture_error(
    source: str,
    *,
    error: BaseException | None = None,
    message: str | None = None,
    execution_id: int | None = None,
    workflow_id: int | None = None,
    node_id: str | None = None,
    context: dict[str, Any] | None = None,
) -> Future[int] | None:
    """Record an error; never raises, never waits.

    Args:
        source: where it happened: node, execution, api, scheduler, webhook or llm.
        error: the exception, when there is one (its type and stack are kept).
        message: the error text (default: the exception's).
        execution_id: the execution it happened in.
        workflow_id: that execution's workflow.
        node_id: the node that failed.
        context: anything else worth seeing (JSON-able; no secrets).

    Returns:
        The queued write (its result is the group id), or None when even queuing failed.
    """
    try:
        text = message if message is not None else (str(error) if error else "")
        text = text or (type(error).__name__ if error else "error")
        error_type = type(error).__name__ if error is not None else error_type_of(text)
        frames = _frames(error) if error is not None else []
        stack = None
        if error is not None and error.__traceback__ is not None:
            stack = "".join(traceback.format_exception(error))[-STACK_CHARS:]
        now = utc_now()
        group = {
            "fingerprint": fingerprint(source, error_type, text, frames),
            "source": source,
            "error_type": error_type[:200],
            "message": text[:MESSAGE_CHARS],
            "last_seen": now,
        }
        event = {
            "occurred_at": now,
            "message": text[:MESSAGE_CHARS],
            "stack": stack,
            "execution_id": execution_id,
            "workflow_id": workflow_id,
            "node_id": node_id,
            "context": _json_safe(context),
        }
        ERRORS.labels(source=source).inc()
        if _sentry_on or (_sentry_on is None and init_sentry()):
            _to_sentry(source, error, text, event)
        future = submit_write(write_error, group, event)
        future.add_done_callback(_log_failure)
        return future
    except Exception:
        logger.exception("could not capture a %s error", source)
        return None


def _log_failure(future: Future[int]) -> None:
    failure = future.exception()
    if failure is not None:
        logger.error("could not store a captured error: %s", failure)


def _to_sentry(source: str, error: BaseException | None, text: str, event: dict[str, Any]) -> None:
    import sentry_sdk

    with sentry_sdk.new_scope() as scope:
        scope.set_tag("source", source)
        for key in ("execution_id", "workflow_id", "node_id"):
            if event[key] is not None:
                scope.set_tag(key, str(event[key]))
        if event["context"]:
            scope.set_context("flowbook", event["context"])
        if error is not None:
            sentry_sdk.capture_exception(error)
        else:
            sentry_sdk.capture_message(text, level="error")


def init_sentry() -> bool:
    """Start Sentry when `SENTRY_DSN` is set (the first capture does it); whether it is on.
    Without the variable nothing is imported and nothing leaves the machine."""
    global _sentry_on
    if _sentry_on is not None:
        return _sentry_on
    dsn = os.environ.get(SENTRY_DSN_ENV, "").strip()
    _sentry_on = bool(dsn)
    if dsn:
        import sentry_sdk

        # Sentry gets what is captured here, nothing else: no integrations, no user data.
        sentry_sdk.init(dsn=dsn, send_default_pii=False, default_integrations=False)
    return _sentry_on
