"""A real OpenAI-compatible chat completions server on 127.0.0.1 with programmable failures.

Runs aiohttp on its own event loop in a background thread, so the code under test talks to it
over real TCP. Behaviour is chosen per model name: a scripted queue first, then a default.
Shared by the tests (tests/llm/conftest.py) and bench/llm.py.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from app.engine.context import HttpPolicy


@dataclass(frozen=True)
class Behaviour:
    """How the server answers one request.

    Attributes:
        kind: "ok", "status" (an error status), "hang" (never answers) or "cut" (the
            stream/body stops half-way and the connection is dropped).
        text: the answer text ("ok", and the part before the cut for "cut").
        delay_s: wait this long before answering.
        status: the HTTP status for "status".
        retry_after: the Retry-After header for "status".
        body: the error body for "status"; "{auth}" is replaced by the Authorization header
            (a provider echoing the key back, to test redaction).
    """

    kind: str = "ok"
    text: str = "fake answer"
    delay_s: float = 0.0
    status: int = 500
    retry_after: str | None = None
    body: str = "internal error"


OK = Behaviour()


def answer(text: str, delay_s: float = 0.0) -> Behaviour:
    """A normal answer, optionally delayed."""
    return Behaviour(text=text, delay_s=delay_s)


def error(status: int, *, retry_after: str | None = None, body: str = "failure") -> Behaviour:
    """An HTTP error answer."""
    return Behaviour(kind="status", status=status, retry_after=retry_after, body=body)


HANG = Behaviour(kind="hang")


def cut(text: str) -> Behaviour:
    """Sends `text` (streamed word by word when streaming), then drops the connection."""
    return Behaviour(kind="cut", text=text)


@dataclass
class Received:
    """One request as the server saw it (perf_counter times, same clock as the test)."""

    model: str
    stream: bool
    authorization: str | None
    received_at: float
    responded_at: float | None = None
    kind: str = ""


@dataclass
class FakeLLMServer:
    """The server. Use `set`/`script` to program it and `calls` to count requests per model."""

    defaults: dict[str, Behaviour] = field(default_factory=dict)
    scripts: dict[str, deque[Behaviour]] = field(default_factory=dict)
    calls: Counter[str] = field(default_factory=Counter)
    received: list[Received] = field(default_factory=list)
    port: int = 0

    @property
    def base_url(self) -> str:
        """The OpenAI-style base URL (ending in /v1)."""
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def policy(self) -> HttpPolicy:
        """Outbound rules that let provider calls reach this server: the documented way,
        an allowlist entry for its address and port."""
        return HttpPolicy(allowlist=(f"127.0.0.1:{self.port}",))

    def set(self, model: str, behaviour: Behaviour) -> None:
        """Answers every request for `model` this way (after any scripted ones)."""
        self.defaults[model] = behaviour

    def script(self, model: str, *behaviours: Behaviour) -> None:
        """Answers the next requests for `model` with these behaviours, in order."""
        self.scripts.setdefault(model, deque()).extend(behaviours)

    def reset(self) -> None:
        """Forgets behaviours and counts."""
        self.defaults.clear()
        self.scripts.clear()
        self.calls.clear()
        self.received.clear()

    def _behaviour(self, model: str) -> Behaviour:
        queue = self.scripts.get(model)
        if queue:
            return queue.popleft()
        return self.defaults.get(model, OK)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        model = str(body.get("model"))
        stream = bool(body.get("stream"))
        record = Received(model, stream, request.headers.get("Authorization"), time.perf_counter())
        self.received.append(record)
        self.calls[model] += 1
        behaviour = self._behaviour(model)
        record.kind = behaviour.kind
        if behaviour.delay_s:
            await asyncio.sleep(behaviour.delay_s)
        if behaviour.kind == "hang":
            await self._stopping.wait()
            raise web.HTTPServiceUnavailable()
        prompt_words = sum(len(str(m.get("content", "")).split()) for m in body["messages"])
        if behaviour.kind == "status":
            headers = {"Retry-After": behaviour.retry_after} if behaviour.retry_after else {}
            text = behaviour.body.replace("{auth}", record.authorization or "")
            record.responded_at = time.perf_counter()
            return web.json_response(
                {"error": {"message": text}}, status=behaviour.status, headers=headers
            )
        if stream:
            return await self._stream(request, behaviour, model, prompt_words, record)
        if behaviour.kind == "cut":
            return await self._cut_body(request, behaviour)
        record.responded_at = time.perf_counter()
        return web.json_response(_completion(model, behaviour.text, prompt_words))

    async def _stream(
        self,
        request: web.Request,
        behaviour: Behaviour,
        model: str,
        prompt_words: int,
        record: Received,
    ) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        words = behaviour.text.split(" ")
        for i, word in enumerate(words):
            piece = word if i == 0 else " " + word
            delta = {"choices": [{"index": 0, "delta": {"content": piece}}], "model": model}
            await response.write(f"data: {json.dumps(delta)}\n\n".encode())
        if behaviour.kind == "cut":
            await asyncio.sleep(0.01)
            request.transport.close()
            return response
        final = {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}], "model": model}
        usage = {"choices": [], "model": model, "usage": _usage(prompt_words, behaviour.text)}
        for chunk in (final, usage):
            await response.write(f"data: {json.dumps(chunk)}\n\n".encode())
        await response.write(b"data: [DONE]\n\n")
        record.responded_at = time.perf_counter()
        await response.write_eof()
        return response

    async def _cut_body(self, request: web.Request, behaviour: Behaviour) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.content_length = 10_000
        await response.prepare(request)
        await response.write(json.dumps({"partial": behaviour.text}).encode()[:20])
        await asyncio.sleep(0.01)
        request.transport.close()
        return response

    async def _start(self) -> None:
        self._stopping = asyncio.Event()
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def _stop(self) -> None:
        self._stopping.set()
        await self._runner.cleanup()

    def start(self) -> FakeLLMServer:
        """Starts serving in a background thread; returns once the port is open."""
        self._loop = asyncio.new_event_loop()
        ready = threading.Event()

        def serve() -> None:
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(self._start())
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=serve, name="fake-llm-server", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the fake LLM server did not start")
        return self

    def stop(self) -> None:
        """Stops serving (hanging requests are released) and joins the thread."""
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()


def _usage(prompt_words: int, text: str) -> dict[str, int]:
    prompt_tokens = prompt_words + 7
    completion_tokens = len(text.split())
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


def _completion(model: str, text: str, prompt_words: int) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }
        ],
        "usage": _usage(prompt_words, text),
    }
