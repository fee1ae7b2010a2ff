"""Which web origins may call the backend with the user's cookies: the app's own pages.

`FLOWBOOK_CORS_ORIGINS` (comma separated, e.g. `https://flows.example.com`) replaces the
default: the app's own pages on localhost and 127.0.0.1 at the frontend and backend ports.
Read by rxconfig.py (Reflex's CORS and Socket.IO origin checks) and by the API's origin
check, so every layer agrees; kept free of app imports for rxconfig's sake.

`allowed_hosts` are the names the backend answers to on /api and Reflex's /_event: a page
of another site whose DNS name was re-pointed at this machine (DNS rebinding) sends its
own name as Host, and is refused.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

CORS_ORIGINS_ENV = "FLOWBOOK_CORS_ORIGINS"
HOST_ENV = "FLOWBOOK_HOST"
DEFAULT_HOST = "127.0.0.1"


def allowed_origins() -> tuple[str, ...]:
    """The origins allowed to make credentialed cross-origin requests, never `*`."""
    configured = os.environ.get(CORS_ORIGINS_ENV, "")
    chosen = [origin.strip().rstrip("/") for origin in configured.split(",") if origin.strip()]
    if chosen:
        return tuple(origin for origin in chosen if origin != "*")
    ports = {
        os.environ.get("FLOWBOOK_FRONTEND_PORT") or "3000",
        os.environ.get("FLOWBOOK_BACKEND_PORT") or "8000",
    }
    return tuple(
        f"http://{host}:{port}" for port in sorted(ports) for host in ("localhost", "127.0.0.1")
    )


def bind_host() -> str:
    """The interface the backend listens on: 127.0.0.1 unless `FLOWBOOK_HOST` says otherwise."""
    return os.environ.get(HOST_ENV, "").strip() or DEFAULT_HOST


LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def allowed_hosts() -> frozenset[str]:
    """The host names requests may carry: loopback, `FLOWBOOK_HOST`, the allowed origins'."""
    hosts = set(LOOPBACK_HOSTS) | {bind_host().lower()}
    hosts |= {urlsplit(origin).hostname or "" for origin in allowed_origins()}
    return frozenset(hosts - {""})


def host_name(host_header: str) -> str:
    """The name in a Host header, without its port, lower-cased ("" when malformed)."""
    try:
        return urlsplit(f"//{host_header}").hostname or ""
    except ValueError:
        return ""
