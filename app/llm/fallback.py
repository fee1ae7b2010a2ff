"""When to fall back: the policy deciding, for a failed attempt, whether to retry, move on or
give up. The decision is a pure function of the error, so it takes microseconds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum

from app.llm.errors import ProviderError, clipped
from app.llm.types import Outcome

_ALWAYS_FALL_BACK = frozenset(
    {
        Outcome.ADDRESS_REFUSED,
        Outcome.SERVER_ERROR,
        Outcome.RATE_LIMITED,
        Outcome.TIMEOUT,
        Outcome.SLOW,
        Outcome.CONNECTION_ERROR,
        Outcome.STREAM_CUT,
    }
)
# Outcomes that say something about the deployment's health (a 400 says the request was bad).
# A refused address is the settings' fault, not the deployment's health.
_BREAKER_FAILURES = _ALWAYS_FALL_BACK - {Outcome.RATE_LIMITED, Outcome.ADDRESS_REFUSED}


class Decision(StrEnum):
    """What to do after a failed attempt."""

    RETRY_SAME = "retry_same"
    NEXT = "next"
    GIVE_UP = "give_up"


@dataclass(frozen=True)
class FallbackPolicy:
    """Fallback rules of one client.

    Attributes:
        attempt_timeout_s: hard timeout of one attempt (connect to last byte).
        latency_threshold_s: an attempt still running after this long is abandoned for the
            next deployment; the last deployment gets the full timeout. None disables it.
        retry_after_cap_s: a 429 whose Retry-After is at most this is waited out and the same
            deployment retried once; a longer one (or none) moves on at once.
        fallback_codes: further HTTP statuses that fall back (5xx and 429 always do).
        max_attempts: bound on attempts per call, skips excluded.
    """

    attempt_timeout_s: float = 60.0
    latency_threshold_s: float | None = None
    retry_after_cap_s: float = 5.0
    fallback_codes: frozenset[int] = frozenset({401, 403, 404, 408})
    max_attempts: int = 6

    def decide(self, error: ProviderError, *, already_retried: bool) -> Decision:
        """Chooses what follows a failed attempt.

        Args:
            error: the attempt's error.
            already_retried: the same deployment was already retried once in this call.

        Returns:
            RETRY_SAME, NEXT or GIVE_UP.
        """
        if error.outcome is Outcome.RATE_LIMITED and not already_retried:
            wait = error.retry_after_s
            if wait is not None and wait <= self.retry_after_cap_s:
                return Decision.RETRY_SAME
        if error.outcome in _ALWAYS_FALL_BACK:
            return Decision.NEXT
        if error.status_code is not None and error.status_code in self.fallback_codes:
            return Decision.NEXT
        return Decision.GIVE_UP

    @staticmethod
    def counts_against_breaker(error: ProviderError) -> bool:
        """Whether this failure says the deployment is unhealthy (429 and 4xx do not)."""
        return error.outcome in _BREAKER_FAILURES


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date).

    Args:
        value: the header value.
        now: the current time, for HTTP dates.

    Returns:
        Non-negative seconds, or None when absent or unparsable.
    """
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def error_for_status(status: int, body: str, retry_after: str | None) -> ProviderError:
    """Classifies an HTTP error answer.

    Args:
        status: the HTTP status (>= 400).
        body: the (already redacted) error body.
        retry_after: the Retry-After header, if any.

    Returns:
        The matching ProviderError.
    """
    if status == 429:
        outcome = Outcome.RATE_LIMITED
    elif status >= 500:
        outcome = Outcome.SERVER_ERROR
    else:
        outcome = Outcome.CLIENT_ERROR
    return ProviderError(
        f"HTTP {status}: {clipped(body)}",
        outcome=outcome,
        status_code=status,
        retry_after_s=parse_retry_after(retry_after),
    )
