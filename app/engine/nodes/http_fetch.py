"""Guarded HTTP sending: every hop checked by the SSRF guard, pinned to the checked address.

How DNS rebinding is prevented: for each hop the host is resolved and every address is
checked once (`resolve_and_check`); the request is then sent to the checked IP itself (the
URL's host is replaced by the IP), while the `Host` header keeps the original name and the
TLS `sni_hostname` extension makes httpcore send SNI for, and verify the certificate
against, the original name. No second DNS lookup happens, so nothing can change between
check and connect. Redirects are followed here, not by httpx, so each `Location` goes
through the same check. Environment proxies are ignored (`trust_env=False`) so the pinned
address is the one actually connected to.
"""

from __future__ import annotations

import ssl
from collections.abc import Collection
from dataclasses import dataclass
from functools import cache

import httpx

from app.engine.context import HttpPolicy
from app.engine.nodes.ssrf_guard import AddressRefused, Resolver, resolve_and_check

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
SCHEME_PORTS = {"http": 80, "https": 443}
_CREDENTIAL_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "x-api-key", "api-key", "x-auth-token"}
)
# Header names containing any of these are taken for credentials too (X-Goog-Api-Key,
# X-Session-Id, Private-Token, X-Client-Secret, X-Amz-Security-Token, X-Jwt-Assertion,
# X-Hub-Signature-256, ...).
_CREDENTIAL_WORDS = (
    "token",
    "secret",
    "key",
    "auth",
    "cookie",
    "session",
    "password",
    "credential",
    "jwt",
    "bearer",
    "signature",
)


class HttpRequestFailed(Exception):
    """An HTTP request could not be completed or was answered with an error status."""


@dataclass(frozen=True)
class FetchedResponse:
    """A fully read response of the last hop."""

    status: int
    reason: str
    headers: httpx.Headers
    content: bytes
    url: httpx.URL
    charset: str | None


def shown_url(url: httpx.URL) -> str:
    """The URL for messages and outputs, without any user:password part."""
    return str(url.copy_with(userinfo=b"")) if url.userinfo else str(url)


@cache
def ssl_context() -> ssl.SSLContext:
    """One shared TLS context (building one per request costs milliseconds)."""
    return httpx.create_ssl_context()


def pinned_request(request: httpx.Request, address: str) -> httpx.Request:
    """The same request sent to `address`, with Host and SNI kept for the original name."""
    url = request.url
    headers = request.headers.copy()
    headers["Host"] = url.netloc.decode("ascii")
    extensions = dict(request.extensions)
    extensions["sni_hostname"] = url.host
    return httpx.Request(
        request.method,
        url.copy_with(host=address),
        headers=headers,
        stream=request.stream,
        extensions=extensions,
    )


def is_credential_header(name: str) -> bool:
    """Whether a request header may carry a credential (so it never goes to another origin)."""
    lowered = name.lower()
    return lowered in _CREDENTIAL_HEADERS or any(word in lowered for word in _CREDENTIAL_WORDS)


def origin(url: httpx.URL) -> tuple[str, str, int | None]:
    """Scheme, host and port (the scheme's default when the URL has none)."""
    return url.scheme, url.host, url.port or SCHEME_PORTS.get(url.scheme)


def _redirect_request(
    request: httpx.Request, status: int, location: str, secret_headers: frozenset[str]
) -> httpx.Request:
    """The next hop's request, with httpx's (browser-like) redirect rules; a hop to another
    origin (scheme, host or port) carries no credential header and none of `secret_headers`
    (lower-cased names)."""
    url = request.url.join(location)
    method = request.method
    if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
        method = "GET"
    headers = request.headers.copy()
    headers.pop("Host", None)
    if origin(url) != origin(request.url):
        dropped = [
            name for name in headers if is_credential_header(name) or name.lower() in secret_headers
        ]
        for name in dropped:
            del headers[name]
    if method != request.method:
        for name in ("Content-Length", "Content-Type", "Transfer-Encoding"):
            headers.pop(name, None)
        return httpx.Request(method, url, headers=headers, extensions=request.extensions)
    return httpx.Request(
        method, url, headers=headers, stream=request.stream, extensions=request.extensions
    )


async def _read_capped(response: httpx.Response, limit: int) -> bytes:
    """Read the (decoded) body, stopping as soon as it grows past `limit` bytes."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise HttpRequestFailed(f"response is larger than the {limit}-byte limit")
    chunks: list[bytes] = []
    total = 0
    async for chunk in response.aiter_bytes():
        total += len(chunk)
        if total > limit:
            raise HttpRequestFailed(f"response is larger than the {limit}-byte limit")
        chunks.append(chunk)
    return b"".join(chunks)


async def checked_request(
    request: httpx.Request, policy: HttpPolicy, resolver: Resolver | None
) -> httpx.Request:
    """`request` pinned to its host's address once the guard has checked it.

    Raises:
        AddressRefused: the scheme is not http(s), there is no host, or the guard refuses it.
    """
    url = request.url
    if url.scheme not in SCHEME_PORTS:
        raise AddressRefused(f"refused: scheme {url.scheme!r} is not http or https")
    if not url.host:
        raise AddressRefused(f"refused: {shown_url(url)} has no host")
    port = url.port or SCHEME_PORTS[url.scheme]
    return pinned_request(request, await resolve_and_check(url.host, port, policy, resolver))


async def send_guarded(
    client: httpx.AsyncClient,
    request: httpx.Request,
    *,
    policy: HttpPolicy,
    resolver: Resolver | None = None,
    follow_redirects: bool = True,
    max_redirects: int = 5,
    secret_headers: Collection[str] = (),
) -> FetchedResponse:
    """Send a request through the SSRF guard, following redirects by hand.

    Args:
        client: an httpx client created with `follow_redirects=False`.
        request: the request, addressed by the URL the user wrote.
        policy: SSRF rules and the response size limit.
        resolver: DNS resolver for the guard (None: the system resolver).
        follow_redirects: follow 3xx answers that carry a Location.
        max_redirects: how many redirects may be followed.
        secret_headers: names of further headers (any case) never sent to another origin.

    Returns:
        The last hop's response, fully read.

    Raises:
        AddressRefused: a hop's host is refused by the guard.
        HttpRequestFailed: too many redirects, a response over the size limit, or a
            transport error (connection, TLS, protocol).
    """
    secret = frozenset(name.lower() for name in secret_headers)
    redirects = 0
    while True:
        try:
            pinned = await checked_request(request, policy, resolver)
            response = await client.send(pinned, stream=True)
        except httpx.HTTPError as exc:
            detail = str(exc) or type(exc).__name__
            message = f"{request.method} {shown_url(request.url)} failed: {detail}"
            raise HttpRequestFailed(message) from exc
        try:
            location = response.headers.get("location")
            if follow_redirects and location and response.status_code in REDIRECT_STATUSES:
                if redirects >= max_redirects:
                    raise HttpRequestFailed(f"too many redirects (more than {max_redirects})")
                redirects += 1
                request = _redirect_request(request, response.status_code, location, secret)
                continue
            content = await _read_capped(response, policy.max_response_bytes)
            return FetchedResponse(
                status=response.status_code,
                reason=response.reason_phrase,
                headers=response.headers,
                content=content,
                url=request.url,
                charset=response.charset_encoding,
            )
        except httpx.HTTPError as exc:
            message = f"reading the response of {shown_url(request.url)} failed: {exc}"
            raise HttpRequestFailed(message) from exc
        finally:
            await response.aclose()
