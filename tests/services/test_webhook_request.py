"""Webhook requests: the caller's address behind trusted proxies only, and body kinds."""

from __future__ import annotations

import pytest

from app.services.errors import InvalidInputError
from app.services.webhook_request import client_address, in_networks, parse_body, parse_networks

SPOOFED = {"x-forwarded-for": "10.0.0.1"}


def test_forwarded_for_is_ignored_without_trusted_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FLOWBOOK_TRUSTED_PROXIES", raising=False)
    assert client_address("203.0.113.9", SPOOFED) == "203.0.113.9"


def test_forwarded_for_is_believed_from_a_trusted_proxy_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FLOWBOOK_TRUSTED_PROXIES", "192.168.0.0/16, bad, ::1")
    assert client_address("192.168.1.2", SPOOFED) == "10.0.0.1"
    assert client_address("203.0.113.9", SPOOFED) == "203.0.113.9"
    # The right-most hop that is not a trusted proxy: what the caller wrote to the left is not.
    chain = {"x-forwarded-for": "10.0.0.1, 198.51.100.4, 192.168.7.7"}
    assert client_address("::1", chain) == "198.51.100.4"


def test_networks_and_addresses() -> None:
    networks = parse_networks(["10.0.0.0/8", "2001:db8::/32", "nonsense", "192.0.2.1"])
    assert len(networks) == 3
    assert in_networks("10.9.9.9", networks) and in_networks("2001:db8::5", networks)
    assert in_networks("192.0.2.1", networks)
    assert not in_networks("11.0.0.1", networks) and not in_networks("not an ip", networks)


def test_body_kinds() -> None:
    assert parse_body("application/json; charset=utf-8", b'{"a": [1]}') == {"a": [1]}
    assert parse_body("application/vnd.github+json", b"[]") == []
    assert parse_body("application/json", b"") is None
    assert parse_body("application/x-www-form-urlencoded", b"a=1&b=2&b=3") == {
        "a": "1",
        "b": ["2", "3"],
    }
    assert parse_body("text/plain", "héllo".encode()) == "héllo"
    assert parse_body("", b"\x89PNG\xff") == {"base64": "iVBOR/8="}
    for bad in (b"{nope", b'{"n": NaN}'):
        with pytest.raises(InvalidInputError):
            parse_body("application/json", bad)
