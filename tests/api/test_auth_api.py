"""Accounts over HTTP on SQLite and PostgreSQL: set-up, cookie sessions, bearer tokens and
API keys, 401/403/429, admins managing users, the audit log."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import httpx
import jwt
import pytest

from app.models.account import User
from app.models.types import utc_now
from app.services.access_tokens import issue_access_token
from app.services.login_limits import MAX_FAILURES
from app.services.unit_of_work import session_scope

PASSWORD = "correct horse battery staple"
OWNER = {"email": "ada@example.com", "name": "Ada", "password": PASSWORD}


async def _set_up(client: httpx.AsyncClient) -> httpx.Response:
    answer = await client.post("/api/auth/setup", json=OWNER)
    assert answer.status_code == 201, answer.text
    return answer


async def _key(client: httpx.AsyncClient, *scopes: str) -> str:
    answer = await client.post("/api/me/api-keys", json={"name": "k", "scopes": list(scopes)})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["secret"])


async def test_the_owner_sets_up_once_and_gets_an_httponly_session(
    anonymous_client: httpx.AsyncClient,
) -> None:
    assert (await anonymous_client.get("/api/auth/status")).json() == {"needs_owner": True}
    answer = await _set_up(anonymous_client)
    cookie = answer.headers["set-cookie"].lower()
    assert "flowbook_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    assert (await anonymous_client.get("/api/me")).json()["role"] == "owner"
    again = await anonymous_client.post(
        "/api/auth/setup", json={**OWNER, "email": "bob@example.com"}
    )
    assert again.status_code == 409 and "owner already" in again.json()["detail"]
    assert (await anonymous_client.get("/api/auth/status")).json() == {"needs_owner": False}

    await anonymous_client.post("/api/auth/logout")
    refused = await anonymous_client.get("/api/me")
    assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"


async def test_failed_logins_answer_401_then_429_with_retry_after(
    anonymous_client: httpx.AsyncClient,
) -> None:
    await _set_up(anonymous_client)
    anonymous_client.cookies.clear()
    for _ in range(MAX_FAILURES):
        wrong = await anonymous_client.post(
            "/api/auth/login", json={"email": OWNER["email"], "password": "wrong password"}
        )
        assert wrong.status_code == 401 and "not right" in wrong.json()["detail"]
    limited = await anonymous_client.post(
        "/api/auth/login", json={"email": OWNER["email"], "password": PASSWORD}
    )
    assert limited.status_code == 429
    assert 800 < int(limited.headers["retry-after"]) <= 901
    assert "Try again in 15 minutes" in limited.json()["detail"]


async def test_bearer_tokens_of_the_password_flow_and_their_forgeries(
    anonymous_client: httpx.AsyncClient,
) -> None:
    await _set_up(anonymous_client)
    anonymous_client.cookies.clear()
    issued = await anonymous_client.post(
        "/api/auth/token", data={"username": OWNER["email"], "password": PASSWORD}
    )
    assert issued.status_code == 200 and issued.json()["expires_in"] == 1800
    token = issued.json()["access_token"]
    assert (
        await anonymous_client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    ).json()["email"] == OWNER["email"]

    header, payload, _ = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    none_header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    with session_scope() as session:
        user = session.get(User, int(claims["sub"]))
        assert user is not None
        expired, _ = issue_access_token(session, user, now=utc_now() - timedelta(hours=1))
    forgeries = {
        "bad signature": f"{header}.{payload}.{'A' * 43}",
        "alg none": f"{none_header}.{payload}.",
        "other key": jwt.encode(claims, b"not our key at all, 32 bytes long!", algorithm="HS256"),
        "expired": expired,
        "garbage": "not-a-token",
    }
    for name, forged in forgeries.items():
        answer = await anonymous_client.get(
            "/api/me", headers={"Authorization": f"Bearer {forged}"}
        )
        assert answer.status_code == 401, name
    wrong = await anonymous_client.post(
        "/api/auth/token", data={"username": OWNER["email"], "password": "x"}
    )
    assert wrong.status_code == 401


async def test_api_keys_carry_scopes_and_stop_working_when_revoked(
    anonymous_client: httpx.AsyncClient,
) -> None:
    await _set_up(anonymous_client)
    reader = await _key(anonymous_client, "workflows:read")
    keys = (await anonymous_client.get("/api/me/api-keys")).json()
    assert "secret" not in json.dumps(keys) and reader not in json.dumps(keys)
    anonymous_client.cookies.clear()
    as_reader = {"Authorization": f"Bearer {reader}"}
    assert (await anonymous_client.get("/api/me", headers=as_reader)).status_code == 200
    forbidden = await anonymous_client.get("/api/users", headers=as_reader)
    assert forbidden.status_code == 403 and "admin scope" in forbidden.json()["detail"]
    minted = await anonymous_client.post(
        "/api/me/api-keys", json={"name": "x", "scopes": ["workflows:read"]}, headers=as_reader
    )
    assert minted.status_code == 403

    await anonymous_client.post(
        "/api/auth/login", json={"email": OWNER["email"], "password": PASSWORD}
    )
    revoked = await anonymous_client.delete(f"/api/me/api-keys/{keys[0]['id']}")
    assert revoked.json()["revoked_at"] is not None
    anonymous_client.cookies.clear()
    assert (await anonymous_client.get("/api/me", headers=as_reader)).status_code == 401


async def test_admins_invite_change_and_deactivate_users_and_read_the_audit_log(
    anonymous_client: httpx.AsyncClient,
) -> None:
    await _set_up(anonymous_client)
    invited = await anonymous_client.post("/api/users/invites", json={"role": "viewer"})
    assert invited.status_code == 201
    token = invited.json()["token"]
    owner_cookies = dict(anonymous_client.cookies)
    anonymous_client.cookies.clear()
    joined = await anonymous_client.post(
        "/api/invites/accept",
        json={"token": token, "email": "vic@example.com", "name": "Vic", "password": PASSWORD},
    )
    assert joined.status_code == 201 and joined.json()["role"] == "viewer"
    again = await anonymous_client.post(
        "/api/invites/accept",
        json={"token": token, "email": "eve@example.com", "name": "Eve", "password": PASSWORD},
    )
    assert again.status_code == 404

    await anonymous_client.post(
        "/api/auth/login", json={"email": "vic@example.com", "password": PASSWORD}
    )
    viewer_cookies = dict(anonymous_client.cookies)
    assert (await anonymous_client.get("/api/users")).status_code == 403
    assert (await anonymous_client.get("/api/audit")).status_code == 403

    anonymous_client.cookies = httpx.Cookies(owner_cookies)
    changed = await anonymous_client.patch(
        f"/api/users/{joined.json()['id']}", json={"active": False}
    )
    assert changed.status_code == 200 and changed.json()["active"] is False
    unchanged = await anonymous_client.patch(f"/api/users/{joined.json()['id']}", json={})
    assert unchanged.status_code == 200 and unchanged.json()["active"] is False
    assert (await anonymous_client.patch("/api/users/999", json={})).status_code == 404
    assert (
        await anonymous_client.patch("/api/users/1", json={"role": "viewer"})
    ).status_code == 403
    actions = [row["action"] for row in (await anonymous_client.get("/api/audit")).json()]
    assert {"user.create", "invite.create", "invite.accept", "login", "user.deactivate"} <= set(
        actions
    )

    anonymous_client.cookies = httpx.Cookies(viewer_cookies)
    assert (await anonymous_client.get("/api/me")).status_code == 401


def test_the_openapi_document_offers_every_way_in(db_url: str) -> None:
    from app.api.main import create_api

    schemes = create_api().openapi()["components"]["securitySchemes"]
    kinds = {
        (scheme["type"], scheme.get("scheme") or scheme.get("in")) for scheme in schemes.values()
    }
    assert {("http", "bearer"), ("apiKey", "cookie"), ("oauth2", None)} <= kinds


@pytest.mark.parametrize("path", ["/api/me", "/api/me/api-keys", "/api/users", "/api/audit"])
async def test_account_routes_need_credentials(
    anonymous_client: httpx.AsyncClient, path: str
) -> None:
    answer = await anonymous_client.get(path)
    assert answer.status_code == 401 and answer.json()["detail"].startswith("Log in")


async def test_a_password_change_ends_bearer_tokens_and_read_keys_cannot_manage_the_account(
    anonymous_client: httpx.AsyncClient,
) -> None:
    await _set_up(anonymous_client)
    reader = await _key(anonymous_client, "workflows:read")
    issued = await anonymous_client.post(
        "/api/auth/token", data={"username": OWNER["email"], "password": PASSWORD}
    )
    bearer = {"Authorization": f"Bearer {issued.json()['access_token']}"}
    assert (await anonymous_client.get("/api/me", headers=bearer)).status_code == 200
    changed = await anonymous_client.post(
        "/api/me/password", json={"current": PASSWORD, "new": "an entirely new passphrase"}
    )
    assert changed.status_code == 204
    assert (await anonymous_client.get("/api/me", headers=bearer)).status_code == 401

    anonymous_client.cookies.clear()
    as_reader = {"Authorization": f"Bearer {reader}"}
    for method, path in (
        ("GET", "/api/me/api-keys"),
        ("DELETE", "/api/me/api-keys/1"),
        ("POST", "/api/auth/logout-everywhere"),
    ):
        answer = await anonymous_client.request(method, path, headers=as_reader)
        assert answer.status_code == 403, (method, path, answer.text)
