"""The editor's webhook panel: the workflow's webhooks, the create/edit form, the secret
shown once, regenerate, enable/disable, delete and "send test event". The call log and the
mapping test of the chosen webhook are in `editor_webhook_log_state.py`."""

from __future__ import annotations

import dataclasses

import reflex as rx
from reflex_base.event import EventSpec

from app.models.webhook_schemas import WebhookCreated
from app.services.db_threads import run_db
from app.services.errors import ServiceError
from app.services.webhook_test_event import send_test_event
from app.ui.state.auth_state import acting_principal
from app.ui.state.delete_confirm import DeleteConfirmMixin
from app.ui.state.display import error_message
from app.ui.state.editor_state import EditorState
from app.ui.state.webhook_form import LATEST, FormError, WebhookForm, create_data, form_of
from app.ui.state.webhook_form import update_data as update_form
from app.ui.state.webhook_views import WebhookRow, hooks_base_url, webhook_row
from app.ui.state.webhooks_io import (
    create,
    delete,
    read_tags,
    read_webhooks,
    regenerate,
    set_enabled,
    update,
)

# Grace periods the regenerate dialog offers (seconds, label).
GRACE_CHOICES = [
    ("0", "None: the old secret stops now"),
    ("3600", "1 hour"),
    ("86400", "24 hours"),
    ("604800", "7 days"),
]


