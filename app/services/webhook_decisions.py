"""How each webhook call of a batch is decided, in memory: as if it were alone and in order
(`decide_calls`), and what it is answered and logged with once the batch's runs are
inserted (`Decision.answer`). The statements are `webhook_start.py`'s.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from app.models.webhook import REPLAY_WINDOW_SECONDS
from app.services.executions import QueuedExecution
from app.services.webhook_config import HookConfig
from app.services.webhook_rate_limit import RateBucket

REPLAY_REASON = "replay of a webhook-id seen before: its first answer, nothing started"


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


@dataclass
class Decision:
    """What the write decided for one call of the batch (the execution id of a started run
    or of a replay is known once the batch's runs are inserted).

    Attributes:
        replay_of: an earlier call of the batch with the same `webhook-id`, whose run is
            queued: this call gets its answer.
        stored: the stored delivery of a `webhook-id` seen in the last 24 h: this call gets
            its response.
    """

    hook: HookConfig
    call: CallValues
    status: int = 202
    reason: str | None = None
    retry_after: int | None = None
    queued: QueuedExecution | None = None
    replay_of: Decision | None = None
    stored: Any = None

    def reset(self) -> None:
        """Undecide the call (a webhook's calls are decided again when none can run)."""
        self.status, self.reason, self.retry_after = 202, None, None
        self.replay_of = self.stored = None

    def refuse(self, status: int, reason: str, retry_after: int | None = None) -> None:
        """Answer the call `status` with `reason` (and `Retry-After` when given)."""
        self.status, self.reason, self.retry_after = status, reason, retry_after

    def answer(self) -> tuple[Written, CallValues]:
        """The caller's answer and the call's log row."""
        if self.replay_of is not None:
            return self._replay({"execution_id": self.replay_of.execution_id()})
        if self.stored is not None:
            return self._replay(self.stored.response)
        if self.status != 202:
            row = replace(self.call, status_code=self.status, reason=self.reason)
            return Written(self.status, {"detail": self.reason}, retry_after=self.retry_after), row
        execution_id = self.execution_id()
        body = {"execution_id": execution_id}
        row = replace(self.call, execution_id=execution_id)
        return Written(202, body, execution_id=execution_id, queued=self.queued), row

    def _replay(self, response: Any) -> tuple[Written, CallValues]:
        execution_id = (response or {}).get("execution_id")
        row = replace(self.call, reason=REPLAY_REASON, execution_id=execution_id)
        return Written(202, response, execution_id=execution_id), row

    def execution_id(self) -> int:
        """The id of the run queued for this call (known once the batch's runs are in)."""
        assert self.queued is not None
        return self.queued.execution.id


@dataclass
class Round:
    """One pass over a webhook's calls: the calls whose run is to be queued, and the stored
    deliveries found expired (the id may be used again)."""

    to_run: list[Decision]
    expired: set[int]


def decide_calls(
    decisions: list[Decision],
    seen: dict[str, Any],
    bucket: RateBucket,
    refusal: tuple[int, str] | None,
) -> Round:
    """Decide each call in order as if it were alone: a replay, the rate limit (spent from
    `bucket`), then `refusal` (why no run of this webhook can start) or a run to queue."""
    hook = decisions[0].hook
    window = timedelta(seconds=REPLAY_WINDOW_SECONDS)
    accepted: dict[str, Decision] = {}
    expired: set[int] = set()
    to_run = []
    for decision in decisions:
        decision.reset()
        delivery_id, now = decision.call.delivery_id, decision.call.received_at
        stored = seen.get(delivery_id) if delivery_id is not None else None
        if stored is not None and (stored.id in expired or stored.received_at < now - window):
            expired.add(stored.id)
            stored = None
        if delivery_id in accepted:
            decision.replay_of = accepted[delivery_id]
        elif stored is not None:
            decision.stored = stored
        elif (retry_after := bucket.take(now)) is not None:
            reason = f"rate limit of {hook.rate_limit_per_hour} calls per hour reached"
            decision.refuse(429, reason, int(retry_after))
        elif refusal is not None:
            decision.refuse(*refusal)
        else:
            to_run.append(decision)
            if delivery_id is not None:
                accepted[delivery_id] = decision
    return Round(to_run, expired)
