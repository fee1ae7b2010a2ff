"""The running app grants CORS to its own pages only, and a cross-site form changes nothing."""

from __future__ import annotations

import httpx

from e2e.app_process import AppProcess

EVIL = "http://evil.example"


def test_a_foreign_origin_gets_no_cors_grant_and_the_apps_pages_do(
    app_server: AppProcess, api: httpx.Client
) -> None:
    for method in ("GET", "OPTIONS"):
        headers = {"Origin": EVIL, "Access-Control-Request-Method": "PUT"}
        answer = api.request(method, "/api/workflows", headers=headers)
        assert "access-control-allow-origin" not in answer.headers, (method, answer.headers)
    own = api.get("/api/workflows", headers={"Origin": app_server.frontend_url})
    assert own.headers["access-control-allow-origin"] == app_server.frontend_url
    assert own.headers["x-frame-options"] == "DENY"


def test_a_cross_site_form_post_changes_nothing(api: httpx.Client) -> None:
    created = api.post("/api/workflows", json={"name": "E2E form target"})
    assert created.status_code == 201
    before = api.get("/api/workflows").json()["total"]
    # What a form on another site makes the browser send, with the user's cookies.
    for headers in (
        {"Origin": EVIL, "Content-Type": "application/x-www-form-urlencoded"},
        {"Content-Type": "application/x-www-form-urlencoded"},
    ):
        answer = api.post(
            f"/api/workflows/{created.json()['id']}/duplicate", content=b"x=1", headers=headers
        )
        assert answer.status_code in (403, 415), answer.text
    assert api.get("/api/workflows").json()["total"] == before
    # Leave the workflows list as the page tests expect it (samples on the first page).
    assert api.delete(f"/api/workflows/{created.json()['id']}").status_code == 200
