"""HTTP request node: calls a URL through the SSRF guard and returns status, headers and body."""

from __future__ import annotations

import asyncio
import json
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from app.engine.context import NodeContext
from app.engine.nodes.http_fetch import (
    FetchedResponse,
    HttpRequestFailed,
    send_guarded,
    shown_url,
    ssl_context,
)
from app.engine.nodes.ssrf_guard import AddressRefused
from app.engine.registry import NodeCategory, NodeType

HttpMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_ERROR_SNIPPET_CHARS = 200
# Connections are keyed by the pinned IP, so a kept-alive TLS connection could otherwise be
# reused for a redirect to another name on the same IP (with the first name's certificate).
NO_CONNECTION_REUSE = httpx.Limits(max_keepalive_connections=0)


class HttpRequestConfig(BaseModel):
    """Config of the HTTP request node."""

    model_config = ConfigDict(extra="forbid")

    method: HttpMethod = Field(
        default="GET", title="Method", description="HTTP method. GET, HEAD and OPTIONS are safe."
    )
    url: str = Field(
        min_length=1,
        max_length=4096,
        title="URL",
        description="http:// or https:// address; expressions allowed.",
    )
    headers: dict[str, Any] = Field(
        default_factory=dict, title="Headers", description="Request headers (name: value)."
    )
    secret_headers: list[str] = Field(
        default_factory=list,
        max_length=50,
        title="Secret headers",
        description=(
            "Names of headers above whose values are secret: never sent on a redirect to "
            "another origin (Authorization, Cookie and names with token, key, secret, auth... "
            "are dropped anyway)."
        ),
    )
    query: dict[str, Any] = Field(
        default_factory=dict, title="Query parameters", description="Added to the URL's query."
    )
    body_type: Literal["json", "text", "form"] = Field(
        default="json",
        title="Body type",
        description="json (application/json), text (text/plain) or form (url-encoded object).",
    )
    body: Any = Field(
        default=None,
        title="Body",
        description="Request body: an object or list is sent as JSON, a string as is.",
    )
    timeout_s: float = Field(
        default=30.0,
        gt=0,
        le=300,
        title="Timeout (s)",
        description="Whole request, redirects included.",
    )
    follow_redirects: bool = Field(
        default=True, title="Follow redirects", description="Follow 3xx answers (each re-checked)."
    )
    max_redirects: int = Field(
        default=5, ge=0, le=20, title="Max redirects", description="Redirects followed at most."
    )
    fail_on_error_status: bool = Field(
        default=True,
        title="Fail on error status",
        description="Fail the node when the answer's status is 400 or above.",
    )

    @field_validator("method", mode="before")
    @classmethod
    def _upper_method(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip()
        if "{{" not in value and not value.lower().startswith(("http://", "https://")):
            raise ValueError("URL must start with http:// or https://")
        return value

    @field_validator("secret_headers")
    @classmethod
    def _secret_headers_are_headers(cls, value: list[str], info: ValidationInfo) -> list[str]:
        names = {name.lower() for name in info.data.get("headers", {})}
        unknown = [name for name in value if name.lower() not in names]
        if unknown:
            shown = ", ".join(repr(name) for name in unknown[:5])
            raise ValueError(f"secret headers must be among the headers; not a header: {shown}")
        if len({name.lower() for name in value}) != len(value):
            raise ValueError("secret headers name a header twice")
        return value

    @field_validator("body")
    @classmethod
    def _form_body_is_object(cls, value: Any, info: ValidationInfo) -> Any:
        if (
            info.data.get("body_type") == "form"
            and value is not None
            and not isinstance(value, dict)
        ):
            raise ValueError("a form body must be an object of field names to values")
        return value


def _body_arguments(config: HttpRequestConfig) -> dict[str, Any]:
    """httpx `build_request` keyword arguments for the body and its content type."""
    body = config.body
    if body is None:
        return {}
    if config.body_type == "form":
        return {"data": {key: _text(value) for key, value in body.items()}}
    if config.body_type == "text":
        return {"content": _text(body).encode(), "content_type": "text/plain; charset=utf-8"}
    if isinstance(body, str):
        return {"content": body.encode(), "content_type": "application/json"}
    return {"json": body}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _parse_url(text: str) -> httpx.URL:
    """The URL to call; refuses anything but absolute http(s) URLs."""
    try:
        url = httpx.URL(text)
    except httpx.InvalidURL as exc:
        raise HttpRequestFailed(f"invalid URL {text!r}: {exc}") from exc
    if url.scheme not in ("http", "https") or not url.host:
        raise AddressRefused(f"refused: {text!r} is not an absolute http:// or https:// URL")
    return url


def _decode_body(response: FetchedResponse) -> Any:
    """JSON-parsed body when the content type says JSON, else text."""
    text = response.content.decode(response.charset or "utf-8", errors="replace")
    if "json" in response.headers.get("content-type", "").lower() and text.strip():
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


async def run_http_request(
    ctx: NodeContext, inputs: dict[str, Any], config: HttpRequestConfig
) -> dict[str, Any]:
    """Send the request and return `{"status", "headers", "body", "url"}`.

    Raises:
        AddressRefused: the target (or a redirect target) is not allowed.
        HttpRequestFailed: transport error, timeout, size limit, or an error status when
            `fail_on_error_status` is set.
    """
    url = _parse_url(config.url)
    arguments = _body_arguments(config)
    content_type = arguments.pop("content_type", None)
    headers = {name: _text(value) for name, value in config.headers.items()}
    if content_type and not any(name.lower() == "content-type" for name in headers):
        headers["Content-Type"] = content_type
    services = ctx.services
    async with httpx.AsyncClient(
        transport=services.http_transport,
        verify=ssl_context(),
        # The asyncio timeout below bounds the whole call; httpx's is only a backstop.
        timeout=config.timeout_s + 1,
        follow_redirects=False,
        trust_env=False,
        limits=NO_CONNECTION_REUSE,
    ) as client:
        request = client.build_request(
            config.method,
            url,
            headers=headers,
            params=config.query or None,
            **arguments,
        )
        try:
            async with asyncio.timeout(config.timeout_s):
                response = await send_guarded(
                    client,
                    request,
                    policy=services.http_policy,
                    resolver=services.resolver,
                    follow_redirects=config.follow_redirects,
                    max_redirects=config.max_redirects,
                    secret_headers=config.secret_headers,
                )
        except TimeoutError as exc:
            raise HttpRequestFailed(
                f"{config.method} {shown_url(url)} timed out after {config.timeout_s:g}s"
            ) from exc
    body = _decode_body(response)
    if config.fail_on_error_status and response.status >= 400:
        snippet = body if isinstance(body, str) else json.dumps(body)
        where = f"{config.method} {shown_url(response.url)}"
        raise HttpRequestFailed(
            f"HTTP {response.status} {response.reason} from {where}: "
            f"{snippet[:_ERROR_SNIPPET_CHARS]}"
        )
    return {
        "status": response.status,
        "headers": dict(response.headers.items()),
        "body": body,
        "url": shown_url(response.url),
    }


def _has_side_effect(config: HttpRequestConfig) -> bool:
    return config.method not in SAFE_METHODS


HTTP_REQUEST = NodeType(
    type="http_request",
    label="HTTP request",
    category=NodeCategory.ACTION,
    description="Call a URL (SSRF-guarded) and return its status, headers and body.",
    config_model=HttpRequestConfig,
    run=run_http_request,
    side_effect=_has_side_effect,
    icon="globe",
)
