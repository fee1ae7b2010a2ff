"""HTTP request node against a real local server (allowlisted), plus redirect re-checks."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import quote, urlsplit

import pytest
from pydantic import ValidationError

from app.engine.context import HttpPolicy, NodeContext, RunServices
from app.engine.nodes.http_fetch import HttpRequestFailed
from app.engine.nodes.http_request import HTTP_REQUEST, HttpRequestConfig, run_http_request
from app.engine.nodes.ssrf_guard import AddressRefused

PUBLIC_NAME = "api.example.test"


def local_services(max_response_bytes: int = 1024 * 1024) -> RunServices:
    """Services whose policy allows the loopback server's port (every one: it is a fresh
    port per test module)."""
    policy = HttpPolicy(allowlist=("127.0.0.1:*",), max_response_bytes=max_response_bytes)
    return RunServices(http_policy=policy)


def named_services() -> RunServices:
    """`api.example.test` resolves to the local server and only that name is allowlisted,
    so every hop to any other host (localhost, 127.0.0.1) goes through the guard."""

    async def resolver(host: str, port: int) -> list[str]:
        if host == PUBLIC_NAME:
            return ["127.0.0.1"]
        return [{"localhost": "127.0.0.1"}.get(host, host)]

    return RunServices(http_policy=HttpPolicy(allowlist=(f"{PUBLIC_NAME}:*",)), resolver=resolver)


async def test_get_json_is_parsed(make_ctx: Callable[..., NodeContext], http_server: str) -> None:
    config = HttpRequestConfig(url=f"{http_server}/json")
    result = await run_http_request(make_ctx(services=local_services()), {}, config)
    assert result["status"] == 200
    assert result["body"] == {"hello": "world", "items": [1, 2, 3]}
    assert result["headers"]["content-type"] == "application/json"


async def test_text_body_is_decoded(make_ctx: Callable[..., NodeContext], http_server: str) -> None:
    config = HttpRequestConfig(url=f"{http_server}/anything")
    result = await run_http_request(make_ctx(services=local_services()), {}, config)
    assert result["body"] == "héllo"


async def test_post_json_body_headers_and_query_are_sent(
    make_ctx: Callable[..., NodeContext], http_server: str
) -> None:
    config = HttpRequestConfig(
        method="post",
        url=f"{http_server}/echo",
        headers={"X-Token": "abc"},
        query={"page": 2},
        body={"name": "Ada", "tags": ["x"]},
    )
    result = await run_http_request(make_ctx(services=local_services()), {}, config)
    echoed = result["body"]
    assert echoed["method"] == "POST"
    assert echoed["content_type"] == "application/json"
    assert echoed["body"] == '{"name":"Ada","tags":["x"]}'
    assert echoed["query"] == {"page": "2"}
    assert echoed["x_token"] == "abc"


@pytest.mark.parametrize(
    ("body_type", "body", "sent", "content_type"),
    [
        ("text", "plain words", "plain words", "text/plain; charset=utf-8"),
        ("json", '{"raw": 1}', '{"raw": 1}', "application/json"),
        ("form", {"a": "1", "b": 2}, "a=1&b=2", "application/x-www-form-urlencoded"),
    ],
)
async def test_body_types(
    make_ctx: Callable[..., NodeContext],
    http_server: str,
    body_type: str,
    body: object,
    sent: str,
    content_type: str,
) -> None:
    config = HttpRequestConfig(
        method="PUT", url=f"{http_server}/echo", body=body, body_type=body_type
    )
    result = await run_http_request(make_ctx(services=local_services()), {}, config)
    assert result["body"]["body"] == sent
    assert result["body"]["content_type"] == content_type


async def test_error_status_fails_unless_disabled(
    make_ctx: Callable[..., NodeContext], http_server: str
) -> None:
    ctx = make_ctx(services=local_services())
    with pytest.raises(
        HttpRequestFailed, match=r"^HTTP 404 Not Found from GET .*/status/404: nope"
    ):
        await run_http_request(ctx, {}, HttpRequestConfig(url=f"{http_server}/status/404"))
    config = HttpRequestConfig(url=f"{http_server}/status/500", fail_on_error_status=False)
    result = await run_http_request(ctx, {}, config)
    assert (result["status"], result["body"]) == (500, "nope")


@pytest.mark.parametrize("path", ["/big", "/big-unsized"])
async def test_response_size_is_capped(
    make_ctx: Callable[..., NodeContext], http_server: str, path: str
) -> None:
    ctx = make_ctx(services=local_services(max_response_bytes=1000))
    with pytest.raises(HttpRequestFailed, match="larger than the 1000-byte limit"):
        await run_http_request(ctx, {}, HttpRequestConfig(url=f"{http_server}{path}"))


@pytest.mark.timing
async def test_timeout(make_ctx: Callable[..., NodeContext], http_server: str) -> None:
    config = HttpRequestConfig(url=f"{http_server}/slow", timeout_s=0.3)
    started = time.monotonic()
    with pytest.raises(HttpRequestFailed, match=r"timed out after 0\.3s"):
        await run_http_request(make_ctx(services=local_services()), {}, config)
    assert time.monotonic() - started < 1.5


async def test_redirect_to_an_allowed_host_is_followed(
    make_ctx: Callable[..., NodeContext], http_server: str
) -> None:
    port = urlsplit(http_server).port
    target = f"http://{PUBLIC_NAME}:{port}/echo"
    config = HttpRequestConfig(
        method="POST", url=f"http://{PUBLIC_NAME}:{port}/redirect?to={quote(target)}", body={}
    )
    result = await run_http_request(make_ctx(services=named_services()), {}, config)
    assert result["url"] == target
    assert result["body"]["method"] == "GET"  # 302 after POST becomes GET, like browsers
    assert result["body"]["host"] == f"{PUBLIC_NAME}:{port}"


@pytest.mark.parametrize("target_host", ["localhost", "127.0.0.1"])
async def test_redirect_to_localhost_is_refused(
    make_ctx: Callable[..., NodeContext], http_server: str, target_host: str
) -> None:
    port = urlsplit(http_server).port
    target = quote(f"http://{target_host}:{port}/json")
    config = HttpRequestConfig(url=f"http://{PUBLIC_NAME}:{port}/redirect?to={target}")
    with pytest.raises(AddressRefused, match="a loopback address"):
        await run_http_request(make_ctx(services=named_services()), {}, config)


async def test_redirects_are_limited_or_not_followed(
    make_ctx: Callable[..., NodeContext], http_server: str
) -> None:
    loop = f"{http_server}/redirect?to=/redirect%3Fto%3D/json"
    ctx = make_ctx(services=local_services())
    with pytest.raises(HttpRequestFailed, match=r"too many redirects \(more than 1\)"):
        await run_http_request(ctx, {}, HttpRequestConfig(url=loop, max_redirects=1))
    assert (await run_http_request(ctx, {}, HttpRequestConfig(url=loop)))["body"]["hello"] == (
        "world"
    )
    unfollowed = HttpRequestConfig(url=loop, follow_redirects=False, fail_on_error_status=False)
    result = await run_http_request(ctx, {}, unfollowed)
    assert result["status"] == 302
    assert result["headers"]["location"] == "/redirect?to=/json"


def test_side_effect_depends_on_method() -> None:
    assert not HTTP_REQUEST.has_side_effect(HttpRequestConfig(url="https://a.test"))
    assert not HTTP_REQUEST.has_side_effect(HttpRequestConfig(url="https://a.test", method="HEAD"))
    assert HTTP_REQUEST.has_side_effect(HttpRequestConfig(url="https://a.test", method="DELETE"))
    assert HTTP_REQUEST.has_side_effect(None)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"url": "ftp://a.test"}, "URL must start with http:// or https://"),
        ({"url": ""}, "at least 1 character"),
        ({"url": "https://a.test", "method": "FETCH"}, "Input should be 'GET'"),
        ({"url": "https://a.test", "body_type": "form", "body": "a=1"}, "form body"),
        ({"url": "https://a.test", "timeout_s": 0}, "greater than 0"),
        ({"url": "https://a.test", "max_redirects": 50}, "less than or equal to 20"),
        ({"url": "https://a.test", "verb": "GET"}, "Extra inputs are not permitted"),
    ],
)
def test_invalid_config_is_rejected(config: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        HttpRequestConfig.model_validate(config)


def test_templated_url_passes_config_validation() -> None:
    assert HttpRequestConfig(url="{{ vars.base }}/items").url == "{{ vars.base }}/items"


CREDENTIALS = {
    "Authorization": "Bearer sk-user",
    "Proxy-Authorization": "Basic dXNlcjpwYXNz",
    "Cookie": "session=abc",
    "X-Api-Key": "k-1",
    "Api-Key": "k-2",
    "X-Auth-Token": "t-1",
    "Private-Token": "t-2",
    "X-Client-Secret": "s-1",
    "X-Goog-Api-Key": "k-3",
    "X-Upstream-Credential": "c-1",
    "X-Jwt-Assertion": "j-1",
    "X-Bearer": "b-1",
    "X-Hub-Signature-256": "sha256=s-2",
}


async def _headers_after_redirect(
    make_ctx: Callable[..., NodeContext],
    http_server: str,
    target_host: str,
    secret_headers: tuple[str, ...] = (),
) -> dict[str, str]:
    """The headers the server saw after a redirect from 127.0.0.1 to `target_host`."""
    port = urlsplit(http_server).port
    target = quote(f"http://{target_host}:{port}/headers")
    config = HttpRequestConfig(
        url=f"{http_server}/redirect?to={target}",
        headers=CREDENTIALS | {"X-Trace": "t-9", "X-Customer-Ref": "c-42"},
        secret_headers=list(secret_headers),
    )

    async def resolver(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]

    allowed = (f"127.0.0.1:{port}", f"{PUBLIC_NAME}:{port}")
    services = RunServices(http_policy=HttpPolicy(allowlist=allowed), resolver=resolver)
    result = await run_http_request(make_ctx(services=services), {}, config)
    return dict(result["body"])


async def test_cross_origin_redirect_drops_every_credential_header(
    make_ctx: Callable[..., NodeContext], http_server: str
) -> None:
    seen = await _headers_after_redirect(make_ctx, http_server, PUBLIC_NAME)
    assert seen["host"].startswith(PUBLIC_NAME)
    assert [name for name in CREDENTIALS if name.lower() in seen] == []
    assert seen["x-trace"] == "t-9"


async def test_same_origin_redirect_keeps_the_credential_headers(
    make_ctx: Callable[..., NodeContext], http_server: str
) -> None:
    seen = await _headers_after_redirect(make_ctx, http_server, "127.0.0.1")
    assert {name: seen.get(name.lower()) for name in CREDENTIALS} == CREDENTIALS


async def test_headers_marked_secret_stay_with_their_origin(
    make_ctx: Callable[..., NodeContext], http_server: str
) -> None:
    """A header whose name looks harmless is dropped on a cross-origin redirect once the user
    marks it secret (in any case), and still sent on a same-origin one."""
    elsewhere = await _headers_after_redirect(
        make_ctx, http_server, PUBLIC_NAME, secret_headers=("x-customer-REF",)
    )
    assert "x-customer-ref" not in elsewhere and elsewhere["x-trace"] == "t-9"
    same = await _headers_after_redirect(
        make_ctx, http_server, "127.0.0.1", secret_headers=("X-Customer-Ref",)
    )
    assert same["x-customer-ref"] == "c-42"
    unmarked = await _headers_after_redirect(make_ctx, http_server, PUBLIC_NAME)
    assert unmarked["x-customer-ref"] == "c-42"


@pytest.mark.parametrize(
    ("secret_headers", "message"),
    [
        (["X-Other"], "secret headers must be among the headers; not a header: 'X-Other'"),
        (["X-Ref", "x-ref"], "secret headers name a header twice"),
        (["X-Ref"] * 51, "at most 50 items"),
    ],
)
def test_secret_headers_must_name_the_nodes_headers(
    secret_headers: list[str], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        HttpRequestConfig(
            url="https://a.test", headers={"X-Ref": "1"}, secret_headers=secret_headers
        )
    config = HttpRequestConfig(
        url="https://a.test", headers={"X-Ref": "1"}, secret_headers=["x-ref"]
    )
    assert config.secret_headers == ["x-ref"]


async def test_allowlisted_name_allows_only_its_port(
    make_ctx: Callable[..., NodeContext], http_server: str
) -> None:
    port = urlsplit(http_server).port

    async def resolver(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]

    def services(*allowlist: str) -> RunServices:
        return RunServices(http_policy=HttpPolicy(allowlist=allowlist), resolver=resolver)

    url = f"http://{PUBLIC_NAME}:{port}/json"
    ok = await run_http_request(
        make_ctx(services=services(f"{PUBLIC_NAME}:{port}")), {}, HttpRequestConfig(url=url)
    )
    assert ok["status"] == 200
    for entry in (PUBLIC_NAME, f"{PUBLIC_NAME}:{port + 1}", f"127.0.0.1:{port + 1}"):
        with pytest.raises(AddressRefused, match="loopback") as caught:
            await run_http_request(
                make_ctx(services=services(entry)), {}, HttpRequestConfig(url=url)
            )
        assert f"add {PUBLIC_NAME}:{port}" in str(caught.value)
