"""Where outbound requests may go: the allowlist from the environment, and checking a URL
(a provider's base URL) against it when it is saved.

The same `HttpPolicy` guards the HTTP request node and every LLM provider call; this is the
one place that reads `FLOWBOOK_HTTP_ALLOWLIST`.
"""

from __future__ import annotations

import logging
import os
from urllib.parse import urlsplit

from app.engine.context import HttpPolicy
from app.engine.nodes.http_fetch import SCHEME_PORTS
from app.engine.nodes.ssrf_allowlist import entry_for, malformed_entries
from app.engine.nodes.ssrf_guard import (
    AddressRefused,
    HostUnresolvable,
    resolve_and_check_blocking,
)
from app.services.errors import InvalidInputError

logger = logging.getLogger(__name__)

ALLOWLIST_ENV = "FLOWBOOK_HTTP_ALLOWLIST"
_warned: set[str] = set()


def http_policy_from_env() -> HttpPolicy:
    """Outbound HTTP rules, with `FLOWBOOK_HTTP_ALLOWLIST` (comma-separated `host[:port]`,
    `ip[:port]`, `cidr[:port]` or `[ipv6][:port]` entries; `:*` for every port)."""
    raw = os.environ.get(ALLOWLIST_ENV, "")
    allowlist = tuple(item.strip() for item in raw.split(",") if item.strip())
    for entry in malformed_entries(allowlist):
        if entry not in _warned:
            _warned.add(entry)
            logger.warning("%s entry %r is malformed and allows nothing", ALLOWLIST_ENV, entry)
    return HttpPolicy(allowlist=allowlist)


def check_url_target(url: str, *, field: str) -> None:
    """Refuse a URL whose host the guard refuses now (checked again on every call, since DNS
    can change). A name that does not resolve yet is accepted here and refused at call time.

    Blocks on DNS: call it off the event loop.

    Args:
        url: an http(s) URL with a host.
        field: the field's name, for the message.

    Raises:
        InvalidInputError: the host is loopback, private, link-local, metadata, ... and no
            allowlist entry allows it on the URL's port.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = parts.port or SCHEME_PORTS[parts.scheme]
    except (KeyError, ValueError) as exc:
        raise InvalidInputError(f"{field} has no usable port: {exc}") from exc
    try:
        resolve_and_check_blocking(host, port, http_policy_from_env())
    except HostUnresolvable:
        return
    except AddressRefused as exc:
        raise InvalidInputError(
            f"{field} is {exc}; to reach a server on this network, add an entry such as "
            f"{entry_for(host, port)} to {ALLOWLIST_ENV}"
        ) from exc
