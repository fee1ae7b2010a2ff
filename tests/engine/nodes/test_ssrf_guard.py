"""The SSRF guard refuses non-public targets, as literals, odd spellings, DNS and redirects."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from app.engine.context import HttpPolicy, NodeContext, RunServices
from app.engine.nodes.http_request import HttpRequestConfig, run_http_request
from app.engine.nodes.ssrf_allowlist import malformed_entries
from app.engine.nodes.ssrf_guard import (
    AddressRefused,
    check_addresses,
    refusal_reason,
    resolve_and_check,
)

PUBLIC_IP = "93.184.215.14"


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback address in IPv4-mapped form"),
        ("::127.0.0.1", "loopback address in IPv4-compatible form"),
        ("2002:7f00:1::", "loopback address in 6to4 form"),
        ("64:ff9b::a00:1", "private address in NAT64 form"),
        ("169.254.169.254", "cloud metadata"),
        ("fd00:ec2::254", "cloud metadata"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("fc00::1", "private"),
        ("169.254.1.1", "link-local"),
        ("fe80::1", "link-local"),
        ("100.64.0.1", "carrier-grade NAT"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("192.0.2.1", "reserved"),
    ],
)
def test_non_public_addresses_are_classified(address: str, reason: str) -> None:
    found = refusal_reason(ipaddress.ip_address(address))
    assert found is not None
    assert reason in found


@pytest.mark.parametrize("address", ["8.8.8.8", PUBLIC_IP, "2606:4700::1111", "2002:808:808::1"])
def test_public_addresses_pass(address: str) -> None:
    assert refusal_reason(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    ("host", "message"),
    [
        ("127.0.0.1", "refused: 127.0.0.1 is a loopback address"),
        ("::1", "refused: ::1 is a loopback address"),
        ("2130706433", "refused: 2130706433 resolves to 127.0.0.1, a loopback address"),
        ("0x7f.1", "refused: 0x7f.1 resolves to 127.0.0.1, a loopback address"),
        ("017700000001", "refused: 017700000001 resolves to 127.0.0.1, a loopback address"),
        ("localhost", "refused: localhost resolves to 127.0.0.1, a loopback address"),
    ],
)
async def test_hosts_are_refused_with_a_clear_message(host: str, message: str) -> None:
    with pytest.raises(AddressRefused) as caught:
        await resolve_and_check(host, 80, HttpPolicy())
    assert str(caught.value) == message


async def test_every_resolved_address_is_checked() -> None:
    async def resolver(host: str, port: int) -> list[str]:
        return [PUBLIC_IP, "10.0.0.7"]

    with pytest.raises(AddressRefused, match=r"resolves to 10\.0\.0\.7, a private address"):
        await resolve_and_check("mixed.example.test", 443, HttpPolicy(), resolver)


async def test_allowlist_by_cidr_host_name_and_allow_private() -> None:
    assert await resolve_and_check("127.0.0.1", 80, HttpPolicy(allowlist=("127.0.0.0/8",))) == (
        "127.0.0.1"
    )
    mapped = await resolve_and_check("::ffff:127.0.0.1", 80, HttpPolicy(allowlist=("127.0.0.1",)))
    assert ipaddress.ip_address(mapped).ipv4_mapped == ipaddress.ip_address("127.0.0.1")
    assert await resolve_and_check("LocalHost", 80, HttpPolicy(allowlist=("localhost",))) in (
        "127.0.0.1",
        "::1",
    )
    assert await resolve_and_check("10.0.0.1", 80, HttpPolicy(allow_private=True)) == "10.0.0.1"
    with pytest.raises(AddressRefused):
        await resolve_and_check("10.0.0.1", 80, HttpPolicy(allowlist=("127.0.0.0/8", "other")))


async def test_unresolvable_host_is_refused() -> None:
    async def resolver(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(AddressRefused, match=r"cannot resolve 'nowhere\.example\.test'"):
        await resolve_and_check("nowhere.example.test", 80, HttpPolicy(), resolver)


# Through the HTTP request node, with the default policy.


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://[::1]/",
        "http://2130706433/",
        "http://0x7f.1/",
        "http://[::ffff:127.0.0.1]:8080/",
        "http://169.254.169.254/latest/meta-data/",
    ],
)
async def test_node_refuses_internal_targets(
    make_ctx: Callable[..., NodeContext], url: str
) -> None:
    with pytest.raises(AddressRefused, match=r"^refused: "):
        await run_http_request(make_ctx(), {}, HttpRequestConfig(url=url))


async def test_node_refuses_a_name_resolving_to_10_x(
    make_ctx: Callable[..., NodeContext], monkeypatch: pytest.MonkeyPatch
) -> None:
    real_getaddrinfo = socket.getaddrinfo

    def fake_getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "intranet.example.test":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.20.30.40", port))]
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    config = HttpRequestConfig(url="http://intranet.example.test/admin")
    with pytest.raises(AddressRefused) as caught:
        await run_http_request(make_ctx(), {}, config)
    assert str(caught.value) == (
        "refused: intranet.example.test resolves to 10.20.30.40, a private address"
    )


async def test_node_refuses_non_http_schemes(make_ctx: Callable[..., NodeContext]) -> None:
    # model_construct skips the config validator, as a templated URL would at parse time.
    config = HttpRequestConfig.model_construct(url="file:///etc/passwd")
    with pytest.raises(AddressRefused, match=r"'file:///etc/passwd' is not an absolute http"):
        await run_http_request(make_ctx(), {}, config)


async def test_connection_goes_to_the_checked_address(make_ctx: Callable[..., NodeContext]) -> None:
    """DNS is asked once per hop and the request is sent to that answer (no rebinding)."""
    lookups: list[str] = []
    seen: list[httpx.Request] = []

    async def resolver(host: str, port: int) -> list[str]:
        lookups.append(host)
        return [PUBLIC_IP] if len(lookups) == 1 else ["127.0.0.1"]

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"ok": True})

    services = RunServices(resolver=resolver, http_transport=httpx.MockTransport(handler))
    config = HttpRequestConfig(url="https://rebind.example.test/data?x=1")
    result = await run_http_request(make_ctx(services=services), {}, config)

    assert result["body"] == {"ok": True}
    assert lookups == ["rebind.example.test"]
    assert seen[0].url.host == PUBLIC_IP
    assert seen[0].url.path == "/data"
    assert seen[0].url.params["x"] == "1"
    assert seen[0].headers["host"] == "rebind.example.test"
    assert seen[0].extensions["sni_hostname"] == "rebind.example.test"


@pytest.mark.parametrize(
    ("entry", "port", "allowed"),
    [
        ("127.0.0.1", 80, True),
        ("127.0.0.1", 443, True),
        ("127.0.0.1", 8080, False),
        ("127.0.0.1:8080", 8080, True),
        ("127.0.0.1:8080", 80, False),
        ("127.0.0.1:*", 6379, True),
        ("127.0.0.0/8:11434", 11434, True),
        ("127.0.0.0/8:11434", 11435, False),
        ("localhost", 80, True),
        ("LocalHost.:11434", 11434, True),
        ("localhost:11434", 22, False),
        ("localhost:*", 22, True),
        ("[::1]:81", 81, True),
        ("[::1]:81", 82, False),
        ("[127.0.0.0/8]:*", 5432, True),
        ("localhost:0", 80, False),
        ("localhost:99999", 80, False),
        ("localhost:http", 80, False),
        ("::1:8080", 8080, False),
    ],
)
async def test_allowlist_entries_take_an_optional_port(
    entry: str, port: int, allowed: bool
) -> None:
    host = "localhost" if entry.lower().startswith("localhost") else "127.0.0.1"
    if entry.startswith("[::1]"):
        host = "::1"
    policy = HttpPolicy(allowlist=(entry,))
    if allowed:
        assert await resolve_and_check(host, port, policy) in ("127.0.0.1", "::1")
    else:
        with pytest.raises(AddressRefused, match="loopback"):
            await resolve_and_check(host, port, policy)


def test_malformed_allowlist_entries_are_reported() -> None:
    entries = ("localhost:11434", "bad host", "x:99999", "[::1", "[::1]8080", "10.0.0.0/8:*")
    assert malformed_entries(entries) == ["bad host", "x:99999", "[::1", "[::1]8080"]


@pytest.mark.parametrize(
    ("host", "hint"), [("::1", "add [::1]:8000)"), ("127.0.0.1", "add 127.0.0.1:8000)")]
)
def test_the_port_hint_is_an_entry_the_allowlist_reads(host: str, hint: str) -> None:
    """`::1:8000` would be read as an IPv6 address without a port: IPv6 gets brackets."""
    allowlist = (f"[{host}]:9000" if ":" in host else f"{host}:9000",)
    with pytest.raises(AddressRefused) as caught:
        check_addresses(host, 8000, [ipaddress.ip_address(host)], HttpPolicy(allowlist=allowlist))
    assert str(caught.value).endswith(f"(the allowlist allows it on other ports only; {hint}")
    entry = hint.removeprefix("add ").rstrip(")")
    address = check_addresses(
        host, 8000, [ipaddress.ip_address(host)], HttpPolicy(allowlist=(entry,))
    )
    assert address == host
