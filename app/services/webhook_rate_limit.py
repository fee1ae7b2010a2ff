"""Each webhook's rate limit: a token bucket kept in the database, shared by every process.

The bucket holds at most `rate_limit_per_hour` tokens and refills at that many per hour
(continuously: one every 3600 / limit seconds); a call takes one. The bucket is read and
written inside the transaction that also starts the runs, by a caller holding the webhook's
row lock (PostgreSQL; SQLite's write lock serializes every writer), so two processes never
spend the same token.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
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


@dataclass
class RateBucket:
    """A webhook's bucket as read in the write's transaction: spent call by call in memory
    (`take`), written back once (`save`), so a batch of calls costs one statement.

    Attributes:
        webhook_id: the webhook.
        per_hour: its limit (the bucket's capacity); 0 or less means no limit.
        row: the bucket's row as read (tokens, updated_at), or None when it has none yet
            (it starts full).
    """

    webhook_id: int
    per_hour: int
    row: tuple[float, datetime] | None
    _spent: tuple[float, datetime] | None = None

    def take(self, now: datetime) -> float | None:
        """Take one token for a call at `now`.

        Returns:
            None when a token was taken; else the seconds until one will be there
            (Retry-After).
        """
        if self.per_hour <= 0:
            return None
        held = self._spent or self.row
        tokens = float(self.per_hour) if held is None else refilled(*held, now, self.per_hour)
        taken = tokens >= 1.0
        if taken:
            tokens -= 1.0
        self._spent = (tokens, now)
        if taken:
            return None
        return max(1.0, math.ceil((1.0 - tokens) * SECONDS_PER_HOUR / self.per_hour))

    def save(self, connection: Connection) -> None:
        """Write what `take` spent, in the caller's transaction (nothing when it took none)."""
        if self._spent is None:
            return
        tokens, now = self._spent
        if self.row is None:
            values = {"webhook_id": self.webhook_id, "tokens": tokens, "updated_at": now}
            connection.execute(_INSERT, values)
        else:
            connection.execute(
                _UPDATE, {"bucket_of": self.webhook_id, "tokens": tokens, "now": now}
            )
