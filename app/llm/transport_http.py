"""OpenAI-compatible chat completions over plain httpx (Ollama, vLLM, LM Studio, gateways).

Used instead of LiteLLM for openai_compatible deployments: a direct request adds well under a
millisecond, LiteLLM's wrapper adds several (see bench/llm.py).
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from app.llm.deployments import Deployment
from app.llm.errors import ProviderError, stream_cut
from app.llm.fallback import error_for_status
from app.llm.types import LLMRequest, Outcome, ProviderAnswer

# Only the first 300 characters reach a message (see `clipped`): reading more is waste.
ERROR_BODY_READ_BYTES = 4096


def request_body(deployment: Deployment, request: LLMRequest) -> dict[str, Any]:
    """The JSON body of a chat completion request for `deployment`."""
    body: dict[str, Any] = {"model": deployment.model, "messages": request.wire_messages()}
    if request.temperature is not None:
        body["temperature"] = request.temperature
    if request.max_tokens is not None:
        body["max_tokens"] = request.max_tokens
    if request.json_output:
        body["response_format"] = {"type": "json_object"}
    if request.stream:
        body["stream"] = True
        body["stream_options"] = {"include_usage": True}
    return body


def _headers(deployment: Deployment) -> dict[str, str]:
    key = deployment.api_key()
    return {"Authorization": f"Bearer {key}"} if key else {}


def _url(deployment: Deployment) -> str:
    return f"{(deployment.base_url() or '').rstrip('/')}/chat/completions"


async def _error_body(response: httpx.Response) -> str:
    """The start of an error body: enough for the message, never the whole of a huge one."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size > ERROR_BODY_READ_BYTES:
            break
    return b"".join(chunks)[:ERROR_BODY_READ_BYTES].decode("utf-8", "replace")


async def _raise_for_status(deployment: Deployment, response: httpx.Response) -> None:
    if response.status_code < 400:
        return
    body = await _error_body(response)
    raise error_for_status(
        response.status_code, deployment.redact(body), response.headers.get("retry-after")
    )


def _usage(data: dict[str, Any]) -> tuple[int | None, int | None]:
    usage = data.get("usage") or {}
    return usage.get("prompt_tokens"), usage.get("completion_tokens")


def cached_tokens(data: dict[str, Any]) -> int | None:
    """The prompt tokens served from the provider's cache, as OpenAI reports them."""
    details = (data.get("usage") or {}).get("prompt_tokens_details") or {}
    cached = details.get("cached_tokens")
    return cached if isinstance(cached, int) and not isinstance(cached, bool) else None


async def _read_stream(deployment: Deployment, response: httpx.Response) -> ProviderAnswer:
    parts: list[str] = []
    finished = False
    tokens: tuple[int | None, int | None] = (None, None)
    cached: int | None = None
    model = deployment.model
    try:
        async for line in response.aiter_lines():
            if not line.startswith("data:"):
                continue
            payload = line[5:].strip()
            if payload == "[DONE]":
                finished = True
                break
            chunk = json.loads(payload)
            model = chunk.get("model") or model
            if chunk.get("usage"):
                tokens, cached = _usage(chunk), cached_tokens(chunk)
            for choice in chunk.get("choices") or ():
                parts.append((choice.get("delta") or {}).get("content") or "")
                finished = finished or bool(choice.get("finish_reason"))
    except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
        message = deployment.redact(f"{type(exc).__name__}: {exc}")
        raise stream_cut(message, parts, tokens) from None
    if not finished:
        raise stream_cut("the stream ended before the answer did", parts, tokens)
    return ProviderAnswer("".join(parts), tokens[0], tokens[1], model, cached)


async def call_openai_compatible(
    client: httpx.AsyncClient, deployment: Deployment, request: LLMRequest
) -> ProviderAnswer:
    """Sends one chat completion request and reads the whole answer.

    Args:
        client: a pooled httpx client (the caller enforces the hard timeout).
        deployment: where to send it.
        request: what to ask.

    Returns:
        The answer.

    Raises:
        ProviderError: on an HTTP error, a connection failure or a cut stream.
    """
    body = request_body(deployment, request)
    try:
        # Streamed either way, so that an error answer is read only as far as its message.
        async with client.stream(
            "POST", _url(deployment), json=body, headers=_headers(deployment)
        ) as response:
            await _raise_for_status(deployment, response)
            if request.stream:
                return await _read_stream(deployment, response)
            data = json.loads(await response.aread())
    except httpx.TimeoutException as exc:
        raise ProviderError(f"timed out: {type(exc).__name__}", outcome=Outcome.TIMEOUT) from None
    except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
        outcome = Outcome.STREAM_CUT if request.stream else Outcome.CONNECTION_ERROR
        message = deployment.redact(f"{type(exc).__name__}: {exc}")
        raise ProviderError(message, outcome=outcome) from None
    except httpx.TransportError as exc:
        raise ProviderError(
            deployment.redact(f"{type(exc).__name__}: {exc}"), outcome=Outcome.CONNECTION_ERROR
        ) from None
    except (ValueError, KeyError) as exc:
        raise ProviderError(f"unreadable answer: {exc}", outcome=Outcome.SERVER_ERROR) from None
    choice = (data.get("choices") or [{}])[0]
    text = (choice.get("message") or {}).get("content") or ""
    input_tokens, output_tokens = _usage(data)
    model = data.get("model") or deployment.model
    return ProviderAnswer(text, input_tokens, output_tokens, model, cached_tokens(data))
