"""Reflex configuration: the app module is `app/app.py`."""

from __future__ import annotations

import os

import reflex as rx

config = rx.Config(
    app_name="app",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    frontend_port=int(os.environ.get("FLOWBOOK_FRONTEND_PORT", "3000")),
    backend_port=int(os.environ.get("FLOWBOOK_BACKEND_PORT", "8000")),
    disable_plugins=[rx.plugins.SitemapPlugin],
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(
                appearance="inherit",
                accent_color="violet",
                gray_color="slate",
                radius="medium",
                scaling="100%",
            )
        )
    ],
)
