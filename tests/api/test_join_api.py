"""Joining with an invitation logs the new user in: an HttpOnly session cookie, once."""

from __future__ import annotations

import httpx

PASSWORD = "correct horse battery staple"
OWNER = {"email": "ada@example.com", "name": "Ada", "password": PASSWORD}


async def test_joining_opens_an_httponly_session_and_uses_up_the_link(
    anonymous_client: httpx.AsyncClient,
) -> None:
    assert (await anonymous_client.post("/api/auth/setup", json=OWNER)).status_code == 201
    token = (await anonymous_client.post("/api/users/invites", json={"role": "editor"})).json()[
        "token"
    ]
    anonymous_client.cookies.clear()
    person = {"token": token, "email": "ed@example.com", "name": "Ed", "password": PASSWORD}

    joined = await anonymous_client.post("/api/auth/join", json=person)

    assert joined.status_code == 201, joined.text
    cookie = joined.headers["set-cookie"].lower()
    assert "flowbook_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    me = (await anonymous_client.get("/api/me")).json()
    assert (me["email"], me["role"]) == ("ed@example.com", "editor")
    anonymous_client.cookies.clear()
    again = await anonymous_client.post(
        "/api/auth/join", json={**person, "email": "eve@example.com"}
    )
    assert again.status_code == 404 and "not valid" in again.json()["detail"]
    assert "set-cookie" not in again.headers


async def test_a_weak_password_or_a_taken_address_joins_nobody(
    anonymous_client: httpx.AsyncClient,
) -> None:
    await anonymous_client.post("/api/auth/setup", json=OWNER)
    token = (await anonymous_client.post("/api/users/invites", json={"role": "viewer"})).json()[
        "token"
    ]
    anonymous_client.cookies.clear()
    taken = {"token": token, "email": "ada@example.com", "name": "Ada 2", "password": PASSWORD}
    assert (await anonymous_client.post("/api/auth/join", json=taken)).status_code == 409
    weak = {**taken, "email": "vic@example.com", "password": "aaaaaaaaaaaa"}
    refused = await anonymous_client.post("/api/auth/join", json=weak)
    assert refused.status_code == 422 and "guess" in refused.text
    # Neither attempt used the link up.
    fine = {**taken, "email": "vic@example.com"}
    assert (await anonymous_client.post("/api/auth/join", json=fine)).status_code == 201
