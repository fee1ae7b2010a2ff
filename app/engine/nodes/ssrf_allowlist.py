"""Allowlist entries of the SSRF guard: a host name, an IP address or a CIDR, each with ports.

Forms (comma-separated in `FLOWBOOK_HTTP_ALLOWLIST`):

- `host`, `10.0.0.5`, `10.0.0.0/8`, `::1`, `fd00::/8`: ports 80 and 443 only;
- `host:11434`, `127.0.0.1:8080`, `10.0.0.0/8:8000`, `[::1]:8080`: that port only;
- `host:*`, `127.0.0.1:*`, `[fd00::/8]:*`: every port (an explicit choice).

A host name entry allows that name (whatever it resolves to); an address or CIDR entry allows
resolved addresses inside it, including the IPv4 address carried inside an IPv6 form.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import lru_cache

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

DEFAULT_PORTS = frozenset({80, 443})
_HOST_NAME = re.compile(r"^[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?$")


@dataclass(frozen=True)
class AllowEntry:
    """One parsed allowlist entry.

    Attributes:
        host: a lower-case host name (None for address entries).
        network: the allowed addresses (None for host name entries).
        ports: the allowed ports; None allows every port.
    """

    host: str | None
    network: IPNetwork | None
    ports: frozenset[int] | None

    def allows_port(self, port: int) -> bool:
        """Whether this entry covers `port`."""
        return self.ports is None or port in self.ports


def _ports(spec: str | None) -> frozenset[int] | None:
    """The ports of a `:spec` suffix: DEFAULT_PORTS without one, None (every port) for `*`.

    Raises:
        ValueError: not a port number from 1 to 65535 nor `*`.
    """
    if spec is None:
        return DEFAULT_PORTS
    if spec == "*":
        return None
    if spec.isdigit() and 0 < int(spec) < 65536:
        return frozenset({int(spec)})
    raise ValueError(f"bad port {spec!r}")


def entry_for(host: str, port: int) -> str:
    """The allowlist entry that allows exactly `host` on `port` (`[::1]:8000` for IPv6)."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _network(text: str) -> IPNetwork | None:
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


def _parse(text: str) -> AllowEntry:
    if text.startswith("["):
        inside, bracket, rest = text[1:].partition("]")
        network = _network(inside)
        if not bracket or network is None or (rest and not rest.startswith(":")):
            raise ValueError("bad bracketed address")
        return AllowEntry(None, network, _ports(rest[1:] if rest else None))
    whole = _network(text)
    if whole is not None:
        return AllowEntry(None, whole, DEFAULT_PORTS)
    head, colon, spec = text.rpartition(":")
    if not colon:
        head = text
    if ":" in head:
        raise ValueError("an IPv6 address with a port needs brackets")
    ports = _ports(spec if colon else None)
    network = _network(head)
    if network is not None:
        return AllowEntry(None, network, ports)
    name = head.lower().rstrip(".")
    if not _HOST_NAME.match(name):
        raise ValueError("bad host name")
    return AllowEntry(name, None, ports)


def parse_entry(text: str) -> AllowEntry | None:
    """Parse one entry; None when it is malformed (it then allows nothing).

    Args:
        text: e.g. "localhost:11434", "10.0.0.0/8", "[::1]:*".
    """
    text = text.strip()
    if not text:
        return None
    try:
        return _parse(text)
    except ValueError:
        return None


@lru_cache(maxsize=64)
def parse_allowlist(entries: tuple[str, ...]) -> tuple[AllowEntry, ...]:
    """The well-formed entries of an allowlist (malformed ones are dropped)."""
    return tuple(entry for entry in map(parse_entry, entries) if entry is not None)


def malformed_entries(entries: tuple[str, ...]) -> list[str]:
    """The entries `parse_entry` cannot read (so that whoever loads them can say so)."""
    return [text for text in entries if text.strip() and parse_entry(text) is None]


def host_allowed(host: str, port: int, entries: tuple[AllowEntry, ...]) -> bool:
    """Whether a host name entry allows `host` on `port`."""
    name = host.lower().rstrip(".")
    return any(entry.host == name and entry.allows_port(port) for entry in entries)


def address_allowed(
    candidates: list[IPAddress], port: int, entries: tuple[AllowEntry, ...]
) -> bool:
    """Whether an address entry covers one of `candidates` (an address and its embedded IPv4)
    on `port`."""
    return any(
        entry.network is not None
        and entry.allows_port(port)
        and ip.version == entry.network.version
        and ip in entry.network
        for ip in candidates
        for entry in entries
    )
