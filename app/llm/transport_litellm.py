"""OpenAI, Anthropic and Gemini through `litellm.acompletion`, one attempt per call.

LiteLLM's retries and cooldowns are off (num_retries=0, max_retries=0): the client decides
about retries and fallback itself, within milliseconds of a failure. LiteLLM never opens a
connection of its own: every call gets a client over the guarded transport
(`app.llm.guarded_transport`), an `AsyncOpenAI` for OpenAI and LiteLLM's `AsyncHTTPHandler`
for the others, so its default aiohttp transport (which no guard sees) is never used.
"""

from __future__ import annotations

from typing import Any

import httpx

from app.engine.nodes.ssrf_guard import AddressRefused
from app.llm.deployments import Deployment, Provider
from app.llm.errors import ProviderError, clipped, stream_cut
from app.llm.fallback import error_for_status
from app.llm.litellm_import import load_litellm
from app.llm.types import LLMRequest, Outcome, ProviderAnswer


def _model_name(deployment: Deployment) -> str:
    if deployment.provider is Provider.OPENAI_COMPATIBLE:
        return f"openai/{deployment.model}"
    return f"{deployment.provider.value}/{deployment.model}"


def _retry_after(exc: Exception) -> str | None:
    headers = getattr(exc, "litellm_response_headers", None) or getattr(exc, "headers", None)
    response = getattr(exc, "response", None)
    if not headers and response is not None:
        headers = getattr(response, "headers", None)
    if not headers:
        return None
    return headers.get("retry-after") or headers.get("Retry-After")


def _in_causes(exc: BaseException, kinds: tuple[type[BaseException], ...]) -> BaseException | None:
    """The first exception of one of `kinds` in the chain of causes of `exc` (itself first),
    looking a dozen links deep: LiteLLM and the SDKs wrap what really happened."""
    link: BaseException | None = exc
    for _ in range(12):
        if link is None or isinstance(link, kinds):
            return link
        link = link.__cause__ or link.__context__
    return None


def _translate(deployment: Deployment, exc: Exception, *, streaming: bool) -> ProviderError:
    litellm = load_litellm()
    refusal = _in_causes(exc, (AddressRefused,))
    if refusal is not None:
        return ProviderError(str(refusal), outcome=Outcome.ADDRESS_REFUSED)
    message = clipped(deployment.redact(f"{type(exc).__name__}: {exc}"))
    if isinstance(exc, litellm.Timeout):
        return ProviderError(message, outcome=Outcome.TIMEOUT)
    if streaming and isinstance(exc, litellm.exceptions.MidStreamFallbackError):
        return ProviderError(message, outcome=Outcome.STREAM_CUT)
    # LiteLLM reports a provider never reached (refused, unknown host, unreachable network)
    # as an InternalServerError or APIConnectionError with status 500: only the causes tell.
    if _in_causes(exc, (httpx.ConnectError, ConnectionRefusedError)) is not None:
        return ProviderError(message, outcome=Outcome.CONNECTION_ERROR)
    status = getattr(exc, "status_code", None)
    if isinstance(status, int) and status >= 400:
        return error_for_status(status, message, _retry_after(exc))
    if isinstance(exc, litellm.APIConnectionError):
        outcome = Outcome.STREAM_CUT if streaming else Outcome.CONNECTION_ERROR
        return ProviderError(message, outcome=outcome)
    return ProviderError(message, outcome=Outcome.ERROR)


class LiteLLMClients:
    """The clients LiteLLM sends through, all over one guarded httpx client."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        """Wraps `http` (the caller owns and closes it)."""
        self.http = http
        self._handler: Any = None

    async def for_deployment(self, deployment: Deployment) -> Any:
        """The `client` argument of `litellm.acompletion` for `deployment`."""
        if deployment.provider is Provider.OPENAI:
            from openai import AsyncOpenAI  # installed with LiteLLM; imported after it

            return AsyncOpenAI(
                api_key=deployment.api_key(),
                base_url=deployment.base_url(),
                http_client=self.http,
                max_retries=0,
            )
        if self._handler is None:
            from litellm.llms.custom_httpx.http_handler import AsyncHTTPHandler

            handler = AsyncHTTPHandler()
            # The handler builds an httpx client of its own (with the environment's proxies):
            # close it, then give it ours, which LiteLLM then neither owns nor closes.
            await handler.close()
            handler.client = self.http
            self._handler = handler
        return self._handler


async def _kwargs(
    deployment: Deployment, request: LLMRequest, clients: LiteLLMClients
) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "model": _model_name(deployment),
        "messages": request.wire_messages(),
        "num_retries": 0,
        "max_retries": 0,
        "client": await clients.for_deployment(deployment),
    }
    key = deployment.api_key()
    if key:
        kwargs["api_key"] = key
    api_base = deployment.base_url()
    if api_base:
        kwargs["api_base"] = api_base
    if request.temperature is not None:
        kwargs["temperature"] = request.temperature
    if request.max_tokens is not None:
        kwargs["max_tokens"] = request.max_tokens
    if request.json_output:
        kwargs["response_format"] = {"type": "json_object"}
    if request.stream:
        kwargs["stream"] = True
        kwargs["stream_options"] = {"include_usage": True}
    return kwargs


async def _read_stream(deployment: Deployment, stream: Any) -> ProviderAnswer:
    parts: list[str] = []
    tokens: tuple[int | None, int | None] = (None, None)
    finished = False
    try:
        async for chunk in stream:
            usage = getattr(chunk, "usage", None)
            if usage:
                tokens = (usage.prompt_tokens, usage.completion_tokens)
            for choice in chunk.choices or ():
                parts.append(getattr(choice.delta, "content", None) or "")
                finished = finished or bool(choice.finish_reason)
    except Exception as exc:  # LiteLLM maps every provider failure to its own types.
        error = _translate(deployment, exc, streaming=True)
        if error.outcome is Outcome.STREAM_CUT:
            raise stream_cut(str(error), parts, tokens) from None
        raise error from None
    if not finished:
        raise stream_cut("the stream ended before the answer did", parts, tokens)
    return ProviderAnswer("".join(parts), tokens[0], tokens[1], deployment.model)


async def call_litellm(
    deployment: Deployment, request: LLMRequest, clients: LiteLLMClients
) -> ProviderAnswer:
    """Sends one completion request through LiteLLM.

    Args:
        deployment: where to send it.
        request: what to ask.
        clients: the guarded clients LiteLLM must send through.

    Returns:
        The answer.

    Raises:
        ProviderError: for any failure, classified like an HTTP error where possible.
    """
    litellm = load_litellm()
    try:
        response = await litellm.acompletion(**await _kwargs(deployment, request, clients))
        if request.stream:
            return await _read_stream(deployment, response)
    except ProviderError:
        raise
    except Exception as exc:  # LiteLLM maps every provider failure to its own types.
        raise _translate(deployment, exc, streaming=request.stream) from None
    choice = response.choices[0]
    usage = getattr(response, "usage", None)
    return ProviderAnswer(
        choice.message.content or "",
        getattr(usage, "prompt_tokens", None),
        getattr(usage, "completion_tokens", None),
        deployment.model,
        _cached_tokens(usage),
    )


def _cached_tokens(usage: Any) -> int | None:
    cached = getattr(getattr(usage, "prompt_tokens_details", None), "cached_tokens", None)
    return cached if isinstance(cached, int) and not isinstance(cached, bool) else None