class WebhooksPanelState(DeleteConfirmMixin, EditorState):
    """The webhook panel of the workflow open in the editor."""

    hooks: list[WebhookRow] = []
    tags: list[str] = []
    hooks_loaded: bool = False
    hooks_error: str = ""
    # The form: open or not, the webhook edited (0: a new one), its fields and its problem.
    form_open: bool = False
    editing_id: int = 0
    form: WebhookForm = WebhookForm()
    form_error: str = ""
    # A secret just made (shown once), and for which webhook.
    secret: str = ""
    secret_for: str = ""
    # The regenerate dialog: for which webhook (0: closed) and the grace period chosen.
    regen_id: int = 0
    regen_grace: str = "0"
    # The last test event's outcome, for which webhook.
    test_for: int = 0
    test_result: str = ""
    test_ok: bool = False
    # The workflow `hooks` were read for (the editor state outlives a move to another one).
    _hooks_for: int = 0

    @rx.var
    def webhooks_open(self) -> bool:
        """Whether the webhooks panel is the side panel open."""
        return self.side_panel == "webhooks"

    @rx.var
    def tag_options(self) -> list[str]:
        """The version choices: the newest ("latest") or one of the workflow's tags."""
        return [LATEST, *self.tags]

    @rx.var
    def regen_open(self) -> bool:
        """Whether the regenerate confirmation shows."""
        return self.regen_id > 0

    @rx.var
    def secret_open(self) -> bool:
        """Whether the secret dialog shows."""
        return self.secret != ""

    async def load_webhooks(self) -> None:
        """Read the workflow's webhooks and its tags (off the event loop)."""
        principal = await acting_principal(self)
        try:
            found = await run_db(read_webhooks, principal, self.workflow_id)
            self.tags = await run_db(read_tags, principal, self.workflow_id)
        except ServiceError as exc:
            self.hooks_error = error_message(exc)
            return
        base = hooks_base_url(str(self.router.url))
        self.hooks = [webhook_row(hook, base, status) for hook, status in found]
        self.hooks_error = ""
        self.hooks_loaded = True
        self._hooks_for = self.workflow_id

    @rx.event
    async def refresh_webhooks(self) -> None:
        """Read the webhooks again (the inspector's webhook node section on mount)."""
        await self.load_webhooks()

    @rx.event
    async def ensure_webhooks(self) -> None:
        """Read the webhooks when those shown belong to another workflow (panel mount)."""
        if self._hooks_for != self.workflow_id:
            self.hooks = []
            await self.load_webhooks()

    @rx.event
    async def toggle_webhooks(self) -> None:
        """Open the panel on the workflow's webhooks, or close it."""
        if self.webhooks_open:
            self.close_webhooks()
            return
        self.side_panel = "webhooks"
        await self.load_webhooks()

    @rx.event
    def close_webhooks(self) -> None:
        """Close the panel."""
        if self.side_panel == "webhooks":
            self.side_panel = ""

    @rx.event
    async def start_create(self) -> None:
        """Open the panel (if closed) and the form for a new webhook."""
        if not self.webhooks_open:
            self.side_panel = "webhooks"
            await self.load_webhooks()
        self.editing_id = 0
        self.form = WebhookForm(name=f"Webhook {len(self.hooks) + 1}")
        self.form_error = ""
        self.form_open = True

    @rx.event
    async def start_edit(self, webhook_id: int) -> EventSpec | None:
        """Open the form on a webhook's settings."""
        found = await run_db(read_webhooks, await acting_principal(self), self.workflow_id)
        hook = next((hook for hook, _ in found if hook.id == webhook_id), None)
        if hook is None:
            return rx.toast.error("This webhook is gone")
        self.editing_id = webhook_id
        self.form = form_of(hook)
        self.form_error = ""
        self.form_open = True
        return None

    @rx.event
    def set_form_open(self, open_: bool) -> None:
        """Close the form (Cancel, Escape or a click outside)."""
        self.form_open = open_

    @rx.event
    def set_form_field(self, field: str, value: str) -> None:
        """One form field as typed or chosen."""
        if field in {f.name for f in dataclasses.fields(WebhookForm)}:
            self.form = dataclasses.replace(self.form, **{field: value})
            self.form_error = ""

    def _show_secret(self, made: WebhookCreated) -> None:
        if made.secret:
            self.secret = made.secret
            self.secret_for = made.name or f"Webhook {made.id}"

    @rx.event
    async def save_form(self) -> EventSpec | None:
        """Create the webhook, or change the one edited; a new secret is shown once."""
        principal = await acting_principal(self)
        try:
            if self.editing_id:
                made = await run_db(update, principal, self.editing_id, update_form(self.form))
            else:
                made = await run_db(create, principal, self.workflow_id, create_data(self.form))
        except FormError as exc:
            self.form_error = str(exc)
            return None
        except ServiceError as exc:
            self.form_error = error_message(exc)
            return None
        self.form_open = False
        self._show_secret(made)
        await self.load_webhooks()
        verb = "Changed" if self.editing_id else "Created"
        return rx.toast.success(f"{verb} {made.name or 'the webhook'}", duration=1500)

    @rx.event
    def close_secret(self, open_: bool = False) -> None:
        """Forget the secret shown (it is never shown again)."""
        if not open_:
            self.secret = ""
            self.secret_for = ""

    @rx.event
    def ask_regenerate(self, webhook_id: int) -> None:
        """Open the regenerate confirmation."""
        self.regen_id = webhook_id
        self.regen_grace = "0"

    @rx.event
    def set_regen_grace(self, value: str) -> None:
        """How long the old secret keeps working."""
        self.regen_grace = value if value.isdigit() else "0"

    @rx.event
    def cancel_regenerate(self, open_: bool = False) -> None:
        """Close the regenerate confirmation."""
        if not open_:
            self.regen_id = 0

    @rx.event
    async def confirm_regenerate(self) -> EventSpec | None:
        """Make a new secret for the webhook asked about and show it once."""
        webhook_id, self.regen_id = self.regen_id, 0
        try:
            made = await run_db(
                regenerate, await acting_principal(self), webhook_id, int(self.regen_grace)
            )
        except ServiceError as exc:
            return rx.toast.error(error_message(exc))
        self._show_secret(made)
        await self.load_webhooks()
        return None

    @rx.event
    async def set_enabled(self, webhook_id: int, enabled: bool) -> EventSpec | None:
        """Enable or disable a webhook."""
        try:
            await run_db(set_enabled, await acting_principal(self), webhook_id, enabled)
        except ServiceError as exc:
            return rx.toast.error(error_message(exc))
        await self.load_webhooks()
        return None

    @rx.event
    async def confirm_delete(self) -> EventSpec:
        """Delete the webhook asked about."""
        webhook_id = self.take_delete_id()
        try:
            await run_db(delete, await acting_principal(self), webhook_id)
        except ServiceError as exc:
            return rx.toast.error(error_message(exc))
        await self.load_webhooks()
        return rx.toast.success(f"Deleted {self.delete_name}")

    @rx.event
    async def send_test(self, webhook_id: int) -> None:
        """Send a test event signed by the server and show how the webhook answered."""
        self.test_for = webhook_id
        try:
            call = await send_test_event(
                principal=await acting_principal(self), webhook_id=webhook_id
            )
        except ServiceError as exc:
            self.test_ok, self.test_result = False, error_message(exc)
            return
        self.test_ok = call.status_code < 300
        if call.execution_id:
            self.test_result = f"{call.status_code}: started run #{call.execution_id}"
        else:
            self.test_result = f"{call.status_code}: {call.reason or 'no run started'}"
        await self.load_webhooks()
