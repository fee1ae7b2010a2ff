"""Errors of the LLM layer. Messages are always redacted before they get here."""

from __future__ import annotations

from app.llm.mock_provider import estimate_tokens
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
        input_tokens: prompt tokens the provider reported before failing, when it did.
        output_tokens: completion tokens it produced before failing (e.g. a stream cut
            after output arrived: the attempt was billed); None when none are known.
    """

    def __init__(
        self,
        message: str,
        *,
        outcome: Outcome,
        status_code: int | None = None,
        retry_after_s: float | None = None,
        input_tokens: int | None = None,
        output_tokens: int | None = None,
    ) -> None:
        super().__init__(message)
        self.outcome = outcome
        self.status_code = status_code
        self.retry_after_s = retry_after_s
        self.input_tokens = input_tokens
        self.output_tokens = output_tokens

    def __repr__(self) -> str:
        return (
            f"ProviderError({self.args[0]!r}, outcome={self.outcome.value!r}, "
            f"status_code={self.status_code!r})"
        )


def stream_cut(
    message: str, parts: list[str], tokens: tuple[int | None, int | None]
) -> ProviderError:
    """The error of a stream that stopped before its end: billed for what had arrived (the
    usage the provider reported, else the output so far, estimated) when any output had.

    Args:
        message: what happened (redacted).
        parts: the text pieces received.
        tokens: (input, output) tokens the provider reported, None where it did not.
    """
    text = "".join(parts)
    output_tokens = tokens[1]
    if output_tokens is None and text:
        output_tokens = estimate_tokens(text)
    return ProviderError(
        message, outcome=Outcome.STREAM_CUT, input_tokens=tokens[0], output_tokens=output_tokens
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
