"""The editor webhook panel's lower half for one webhook: the log of its last 100 calls and
the mapping test (a sample body, headers and query → the workflow input; or the input the
last real call gave)."""

from __future__ import annotations

import json
from typing import Any

import reflex as rx
from pydantic import ValidationError

from app.models.webhook_schemas import MappingPreviewRequest
from app.services.db_threads import run_db
from app.services.errors import ServiceError
from app.services.webhook_calls import preview_webhook_mapping
from app.ui.state.auth_state import acting_principal
from app.ui.state.display import error_message, iso, pretty
from app.ui.state.editor_state import EditorState
from app.ui.state.webhook_views import CallRow, call_row
from app.ui.state.webhooks_io import last_call, read_calls

SAMPLE_BODY = '{"event": "order.created", "order": {"id": 42, "total": 19.5}}'


def _json(text: str, label: str, *, default: Any) -> Any:
    if not text.strip():
        return default
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{label} is not valid JSON: {exc.msg} (line {exc.lineno})") from None


def _strings(value: Any, label: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ValueError(f"{label} must be a JSON object of names to values")
    return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in value.items()}


class WebhookLogState(EditorState):
    """Calls and mapping test of the webhook chosen in the panel."""

    log_for: int = 0
    log_name: str = ""
    calls: list[CallRow] = []
    log_error: str = ""
    sample_mapping: str = ""
    sample_body: str = SAMPLE_BODY
    sample_headers: str = '{"x-source": "example"}'
    sample_query: str = "{}"
    preview_output: str = ""
    preview_error: str = ""
    preview_note: str = ""

    async def _load_calls(self) -> None:
        try:
            found = await run_db(read_calls, await acting_principal(self), self.log_for)
        except ServiceError as exc:
            self.log_error = error_message(exc)
            return
        self.log_error = ""
        self.calls = [call_row(call) for call in found]

    @rx.event
    async def show(self, webhook_id: int, name: str, mapping: str) -> None:
        """Show one webhook's calls and test its mapping (again: hide them)."""
        if self.log_for == webhook_id:
            self.log_for = 0
            return
        self.log_for, self.log_name = webhook_id, name
        self.sample_mapping = mapping
        self.preview_output = self.preview_error = self.preview_note = ""
        await self._load_calls()

    @rx.event
    async def refresh_calls(self) -> None:
        """Read the call log again."""
        if self.log_for:
            await self._load_calls()

    @rx.event
    def set_sample(self, field: str, value: str) -> None:
        """A field of the mapping test as typed."""
        if field in {"sample_mapping", "sample_body", "sample_headers", "sample_query"}:
            setattr(self, field, value)

    @rx.event
    def preview(self) -> None:
        """The workflow input the mapping makes of the sample request."""
        self.preview_note = ""
        try:
            body = _json(self.sample_body, "The body", default=None)
            headers = _strings(_json(self.sample_headers, "Headers", default={}), "Headers")
            query = _strings(_json(self.sample_query, "Query", default={}), "Query")
            request = MappingPreviewRequest(
                mapping=self.sample_mapping, body=body, headers=headers, query=query
            )
        except ValidationError as exc:
            self.preview_output = ""
            self.preview_error = "; ".join(
                str(e["msg"]).removeprefix("Value error, ") for e in exc.errors()
            )
            return
        except ValueError as exc:
            self.preview_output, self.preview_error = "", str(exc)
            return
        result = preview_webhook_mapping(data=request)
        self.preview_error = result.error or ""
        self.preview_output = "" if result.error else pretty(result.input) or "null"

    @rx.event
    async def use_last_call(self) -> None:
        """The input the webhook's last real call (not a test event) gave its run."""
        try:
            found = await run_db(last_call, await acting_principal(self), self.log_for)
        except ServiceError as exc:
            self.preview_output, self.preview_error = "", error_message(exc)
            return
        self.preview_error = found.error or ""
        self.preview_output = "" if found.error else pretty(found.input) or "null"
        self.preview_note = (
            f"From call #{found.call_id} at {iso(found.received_at)}" if found.call_id else ""
        )
