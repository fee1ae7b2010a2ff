"""Small pieces the webhook page and the editor's webhook panel share: the signature badge
(with the "unsigned" warning), a call's status code, a compact URL copy field and the
signing instructions."""

from __future__ import annotations

import reflex as rx

from app.ui.state.webhook_views import WebhookRow


def mode_badge(row: WebhookRow) -> rx.Component:
    """The webhook's signature mode; mode `none` gets a red "unsigned" warning badge."""
    return rx.cond(
        row.unsigned,
        rx.badge(
            rx.icon("shield_alert", size=12),
            "unsigned",
            color_scheme="red",
            variant="soft",
            title="Anyone who knows the URL can start this workflow",
            data_testid="unsigned-badge",
        ),
        rx.badge(
            rx.icon("shield_check", size=12),
            row.mode_label,
            color_scheme="green",
            variant="soft",
            white_space="nowrap",
        ),
    )


def status_code_badge(code: rx.Var[int]) -> rx.Component:
    """An HTTP status code coloured by its class (2xx green, 4xx amber, 5xx red)."""
    return rx.badge(
        code,
        color_scheme=rx.cond(code < 300, "green", rx.cond(code < 500, "amber", "red")),
        variant="soft",
        class_name="fb-mono",
        data_testid="call-status",
    )


def url_field(url: rx.Var[str], label: str = "Webhook URL") -> rx.Component:
    """The webhook's full URL (wrapped, never cut) with a copy button."""
    return rx.hstack(
        rx.text(
            url,
            size="1",
            class_name="fb-mono",
            word_break="break-all",
            padding="3px 6px",
            border_radius="6px",
            border=f"1px solid {rx.color('gray', 6)}",
            background=rx.color("gray", 2),
            flex="1",
            min_width="0",
            data_testid="webhook-url",
        ),
        rx.icon_button(
            rx.icon("copy", size=13),
            size="1",
            variant="soft",
            aria_label=f"Copy {label.lower()}",
            title="Copy",
            on_click=[rx.set_clipboard(url), rx.toast.success("Copied", duration=900)],
        ),
        spacing="1",
        width="100%",
        align="center",
    )


def _code(text: rx.Var[str], label: str) -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.text(label, size="1", weight="bold", color=rx.color("gray", 11)),
            rx.spacer(),
            rx.button(
                rx.icon("copy", size=11),
                "Copy",
                size="1",
                variant="ghost",
                on_click=[rx.set_clipboard(text), rx.toast.success("Copied", duration=900)],
            ),
            align="center",
            width="100%",
        ),
        rx.el.pre(
            text,
            class_name="fb-mono",
            font_size="11px",
            line_height="1.5",
            white_space="pre",
            overflow_x="auto",
            padding="8px",
            margin="4px 0 0",
            border_radius="6px",
            background=rx.color("gray", 3),
            color=rx.color("gray", 12),
            # It scrolls sideways: keyboard users reach it with Tab and scroll with arrows.
            tab_index=0,
            aria_label=f"{label} example",
        ),
        width="100%",
    )


def signing_help(row: WebhookRow) -> rx.Component:
    """How to call the webhook: what its mode checks, then curl and Python examples."""
    explain = rx.match(
        row.mode,
        (
            "standard",
            "Standard Webhooks: send webhook-id, webhook-timestamp (Unix seconds, within 5 "
            "minutes) and webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>, "
            "keyed with the base64-decoded part of the secret after whsec_. A webhook-id is "
            "accepted once per 24 h.",
        ),
        (
            "github",
            "GitHub style: send X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw "
            "body, keyed with the secret>.",
        ),
        (
            "token",
            "Header token: send the secret as the value of the " + row.token_header + " header.",
        ),
        "No signature: anyone who knows this URL can start the workflow.",
    )
    return rx.vstack(
        rx.text(explain, size="1", color=rx.color("gray", 11)),
        rx.text(
            "Replace <secret> with the secret shown when the webhook was created or its "
            "secret regenerated.",
            size="1",
            color=rx.color("gray", 10),
        ),
        _code(row.curl, "curl"),
        _code(row.python, "Python"),
        spacing="2",
        width="100%",
        data_testid="signing-help",
    )
