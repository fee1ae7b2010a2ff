"""The hottest route without the framework: `POST /api/workflows/{id}/execute`, answered
straight from ASGI when nothing about the request is unusual.

FastAPI spends about as much CPU on a run request (routing through every route, solving a
dozen dependencies, validating and serialising) as the run itself. This middleware sits
inside the API's own middlewares (body limit, request guard, security headers still apply)
and answers a request that is plainly fine: a bearer credential this process verified
lately that carries `executions:run`, a small JSON body that `ExecuteRequest` accepts, and a
workflow that can run. Anything else (another credential, a cookie, an odd body, a workflow
that cannot run) goes on to the route unchanged, body included, and gets the route's answer:
every refusal keeps one source. Nothing is written before a request is known to be plain, so
handing one on never starts a run twice.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.params import MAX_ID
from app.api.schemas import ExecuteRequest, ExecutionStarted
from app.api.strict_json import parse_strict_json
from app.models.account import Scope as CredentialScope
from app.services import executions
from app.services.credentials import cached_principal
from app.services.errors import ServiceError
from app.services.principal import Principal

PATH = re.compile(r"/api/workflows/([1-9][0-9]{0,9})/execute")
# Bodies larger than this (or of unknown length) take the route.
MAX_FAST_BODY_BYTES = 64 * 1024


class ExecuteFastLane:
    """ASGI middleware answering plain run requests itself (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        workflow_id = _workflow_id(scope)
        if workflow_id is None:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        principal = _principal(headers)
        if principal is None or not _json_body_of_known_size(headers):
            await self.app(scope, receive, send)
            return
        body, messages = await _read_body(receive)
        payload = _payload(body)
        execution = None
        if payload is not None:
            try:
                execution = await executions.start_execution_async(
                    principal=principal, workflow_id=workflow_id, trigger="manual", input=payload[0]
                )
            except ServiceError:
                execution = None  # the route says why, the same way as for everyone
        if execution is None:
            await self.app(scope, _replay(messages, receive), send)
            return
        started = ExecutionStarted(
            execution_id=execution.id, workflow_id=execution.workflow_id, status=execution.status
        )
        await _send_json(send, 202, started.model_dump_json().encode())


def _workflow_id(scope: Scope) -> int | None:
    if scope["type"] != "http" or scope["method"] != "POST":
        return None
    matched = PATH.fullmatch(scope["path"])
    if matched is None:
        return None
    workflow_id = int(matched.group(1))
    return workflow_id if workflow_id <= MAX_ID else None


def _principal(headers: dict[bytes, bytes]) -> Principal | None:
    """The caller of a `Bearer` credential verified lately that may start runs."""
    scheme, _, credential = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
    if scheme.lower() != "bearer" or not credential or credential != credential.strip():
        return None
    principal = cached_principal(bearer=credential, cookie=None)
    if principal is None or not principal.has_scope(CredentialScope.EXECUTIONS_RUN):
        return None
    return principal


def _json_body_of_known_size(headers: dict[bytes, bytes]) -> bool:
    content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
    length = headers.get(b"content-length", b"")
    return (
        content_type == b"application/json"
        and length.isdigit()
        and 0 < int(length) <= MAX_FAST_BODY_BYTES
    )


async def _read_body(receive: Receive) -> tuple[bytes, list[Message]]:
    messages: list[Message] = []
    chunks: list[bytes] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks), messages


def _payload(body: bytes) -> tuple[Any] | None:
    """(the trigger payload,) of a body the route would take, else None."""
    try:
        parsed = parse_strict_json(body)
        request = ExecuteRequest.model_validate(parsed) if parsed is not None else None
    except (ValueError, ValidationError):
        return None
    if request is None:
        return None
    return (request.input,)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replayed() -> Message:
        return pending.pop(0) if pending else await receive()

    return replayed


async def _send_json(send: Send, status: int, body: bytes) -> None:
    headers = [(b"content-length", str(len(body)).encode()), (b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
