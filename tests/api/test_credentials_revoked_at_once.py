"""Credentials are cached for a few seconds, yet every change that ends or narrows them takes
effect on the very next request: revoking a key, deactivating a user, another role, a
password change, logout and logout everywhere (SQLite and PostgreSQL)."""

from __future__ import annotations

import httpx

from app.services.user_sessions import SESSION_COOKIE

PASSWORD = "correct horse battery staple"
OWNER = {"email": "ada@example.com", "name": "Ada", "password": PASSWORD}
MEMBER = {"email": "bob@example.com", "name": "Bob", "password": PASSWORD}


async def _owner(client: httpx.AsyncClient) -> dict[str, str]:
    answer = await client.post("/api/auth/setup", json=OWNER)
    assert answer.status_code == 201, answer.text
    client.cookies.clear()
    return {"Cookie": f"{SESSION_COOKIE}={answer.cookies[SESSION_COOKIE]}"}


async def _member(client: httpx.AsyncClient, owner: dict[str, str], role: str) -> int:
    invited = await client.post("/api/users/invites", json={"role": role}, headers=owner)
    assert invited.status_code == 201, invited.text
    joined = await client.post(
        "/api/invites/accept", json={**MEMBER, "token": invited.json()["token"]}
    )
    assert joined.status_code == 201, joined.text
    return int(joined.json()["id"])


async def _session(client: httpx.AsyncClient, who: dict[str, str]) -> dict[str, str]:
    answer = await client.post(
        "/api/auth/login", json={"email": who["email"], "password": who["password"]}
    )
    assert answer.status_code == 200, answer.text
    client.cookies.clear()
    return {"Cookie": f"{SESSION_COOKIE}={answer.cookies[SESSION_COOKIE]}"}


async def _bearer(client: httpx.AsyncClient, who: dict[str, str]) -> dict[str, str]:
    answer = await client.post(
        "/api/auth/token", data={"username": who["email"], "password": who["password"]}
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


async def _key(
    client: httpx.AsyncClient, session: dict[str, str], scope: str = "admin"
) -> tuple[int, dict[str, str]]:
    answer = await client.post(
        "/api/me/api-keys", json={"name": "k", "scopes": [scope]}, headers=session
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["key"]["id"], {"Authorization": f"Bearer {answer.json()['secret']}"}


async def _status(client: httpx.AsyncClient, headers: dict[str, str], path: str = "/api/me") -> int:
    return (await client.get(path, headers=headers)).status_code


async def test_a_revoked_key_is_refused_at_once(anonymous_client: httpx.AsyncClient) -> None:
    owner = await _owner(anonymous_client)
    key_id, key = await _key(anonymous_client, owner)
    assert await _status(anonymous_client, key) == 200
    revoked = await anonymous_client.delete(f"/api/me/api-keys/{key_id}", headers=owner)
    assert revoked.status_code == 200
    assert await _status(anonymous_client, key) == 401


async def test_every_credential_of_a_deactivated_user_is_refused_at_once(
    anonymous_client: httpx.AsyncClient,
) -> None:
    owner = await _owner(anonymous_client)
    member_id = await _member(anonymous_client, owner, "editor")
    session = await _session(anonymous_client, MEMBER)
    _, key = await _key(anonymous_client, session, "workflows:read")
    bearer = await _bearer(anonymous_client, MEMBER)
    for credential in (session, key, bearer):
        assert await _status(anonymous_client, credential) == 200
    changed = await anonymous_client.patch(
        f"/api/users/{member_id}", json={"active": False}, headers=owner
    )
    assert changed.status_code == 200
    for credential in (session, key, bearer):
        assert await _status(anonymous_client, credential) == 401


async def test_a_demoted_admin_loses_the_admin_routes_at_once(
    anonymous_client: httpx.AsyncClient,
) -> None:
    owner = await _owner(anonymous_client)
    member_id = await _member(anonymous_client, owner, "admin")
    session = await _session(anonymous_client, MEMBER)
    _, key = await _key(anonymous_client, session)
    for credential in (session, key):
        assert await _status(anonymous_client, credential, "/api/users") == 200
    changed = await anonymous_client.patch(
        f"/api/users/{member_id}", json={"role": "viewer"}, headers=owner
    )
    assert changed.status_code == 200
    for credential in (session, key):
        assert await _status(anonymous_client, credential, "/api/users") == 403


async def test_a_password_change_ends_the_other_sessions_and_tokens_at_once(
    anonymous_client: httpx.AsyncClient,
) -> None:
    await _owner(anonymous_client)
    here, elsewhere = (
        await _session(anonymous_client, OWNER),
        await _session(anonymous_client, OWNER),
    )
    bearer = await _bearer(anonymous_client, OWNER)
    for credential in (here, elsewhere, bearer):
        assert await _status(anonymous_client, credential) == 200
    changed = await anonymous_client.post(
        "/api/me/password",
        json={"current": PASSWORD, "new": "an entirely new passphrase"},
        headers=here,
    )
    assert changed.status_code == 204
    assert await _status(anonymous_client, here) == 200
    assert await _status(anonymous_client, elsewhere) == 401
    assert await _status(anonymous_client, bearer) == 401


async def test_logout_and_logout_everywhere_end_sessions_at_once(
    anonymous_client: httpx.AsyncClient,
) -> None:
    await _owner(anonymous_client)
    first, second, third = [await _session(anonymous_client, OWNER) for _ in range(3)]
    for credential in (first, second, third):
        assert await _status(anonymous_client, credential) == 200
    assert (await anonymous_client.post("/api/auth/logout", headers=first)).status_code == 204
    assert await _status(anonymous_client, first) == 401
    assert await _status(anonymous_client, second) == 200
    everywhere = await anonymous_client.post("/api/auth/logout-everywhere", headers=second)
    assert everywhere.status_code == 204
    assert await _status(anonymous_client, second) == 401
    assert await _status(anonymous_client, third) == 401


async def test_logging_out_everywhere_ends_bearer_tokens_too(
    anonymous_client: httpx.AsyncClient,
) -> None:
    await _owner(anonymous_client)
    session = await _session(anonymous_client, OWNER)
    bearer, other_bearer = (
        await _bearer(anonymous_client, OWNER),
        await _bearer(anonymous_client, OWNER),
    )
    assert await _status(anonymous_client, bearer) == 200
    everywhere = await anonymous_client.post("/api/auth/logout-everywhere", headers=bearer)
    assert everywhere.status_code == 204
    for credential in (session, bearer, other_bearer):
        assert await _status(anonymous_client, credential) == 401
    assert await _status(anonymous_client, await _bearer(anonymous_client, OWNER)) == 200
