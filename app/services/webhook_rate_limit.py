"""Each webhook's rate limit: a token bucket kept in the database, shared by every process.

The bucket holds at most `rate_limit_per_hour` tokens and refills at that many per hour
(continuously: one every 3600 / limit seconds); a call takes one. The bucket is read and
written inside the caller's transaction (the one that also starts the run), locked on
PostgreSQL (`FOR UPDATE`), serialized by SQLite's write lock, so two processes never
spend the same token.
"""

from __future__ import annotations

import math
from datetime import datetime

from sqlalchemy import Connection, Table, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite

from app.models.webhook import WebhookRateBucket

BUCKETS: Table = WebhookRateBucket.__table__  # type: ignore[attr-defined]
SECONDS_PER_HOUR = 3600.0

_SELECT = (
    select(BUCKETS.c.tokens, BUCKETS.c.updated_at)
    .where(BUCKETS.c.webhook_id == bindparam("webhook_id"))
    .with_for_update()
)
_UPDATE = (
    update(BUCKETS)
    .where(BUCKETS.c.webhook_id == bindparam("bucket_of"))
    .values(tokens=bindparam("tokens"), updated_at=bindparam("now"))
)


def refilled(tokens: float, since: datetime, now: datetime, per_hour: int) -> float:
    """The tokens of a bucket holding `tokens` at `since`, at `now` (never above capacity)."""
    elapsed = max(0.0, (now - since).total_seconds())
    return min(float(per_hour), tokens + elapsed * per_hour / SECONDS_PER_HOUR)


def _create(connection: Connection, webhook_id: int, per_hour: int, now: datetime) -> None:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(BUCKETS).on_conflict_do_nothing(index_elements=["webhook_id"])
    connection.execute(statement, {"webhook_id": webhook_id, "tokens": per_hour, "updated_at": now})


def take_token(
    connection: Connection, *, webhook_id: int, per_hour: int, now: datetime
) -> float | None:
    """Take one token from the webhook's bucket, in the caller's transaction.

    Args:
        webhook_id: the webhook.
        per_hour: its limit (the bucket's capacity); 0 or less means no limit.
        now: the call's time.

    Returns:
        None when a token was taken; else the seconds until one will be there (Retry-After).
    """
    if per_hour <= 0:
        return None
    row = connection.execute(_SELECT, {"webhook_id": webhook_id}).first()
    if row is None:
        _create(connection, webhook_id, per_hour, now)
        row = connection.execute(_SELECT, {"webhook_id": webhook_id}).first()
        assert row is not None
    tokens = refilled(row.tokens, row.updated_at, now, per_hour)
    taken = tokens >= 1.0
    if taken:
        tokens -= 1.0
    connection.execute(_UPDATE, {"bucket_of": webhook_id, "tokens": tokens, "now": now})
    if taken:
        return None
    return max(1.0, math.ceil((1.0 - tokens) * SECONDS_PER_HOUR / per_hour))
