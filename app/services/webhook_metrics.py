"""Webhook calls counted by outcome for /metrics, named from the answer's status."""

from __future__ import annotations

from app.services.metrics import WEBHOOK_CALLS

OUTCOMES = {
    200: "answered",
    202: "accepted",
    400: "bad_request",
    401: "bad_signature",
    403: "ip_refused",
    404: "not_found",
    409: "refused",
    413: "too_large",
    422: "bad_input",
    429: "rate_limited",
    500: "error",
    502: "run_failed",
    503: "unavailable",
    504: "run_timeout",
}


def webhook_outcome(status: int) -> str:
    """The outcome label of an answer's status ("accepted", "rate_limited", ...)."""
    return OUTCOMES.get(status, f"status_{status}")


def count_webhook_call(status: int) -> None:
    """Count one webhook call by the outcome its answer says."""
    WEBHOOK_CALLS.labels(outcome=webhook_outcome(status)).inc()
