"""Receiving a webhook call: every check in order, then the run it starts.

Order: the webhook exists and is enabled (404, the same answer for both), the caller's
address is allowed (403), the body is within the limit (413, before it is read whole), the
signature holds (401), the body parses (400) and maps to an input (422); then, in one write
of the group-commit writer (merged with the other calls reaching it at that moment:
`webhook_start.start_runs`), a replayed `webhook-id` gets its first answer again (nothing
starts), the rate limit takes a token (429 with Retry-After) and the execution, the
delivery and the call's log row are inserted together. Every refusal is logged too.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import IntegrityError

from app.models.execution import FINISHED_STATUSES, ExecutionStatus
from app.models.types import utc_now
from app.models.webhook import DELIVERY_ID_MAX, RespondMode, SignatureMode
from app.services.db_threads import run_merged, run_write
from app.services.errors import InvalidInputError
from app.services.execution_reads import wait_for_execution
from app.services.webhook_config import HookConfig, hook_config
from app.services.webhook_decisions import CallValues
from app.services.webhook_mapping import map_input, mapping_source
from app.services.webhook_request import (
    BodyTooLargeError,
    WebhookRequest,
    client_address,
    in_networks,
    parse_body,
)
from app.services.webhook_signature import valid_secrets, verify_request
from app.services.webhook_start import insert_call, start_runs

__all__ = ["WebhookAnswer", "receive_webhook"]

NOT_FOUND_DETAIL = "Webhook not found"
GITHUB_DELIVERY = "x-github-delivery"
STANDARD_ID = "webhook-id"
IP_MAX = 64  # webhook_calls.ip


@dataclass(frozen=True)
class WebhookAnswer:
    """What the caller gets: a status, a JSON body and maybe some headers.

    Attributes:
        retry_after: seconds, for a 429.
        execution_id: the run the call started (or a replay's first run).
    """

    status: int
    body: Any
    retry_after: int | None = None
    execution_id: int | None = None
    headers: dict[str, str] = field(default_factory=dict)


def _refusal(status: int, detail: str) -> WebhookAnswer:
    return WebhookAnswer(status, {"detail": detail})


NOT_FOUND = _refusal(404, NOT_FOUND_DETAIL)


async def _refused(
    hook: HookConfig,
    request: WebhookRequest,
    ip: str,
    status: int,
    reason: str,
    *,
    answer: WebhookAnswer | None = None,
) -> WebhookAnswer:
    values = CallValues(
        received_at=utc_now(),
        ip=ip,
        delivery_id=_delivery_id(hook, request),
        status_code=status,
        reason=reason,
        test=request.test,
    )
    await run_write(insert_call, hook.id, values)
    return answer or _refusal(status, reason)


def _delivery_id(hook: HookConfig, request: WebhookRequest) -> str | None:
    sent = request.headers.get(STANDARD_ID)
    if not sent and hook.signature_mode is SignatureMode.GITHUB:
        sent = request.headers.get(GITHUB_DELIVERY)
    return sent[:DELIVERY_ID_MAX] if sent else None


def _secret_refusal(hook: HookConfig, request: WebhookRequest, raw: bytes) -> str | None:
    if hook.secret_error is not None:
        return "the webhook's secret cannot be decrypted (the server's secret key changed)"
    now = utc_now()
    secrets = valid_secrets(hook.secret, hook.previous_secret, hook.previous_secret_expires_at, now)
    return verify_request(
        hook.signature_mode,
        secrets,
        request.headers,
        raw,
        token_header=hook.token_header,
        now=time.time(),
    )


async def _read(hook: HookConfig, request: WebhookRequest, ip: str) -> bytes | WebhookAnswer:
    """The body, or the 413 answer when it is over the webhook's limit."""
    declared = request.declared_length()
    if declared is not None and declared > hook.body_limit_bytes:
        return await _refused(hook, request, ip, 413, _too_large(hook))
    try:
        return await request.read_body(hook.body_limit_bytes)
    except BodyTooLargeError:
        return await _refused(hook, request, ip, 413, _too_large(hook))


def _too_large(hook: HookConfig) -> str:
    return f"Request body larger than {hook.body_limit_bytes} bytes"


async def _check(
    hook: HookConfig, request: WebhookRequest, ip: str, raw: bytes | None
) -> WebhookAnswer | tuple[bytes, Any]:
    """The checks before the write: an answer when one refuses, else (body, mapped input)."""
    if not hook.enabled:
        return await _refused(hook, request, ip, 404, "the webhook is disabled", answer=NOT_FOUND)
    if hook.networks and not in_networks(ip, hook.networks):
        return await _refused(hook, request, ip, 403, f"{ip} is not in the IP allowlist")
    if raw is None:
        read = await _read(hook, request, ip)
        if isinstance(read, WebhookAnswer):
            return read
        raw = read
    elif len(raw) > hook.body_limit_bytes:  # read before the limit was lowered
        return await _refused(hook, request, ip, 413, _too_large(hook))
    reason = _secret_refusal(hook, request, raw)
    if reason is not None:
        return await _refused(hook, request, ip, 401, reason)
    try:
        body = parse_body(request.headers.get("content-type", ""), raw)
    except InvalidInputError as exc:
        return await _refused(hook, request, ip, 400, str(exc))
    try:
        mapped = map_input(hook.mapping, mapping_source(body, request.headers, request.query))
    except InvalidInputError as exc:
        return await _refused(hook, request, ip, 422, str(exc))
    return raw, mapped


async def receive_webhook(request: WebhookRequest) -> WebhookAnswer:
    """Check a call to a webhook and start the run it asks for.

    Returns:
        202 `{"execution_id": N}` (a replayed `webhook-id`: the first call's answer, nothing
        started); with respond mode `output`, 200 and the run's output once it succeeded,
        502 when it failed, 504 when it took longer than the webhook's time limit; or the
        refusal (404, 403, 413, 401, 400, 422, 429 with `retry_after`).
    """
    hook = await hook_config(request.public_id)
    raw: bytes | None = None
    # A second round only when the settings changed between the copy checked and the write
    # (or another process recorded the same webhook-id at the same moment).
    for _ in range(2):
        if hook is None:
            return NOT_FOUND
        ip = client_address(request.peer, request.headers)[:IP_MAX]
        checked = await _check(hook, request, ip, raw)
        if isinstance(checked, WebhookAnswer):
            return checked
        raw, mapped = checked
        values = CallValues(
            received_at=utc_now(),
            ip=ip,
            delivery_id=_delivery_id(hook, request),
            mapped_input=mapped,
            test=request.test,
        )
        try:
            written = await run_merged(start_runs, (hook, values))
        except IntegrityError:
            # Another process took this webhook-id first: the next round answers the replay.
            continue
        if written is not None:
            if written.queued is not None:
                written.queued.submit()
            answer = WebhookAnswer(
                written.status,
                written.body,
                retry_after=written.retry_after,
                execution_id=written.execution_id,
            )
            if answer.status == 202 and hook.respond_mode is RespondMode.OUTPUT:
                return await _output(answer, hook.respond_timeout_seconds)
            return answer
        hook = await hook_config(request.public_id, reload=True)
    return _refusal(503, "The webhook is being changed; try again")


async def _output(accepted: WebhookAnswer, timeout_s: float) -> WebhookAnswer:
    """The run's output once it finished (200), its error (502), or 504 past the limit."""
    execution_id = accepted.execution_id
    assert execution_id is not None
    headers = {"X-Flowbook-Execution-Id": str(execution_id)}
    current = await wait_for_execution(execution_id=execution_id, timeout_s=timeout_s)
    if current.status == ExecutionStatus.SUCCEEDED.value:
        return WebhookAnswer(200, current.output, execution_id=execution_id, headers=headers)
    if current.status not in FINISHED_STATUSES:
        detail = f"The run did not finish within {timeout_s:g} s; it goes on"
        body = {"execution_id": execution_id, "detail": detail}
        return WebhookAnswer(504, body, execution_id=execution_id, headers=headers)
    detail = f"The run ended {current.status}: {current.error or 'no output'}"
    body = {"execution_id": execution_id, "detail": detail}
    return WebhookAnswer(502, body, execution_id=execution_id, headers=headers)
