"""SSRF guard for outbound HTTP: which addresses a workflow may reach.

A host is checked by resolving it (IP literals as they are, everything else through
`getaddrinfo`, which also turns odd IPv4 spellings such as `2130706433` or `0x7f.1` into
`127.0.0.1`) and refusing it when ANY resolved address is loopback, private, link-local,
CGNAT, unspecified, multicast, reserved or a cloud metadata address, including the IPv4
forms hidden inside IPv6 addresses (IPv4-mapped, IPv4-compatible, 6to4, NAT64).

`resolve_and_check` returns the address to connect to; the HTTP node connects to exactly
that address (see `app.engine.nodes.http_fetch`), so a DNS answer that changes between the
check and the connection (DNS rebinding) cannot redirect the request.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable

from app.engine.context import HttpPolicy
from app.engine.nodes.ssrf_allowlist import (
    AllowEntry,
    IPAddress,
    IPNetwork,
    address_allowed,
    entry_for,
    host_allowed,
    parse_allowlist,
)

Resolver = Callable[[str, int], Awaitable[list[str]]]

_METADATA = frozenset(
    {
        ipaddress.ip_address("169.254.169.254"),
        ipaddress.ip_address("fd00:ec2::254"),
        ipaddress.ip_address("100.100.100.200"),
    }
)
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_PRIVATE: tuple[IPNetwork, ...] = tuple(
    ipaddress.ip_network(text)
    for text in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "fc00::/7",
        "fec0::/10",
        "64:ff9b:1::/48",
    )
)


class AddressRefused(Exception):
    """An outbound request was refused because of where it would go."""


class HostUnresolvable(AddressRefused):
    """Refused because the host name does not resolve (now)."""


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> tuple[ipaddress.IPv4Address, str] | None:
    """The IPv4 address carried inside an IPv6 address, with the name of the form."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped, "IPv4-mapped"
    if ip.sixtofour is not None:
        return ip.sixtofour, "6to4"
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF), "NAT64"
    if int(ip) >> 32 == 0 and int(ip) > 1:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF), "IPv4-compatible"
    return None


def _plain_reason(ip: IPAddress) -> str | None:
    """Why an address (without embedded-IPv4 handling) is not public, or None when it is."""
    if ip in _METADATA:
        return "a cloud metadata address"
    if ip.is_unspecified or (ip.version == 4 and ip in _THIS_NETWORK):
        return "an unspecified address"
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.version == 4 and ip in _CGNAT:
        return "a carrier-grade NAT (100.64.0.0/10) address"
    if ip.is_multicast:
        return "a multicast address"
    if any(ip.version == net.version and ip in net for net in _PRIVATE):
        return "a private address"
    if ip.is_reserved or not ip.is_global:
        return "a reserved address"
    return None


def refusal_reason(ip: IPAddress) -> str | None:
    """Why an address may not be reached, or None when it is public.

    Args:
        ip: the address to classify.

    Returns:
        A phrase such as "a loopback address", or None for a public address.
    """
    if ip.version == 6:
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            inner, form = embedded
            reason = _plain_reason(inner)
            if reason is not None:
                return f"{reason} in {form} form ({inner})"
            return None
    return _plain_reason(ip)


def _with_embedded(ip: IPAddress) -> list[IPAddress]:
    """The address and, for IPv6 forms that carry one, its IPv4 address."""
    if ip.version == 6:
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return [ip, embedded[0]]
    return [ip]


def _port_note(host: str, ip: IPAddress, port: int, entries: tuple[AllowEntry, ...]) -> str:
    """A hint when the allowlist allows this host or address, but on other ports."""
    any_port = tuple(AllowEntry(e.host, e.network, None) for e in entries)
    if host_allowed(host, port, any_port) or address_allowed(_with_embedded(ip), port, any_port):
        return f" (the allowlist allows it on other ports only; add {entry_for(host, port)})"
    return ""


def parse_ip(text: str) -> IPAddress | None:
    """The address when `text` is a standard IP literal (brackets allowed), else None."""
    try:
        return ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None


async def system_resolver(host: str, port: int) -> list[str]:
    """Resolve a host name with the system resolver (getaddrinfo) to IP address strings."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def check_addresses(host: str, port: int, addresses: list[IPAddress], policy: HttpPolicy) -> str:
    """Check the resolved addresses of `host` against the policy.

    Args:
        host: the URL's host as written (name or IP literal, without brackets).
        port: the port that will be connected to.
        addresses: what `host` resolves to (the literal itself for an IP).
        policy: allow_private and allowlist settings.

    Returns:
        The address to connect to (the first one).

    Raises:
        AddressRefused: no address, or any address is refused.
    """
    if not addresses:
        raise AddressRefused(f"refused: {host!r} resolves to no address")
    if policy.allow_private:
        return str(addresses[0])
    entries = parse_allowlist(policy.allowlist)
    if host_allowed(host, port, entries):
        return str(addresses[0])
    for ip in addresses:
        reason = refusal_reason(ip)
        if reason is None or address_allowed(_with_embedded(ip), port, entries):
            continue
        where = f"is {reason}" if parse_ip(host) is not None else f"resolves to {ip}, {reason}"
        raise AddressRefused(f"refused: {host} {where}{_port_note(host, ip, port, entries)}")
    return str(addresses[0])


async def resolve_and_check(
    host: str, port: int, policy: HttpPolicy, resolver: Resolver | None = None
) -> str:
    """Resolve `host` and check every address against the policy.

    Args:
        host: the URL's host (name or IP literal, without brackets).
        port: the port that will be connected to.
        policy: allow_private and allowlist settings.
        resolver: `async (host, port) -> [ip, ...]`; defaults to `system_resolver`.

    Returns:
        The address to connect to (the first resolved one).

    Raises:
        HostUnresolvable: the name does not resolve.
        AddressRefused: any resolved address is refused.
    """
    literal = parse_ip(host)
    if literal is not None:
        return check_addresses(host, port, [literal], policy)
    try:
        resolved = await (resolver or system_resolver)(host, port)
    except OSError as exc:
        raise HostUnresolvable(f"refused: cannot resolve {host!r} ({exc})") from exc
    return check_addresses(host, port, [ipaddress.ip_address(text) for text in resolved], policy)


async def _blocking_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def resolve_and_check_blocking(host: str, port: int, policy: HttpPolicy) -> str:
    """`resolve_and_check` with the system resolver, blocking: for a worker thread
    (checking a provider's base URL when it is saved).

    Raises:
        HostUnresolvable: the name does not resolve.
        AddressRefused: any resolved address is refused.
    """
    # With a resolver that never suspends, the coroutine finishes on its first step: it is
    # run here directly, without an event loop (the calling thread may have one running).
    steps = resolve_and_check(host, port, policy, _blocking_resolver)
    try:
        steps.send(None)
    except StopIteration as finished:
        return str(finished.value)
    steps.close()
    raise RuntimeError("resolve_and_check waited on something other than the resolver")
