"""Values that cross the LLM layer's boundary: requests, responses, attempts, fallback events."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    """How one attempt against one deployment ended."""

    OK = "ok"
    SERVER_ERROR = "server_error"
    RATE_LIMITED = "rate_limited"
    TIMEOUT = "timeout"
    SLOW = "slow"
    CONNECTION_ERROR = "connection_error"
    STREAM_CUT = "stream_cut"
    CLIENT_ERROR = "client_error"
    BREAKER_OPEN = "breaker_open"
    NO_KEY = "no_key"
    ADDRESS_REFUSED = "address_refused"
    ERROR = "error"


@dataclass(frozen=True)
class Message:
    """One chat message."""

    role: str
    content: str


@dataclass(frozen=True)
class LLMRequest:
    """One chat completion request, independent of any provider.

    Attributes:
        messages: the conversation, oldest first.
        model: the preferred model: a deployment name, a model name or "provider/model".
        fallbacks: further models to try in order when the preferred one fails.
        use_equivalents: also try the model map's equivalents of every listed model.
        temperature: sampling temperature; None leaves the provider default.
        max_tokens: output token cap; None leaves the provider default.
        json_output: ask for a JSON object answer.
        stream: stream the answer; only the successful attempt's text is returned.
        required_capabilities: capabilities a deployment must have ("capability" routing).
    """

    messages: tuple[Message, ...]
    model: str
    fallbacks: tuple[str, ...] = ()
    use_equivalents: bool = True
    temperature: float | None = None
    max_tokens: int | None = None
    json_output: bool = False
    stream: bool = False
    required_capabilities: frozenset[str] = frozenset()

    @classmethod
    def from_prompt(
        cls, prompt: str, *, model: str, system: str | None = None, **kwargs: Any
    ) -> LLMRequest:
        """Builds a request from a user prompt and an optional system prompt.

        Args:
            prompt: the user message.
            model: the preferred model.
            system: an optional system message placed first.
            **kwargs: any other field of `LLMRequest`.

        Returns:
            The request.
        """
        messages = [Message("user", prompt)]
        if system:
            messages.insert(0, Message("system", system))
        return cls(messages=tuple(messages), model=model, **kwargs)

    def wire_messages(self) -> list[dict[str, str]]:
        """The messages in OpenAI wire format."""
        return [{"role": m.role, "content": m.content} for m in self.messages]


@dataclass(frozen=True)
class Attempt:
    """One try against one deployment (or one skip of it), in the order they happened.

    Attributes:
        deployment: the deployment's name.
        outcome: how it ended.
        error: what went wrong, with secrets redacted; None on success.
        latency_ms: wall time of the attempt (0 for skips).
        status_code: the HTTP status when the provider answered with an error.
        retry_after_s: the Retry-After the provider asked for, when it did.
        provider: who was asked; set on a failed attempt that was billed.
        model: the model asked; set on a failed attempt that was billed.
        input_tokens: prompt tokens a failed attempt was billed for (e.g. a stream cut
            after output had arrived); None when it consumed nothing known.
        output_tokens: completion tokens a failed attempt was billed for.
    """

    deployment: str
    outcome: Outcome
    error: str | None = None
    latency_ms: float = 0.0
    status_code: int | None = None
    retry_after_s: float | None = None
    provider: str | None = None
    model: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True)
class FallbackEvent:
    """The client moved from one deployment to the next (or retried the same one).

    Attributes:
        at: when the decision was taken (UTC).
        from_deployment: the deployment that failed or was skipped.
        to_deployment: the one tried next; None when nothing was left.
        reason: the failed attempt's outcome ("server_error", "rate_limited", ...).
        detail: a short redacted explanation.
    """

    at: datetime
    from_deployment: str
    to_deployment: str | None
    reason: str
    detail: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        data = asdict(self)
        data["at"] = self.at.isoformat()
        return data


@dataclass(frozen=True)
class LLMResponse:
    """The answer of one `LLMClient.complete` call.

    Attributes:
        text: the answer of the successful attempt only.
        input_tokens: prompt tokens (as the provider reported them, or estimated).
        output_tokens: completion tokens.
        cost_usd: what the call cost; None when the model has no known price.
        provider: the provider that answered ("mock" for the built-in mock).
        model: the model that answered.
        deployment: the deployment that answered.
        latency_ms: wall time of the whole call, fallbacks included.
        path: every attempt in order, the successful one last.
        is_mock: the answer came from the built-in mock provider.
        cached_tokens: the prompt tokens the provider served from its cache (billed at its
            cached price; included in `input_tokens`).
    """

    text: str
    input_tokens: int
    output_tokens: int
    cost_usd: float | None
    provider: str
    model: str
    deployment: str
    latency_ms: float
    path: tuple[Attempt, ...] = field(default_factory=tuple)
    is_mock: bool = False
    cached_tokens: int = 0

    @property
    def fell_back(self) -> bool:
        """Whether any deployment before the answering one was tried or skipped."""
        return len(self.path) > 1

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (safe to store and export: it never holds a key)."""
        data = asdict(self)
        data["path"] = [a.to_dict() for a in self.path]
        return data


@dataclass(frozen=True)
class ProviderAnswer:
    """What one transport call returned; token counts are None when the provider gave none
    (`cached_tokens`: the prompt tokens it served from its cache)."""

    text: str
    input_tokens: int | None
    output_tokens: int | None
    model: str
    cached_tokens: int | None = None
