"""Errors of the LLM layer. Messages are always redacted before they get here."""

from __future__ import annotations

from app.llm.types import Attempt, Outcome

UPSTREAM_TEXT_CHARS = 300


def clipped(text: str, limit: int = UPSTREAM_TEXT_CHARS) -> str:
    """Upstream text (an error body, an SDK message) cut to `limit` characters, marked when
    cut: a provider's or an internal service's answer is never echoed whole."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… (cut at {limit} characters)"


class LLMError(Exception):
    """Base class of every error the LLM layer raises."""


class ProviderError(LLMError):
    """One attempt against one deployment failed.

    Attributes:
        outcome: the kind of failure (server_error, rate_limited, timeout, ...).
        status_code: the HTTP status, when the provider answered.
        retry_after_s: the Retry-After the provider asked for, when it did.
    """

    def __init__(
        self,
        message: str,
        *,
        outcome: Outcome,
        status_code: int | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message)
        self.outcome = outcome
        self.status_code = status_code
        self.retry_after_s = retry_after_s

    def __repr__(self) -> str:
        return (
            f"ProviderError({self.args[0]!r}, outcome={self.outcome.value!r}, "
            f"status_code={self.status_code!r})"
        )


class LLMCallFailed(LLMError):
    """The call failed: every deployment failed, or one failed in a way fallback cannot fix.

    Attributes:
        path: every attempt in order.
    """

    def __init__(self, message: str, path: tuple[Attempt, ...]) -> None:
        super().__init__(message)
        self.path = path


class NoDeploymentError(LLMError):
    """No deployment can serve the request (for example none has the required capabilities)."""
