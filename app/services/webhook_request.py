"""What a webhook request is made of, as the receiver sees it: the caller's address (proxies
trusted by configuration), the size limit on its body, and its body parsed.

`FLOWBOOK_TRUSTED_PROXIES` lists the proxies (comma-separated CIDR blocks, default none)
whose `X-Forwarded-For` is believed: the caller is the right-most address of that header not
itself a trusted proxy. From anyone else the header is ignored, so a caller cannot choose the
address the IP allowlist sees.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import os
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs

from app.engine.json_shape import json_flaw
from app.services.errors import InvalidInputError

TRUSTED_PROXIES_ENV = "FLOWBOOK_TRUSTED_PROXIES"
FORWARDED_FOR = "x-forwarded-for"

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class BodyTooLargeError(Exception):
    """A body passed its webhook's limit while it was read."""


# Reads the body, at most `limit` bytes (raises BodyTooLargeError past it).
ReadBody = Callable[[int], Awaitable[bytes]]


@dataclass(frozen=True)
class WebhookRequest:
    """A request to `POST /api/hooks/{public_id}`, body not yet read.

    Attributes:
        public_id: the webhook's name in the URL.
        peer: the address of the direct peer (the TCP connection's).
        headers: the headers, names in lower case.
        query: the query parameters (several values of one name: a list).
        read_body: reads the body within a limit.
        test: a "send test event" call made by the server itself (marked so in the log).
    """

    public_id: str
    peer: str
    headers: Mapping[str, str]
    query: Mapping[str, Any]
    read_body: ReadBody
    test: bool = False

    def declared_length(self) -> int | None:
        """The Content-Length the caller declared, if any."""
        try:
            return int(self.headers["content-length"])
        except (KeyError, ValueError):
            return None


def parse_networks(blocks: Iterable[str]) -> tuple[Network, ...]:
    """CIDR blocks (a bare address is a block of one), skipping malformed ones."""
    networks = []
    for block in blocks:
        try:
            networks.append(ipaddress.ip_network(block.strip(), strict=False))
        except ValueError:
            continue
    return tuple(networks)


@lru_cache(maxsize=8)
def _trusted(configured: str) -> tuple[Network, ...]:
    return parse_networks(b for b in configured.split(",") if b.strip())


def trusted_proxies() -> tuple[Network, ...]:
    """The proxies whose X-Forwarded-For is believed (env FLOWBOOK_TRUSTED_PROXIES)."""
    return _trusted(os.environ.get(TRUSTED_PROXIES_ENV, ""))


def in_networks(address: str, networks: Iterable[Network]) -> bool:
    """Whether `address` lies in one of `networks` (a malformed address lies in none)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip.version == network.version and ip in network for network in networks)


def client_address(peer: str, headers: Mapping[str, str]) -> str:
    """The caller's address: the peer's, unless the peer is a trusted proxy sending
    X-Forwarded-For (then the right-most hop that is not a trusted proxy)."""
    proxies = trusted_proxies()
    forwarded = headers.get(FORWARDED_FOR, "")
    if not forwarded or not proxies or not in_networks(peer, proxies):
        return peer
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not in_networks(hop, proxies):
            return hop
    return hops[0] if hops else peer


def parse_body(content_type: str, raw: bytes) -> Any:
    """The body as the workflow gets it: JSON parsed, a form as an object (a field given
    several times: a list), anything else as text or, when it is not UTF-8, as
    `{"base64": ...}`.

    Raises:
        InvalidInputError: a JSON body that is not (strict) JSON.
    """
    media = content_type.split(";")[0].strip().lower()
    if media == "application/json" or media.endswith("+json"):
        if not raw.strip():
            return None
        try:
            value = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            raise InvalidInputError(f"The body is not valid JSON: {exc}") from exc
        flaw = json_flaw(value)
        if flaw is not None:
            raise InvalidInputError(f"The body is refused: {flaw}")
        return value
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(raw).decode()}
    if media == "application/x-www-form-urlencoded":
        return query_values(parse_qs(text, keep_blank_values=True))
    return text


def query_values(parsed: Mapping[str, list[str]]) -> dict[str, Any]:
    """Parsed query or form fields: one value as itself, several as a list."""
    return {name: values[0] if len(values) == 1 else values for name, values in parsed.items()}
