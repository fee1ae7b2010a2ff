"""Each webhook's rate limit: a token bucket kept in the database, shared by every process.

The bucket holds at most `rate_limit_per_hour` tokens and refills at that many per hour
(continuously: one every 3600 / limit seconds); a call takes one. The bucket is read and
written inside the transaction that also starts the run, by a caller holding the webhook's
row lock (PostgreSQL; SQLite's write lock serializes every writer), so two processes never
spend the same token.
"""

from __future__ import annotations

import math
from datetime import datetime

from sqlalchemy import Connection, Table, bindparam, insert, update

from app.models.webhook import WebhookRateBucket

BUCKETS: Table = WebhookRateBucket.__table__  # type: ignore[attr-defined]
SECONDS_PER_HOUR = 3600.0

_INSERT = insert(BUCKETS)
_UPDATE = (
    update(BUCKETS)
    .where(BUCKETS.c.webhook_id == bindparam("bucket_of"))
    .values(tokens=bindparam("tokens"), updated_at=bindparam("now"))
)


def refilled(tokens: float, since: datetime, now: datetime, per_hour: int) -> float:
    """The tokens of a bucket holding `tokens` at `since`, at `now` (never above capacity)."""
    elapsed = max(0.0, (now - since).total_seconds())
    return min(float(per_hour), tokens + elapsed * per_hour / SECONDS_PER_HOUR)


def take_token(
    connection: Connection,
    *,
    webhook_id: int,
    per_hour: int,
    bucket: tuple[float, datetime] | None,
    now: datetime,
) -> float | None:
    """Take one token from the webhook's bucket, in the caller's transaction (which holds
    the webhook's row lock).

    Args:
        webhook_id: the webhook.
        per_hour: its limit (the bucket's capacity); 0 or less means no limit.
        bucket: the bucket's row as read in this transaction (tokens, updated_at), or None
            when it has none yet (it starts full).
        now: the call's time.

    Returns:
        None when a token was taken; else the seconds until one will be there (Retry-After).
    """
    if per_hour <= 0:
        return None
    tokens = float(per_hour) if bucket is None else refilled(*bucket, now, per_hour)
    taken = tokens >= 1.0
    if taken:
        tokens -= 1.0
    if bucket is None:
        connection.execute(_INSERT, {"webhook_id": webhook_id, "tokens": tokens, "updated_at": now})
    else:
        connection.execute(_UPDATE, {"bucket_of": webhook_id, "tokens": tokens, "now": now})
    if taken:
        return None
    return max(1.0, math.ceil((1.0 - tokens) * SECONDS_PER_HOUR / per_hour))
