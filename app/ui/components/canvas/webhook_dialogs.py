"""The editor webhook panel's dialogs: the create/edit form, the secret shown once, the
regenerate confirmation (with a grace period) and the delete confirmation."""

from __future__ import annotations

import reflex as rx

from app.models.webhook import NAME_MAX
from app.ui.components.confirm_dialog import confirm_dialog
from app.ui.components.copy_field import copy_field
from app.ui.components.section_card import field_error
from app.ui.state.editor_webhooks_state import GRACE_CHOICES
from app.ui.state.editor_webhooks_state import WebhooksPanelState as W

MODE_CHOICES = [
    ("standard", "Standard Webhooks (recommended)"),
    ("github", "GitHub style (X-Hub-Signature-256)"),
    ("token", "Static token in a header"),
    ("none", "None: no signature"),
]
RESPOND_CHOICES = [
    ("accepted", "202 at once (execution id)"),
    ("output", "Wait and answer the output"),
]


def _field(label: str, control: rx.Component, hint: str = "") -> rx.Component:
    return rx.vstack(
        rx.el.label(
            rx.text(label, size="2", weight="medium", margin_bottom="4px"),
            control,
            width="100%",
        ),
        *([rx.text(hint, size="1", color=rx.color("gray", 11))] if hint else []),
        spacing="1",
        width="100%",
    )


def _input(field: str, **props: object) -> rx.Component:
    return rx.input(
        value=getattr(W.form, field),
        on_change=lambda value: W.set_form_field(field, value),
        width="100%",
        **props,
    )


def _select(field: str, choices: list[tuple[str, str]], label: str) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(aria_label=label, width="100%"),
        rx.select.content(*[rx.select.item(text, value=value) for value, text in choices]),
        value=getattr(W.form, field),
        on_change=lambda value: W.set_form_field(field, value),
    )


def _form_fields() -> rx.Component:
    mode = W.form.signature_mode
    return rx.vstack(
        _field("Name", _input("name", max_length=NAME_MAX, placeholder="e.g. Stripe events")),
        _field("Signature", _select("signature_mode", MODE_CHOICES, "Signature")),
        rx.cond(
            mode == "none",
            rx.callout(
                "Without a signature anyone who learns the URL can start this workflow. Use "
                "it only behind your own network controls (an IP allowlist, say).",
                icon="triangle_alert",
                color_scheme="red",
                size="1",
                data_testid="unsigned-warning",
            ),
        ),
        rx.cond(
            mode == "token",
            _field("Token header", _input("token_header", placeholder="X-Webhook-Token")),
        ),
        rx.grid(
            _field("Rate limit (calls per hour)", _input("rate_limit_per_hour", type="number")),
            _field("Body limit (KiB)", _input("body_limit_kib", type="number")),
            columns="2",
            gap="12px",
            width="100%",
        ),
        _field(
            "IP allowlist",
            rx.text_area(
                value=W.form.ip_allowlist,
                on_change=lambda value: W.set_form_field("ip_allowlist", value),
                placeholder="One CIDR per line, e.g. 192.0.2.0/24",
                rows="3",
                class_name="fb-mono",
                width="100%",
            ),
            "Empty: any address may call.",
        ),
        _field(
            "Payload mapping (JMESPath)",
            rx.text_area(
                value=W.form.mapping,
                on_change=lambda value: W.set_form_field("mapping", value),
                placeholder='e.g. {order: body.order, source: headers."x-source"}',
                rows="2",
                class_name="fb-mono",
                width="100%",
            ),
            "Over {body, headers, query}. Empty: the workflow gets the body as it came.",
        ),
        rx.grid(
            _field("Response", _select("respond_mode", RESPOND_CHOICES, "Response")),
            rx.cond(
                W.form.respond_mode == "output",
                _field("Timeout (seconds)", _input("respond_timeout_seconds", type="number")),
            ),
            columns="2",
            gap="12px",
            width="100%",
        ),
        _field(
            "Version to run",
            rx.select(
                W.tag_options,
                value=W.form.version_tag,
                on_change=lambda value: W.set_form_field("version_tag", value),
                aria_label="Version to run",
                width="100%",
            ),
            "latest: the workflow as it is now; or a version tag.",
        ),
        field_error(W.form_error),
        spacing="3",
        width="100%",
    )


def webhook_form_dialog() -> rx.Component:
    """The create/edit form of a webhook."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(W.editing_id > 0, "Edit webhook", "New webhook")),
            rx.dialog.description(
                rx.cond(
                    W.editing_id > 0,
                    "A new signature mode comes with a new secret; the old one stops at once.",
                    "Requests to its URL start this workflow. Its secret is shown once.",
                ),
                size="2",
                color=rx.color("gray", 11),
                margin_bottom="12px",
            ),
            _form_fields(),
            rx.flex(
                rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.button(
                    rx.cond(W.editing_id > 0, "Save", "Create webhook"),
                    on_click=W.save_form,
                    data_testid="webhook-save",
                ),
                spacing="3",
                justify="end",
                margin_top="16px",
            ),
            max_width="560px",
        ),
        open=W.form_open,
        on_open_change=W.set_form_open,
    )


def secret_dialog() -> rx.Component:
    """A webhook's new secret with a copy button, shown this once."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Secret of ", W.secret_for),
            rx.callout(
                "Copy it now: you will not see it again. Flowbook stores it encrypted and "
                "never shows it after this dialog closes.",
                icon="triangle_alert",
                color_scheme="amber",
                size="1",
                margin_bottom="16px",
            ),
            copy_field(W.secret, label="Webhook secret", test_id="webhook-secret"),
            rx.flex(rx.dialog.close(rx.button("Done")), justify="end", margin_top="20px"),
            max_width="560px",
        ),
        open=W.secret_open,
        on_open_change=W.close_secret,
    )


def regenerate_dialog() -> rx.Component:
    """Asks before making a new secret, and how long the old one keeps working."""
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Regenerate the secret?"),
            rx.alert_dialog.description(
                "Senders must switch to the new secret. Until then their calls are refused, "
                "unless the old secret stays valid for a while:",
                size="2",
                color=rx.color("gray", 11),
            ),
            rx.el.label(
                rx.text("Old secret keeps working for", size="2", margin_y="8px"),
                rx.select.root(
                    rx.select.trigger(aria_label="Grace period", width="100%"),
                    rx.select.content(
                        *[rx.select.item(text, value=value) for value, text in GRACE_CHOICES]
                    ),
                    value=W.regen_grace,
                    on_change=W.set_regen_grace,
                ),
                margin_top="12px",
                display="block",
            ),
            rx.flex(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button("Regenerate", color_scheme="red", on_click=W.confirm_regenerate)
                ),
                spacing="3",
                margin_top="20px",
                justify="end",
            ),
            max_width="440px",
        ),
        open=W.regen_open,
        on_open_change=W.cancel_regenerate,
    )


def delete_dialog() -> rx.Component:
    """Asks before deleting a webhook."""
    return confirm_dialog(
        open=W.delete_open,
        on_open_change=W.cancel_delete,
        title=f"Delete {W.delete_name}?",
        description=(
            "Requests to its URL will be refused from now on and its call log is deleted. "
            "Runs it started stay."
        ),
        confirm_label="Delete webhook",
        on_confirm=W.confirm_delete,
    )


def webhook_dialogs() -> rx.Component:
    """Every dialog of the webhook panel (placed once in the editor page)."""
    return rx.fragment(webhook_form_dialog(), secret_dialog(), regenerate_dialog(), delete_dialog())
