"""The webhook token bucket: refill, Retry-After, and one bucket for every connection."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, select

from app.models.types import utc_now
from app.models.webhook import WebhookRateBucket
from app.services.webhook_rate_limit import BUCKETS, RateBucket, refilled
from tests.services.webhook_rows import hook_row


def _bucket(connection: Connection, webhook_id: int) -> Any:
    query = select(BUCKETS.c.tokens, BUCKETS.c.updated_at).where(BUCKETS.c.webhook_id == webhook_id)
    row = connection.execute(query).first()
    return None if row is None else (row.tokens, row.updated_at)


def _take(engine: Engine, webhook_id: int, per_hour: int, at: datetime) -> float | None:
    with engine.begin() as connection:
        bucket = RateBucket(webhook_id, per_hour, _bucket(connection, webhook_id))
        retry_after = bucket.take(at)
        bucket.save(connection)
        return retry_after


def test_refill_is_continuous_and_capped() -> None:
    now = utc_now()
    assert refilled(0.0, now - timedelta(seconds=36), now, 100) == 1.0
    assert refilled(99.5, now - timedelta(hours=2), now, 100) == 100.0
    assert refilled(3.0, now + timedelta(seconds=5), now, 100) == 3.0


def test_the_bucket_empties_says_when_to_retry_and_refills(engine: Engine) -> None:
    webhook_id = hook_row(engine)
    now = utc_now()
    for _ in range(3):
        assert _take(engine, webhook_id, 3, now) is None
    retry = _take(engine, webhook_id, 3, now)
    assert retry == 1200  # one token every 3600 / 3 s
    assert _take(engine, webhook_id, 3, now + timedelta(seconds=600)) == 600
    assert _take(engine, webhook_id, 3, now + timedelta(seconds=1200)) is None
    with engine.connect() as connection:
        rows = connection.execute(select(WebhookRateBucket.__table__)).all()  # type: ignore[attr-defined]
    assert len(rows) == 1


def test_no_limit_takes_nothing(engine: Engine) -> None:
    webhook_id = hook_row(engine)
    assert _take(engine, webhook_id, 0, utc_now()) is None
    with engine.connect() as connection:
        assert _bucket(connection, webhook_id) is None


def test_a_batch_spends_the_bucket_call_by_call_and_writes_it_once(engine: Engine) -> None:
    webhook_id = hook_row(engine)
    now = utc_now()
    with engine.begin() as connection:
        bucket = RateBucket(webhook_id, 3, None)
        taken = [bucket.take(now + timedelta(seconds=k)) for k in range(4)]
        bucket.save(connection)
    assert taken[:3] == [None, None, None]
    assert taken[3] == 1197  # 3 s after the first call, 3 s of refill
    with engine.connect() as connection:
        tokens, at = _bucket(connection, webhook_id)
    assert (round(tokens, 6), at) == (round(3 * 3 / 3600, 6), now + timedelta(seconds=3))
