"""Reflex configuration: the app module is `app/app.py`."""

from __future__ import annotations

import os
from pathlib import Path

import reflex as rx

from app.api.allowed_origins import allowed_origins, bind_host

PROJECT_DIR = Path(__file__).resolve().parent
# `reflex run` hot-reloads the backend on changes under every visible top-level entry of the
# project, so test screenshots, benchmark output or a database outside .data would restart
# it. Watch the source only (an explicit REFLEX_HOT_RELOAD_OVERRIDE_PATHS still wins).
SOURCE_PATHS = ("app", "rxconfig.py", "assets")
os.environ.setdefault(
    "REFLEX_HOT_RELOAD_OVERRIDE_PATHS",
    ":".join(str(PROJECT_DIR / path) for path in SOURCE_PATHS),
)

# The dev server (uvicorn) trusts X-Forwarded-For from 127.0.0.1 by default; the app itself
# listens there, so any local client could name its own address (login rate limit, audit log).
# Trust no proxy unless FORWARDED_ALLOW_IPS names one.
os.environ.setdefault("FORWARDED_ALLOW_IPS", "")

config = rx.Config(
    app_name="app",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    frontend_port=int(os.environ.get("FLOWBOOK_FRONTEND_PORT", "3000")),
    backend_port=int(os.environ.get("FLOWBOOK_BACKEND_PORT", "8000")),
    # Listen on this machine only unless FLOWBOOK_HOST says otherwise; only the app's own
    # pages (or FLOWBOOK_CORS_ORIGINS) may call it with the user's cookies.
    backend_host=bind_host(),
    cors_allowed_origins=allowed_origins(),
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
