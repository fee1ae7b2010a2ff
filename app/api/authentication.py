"""Who is calling: an API key or a bearer token (`Authorization: Bearer ...`) or the UI's
session cookie. Routes declare what they need with `Depends(require(scope))`; the OpenAPI
document lists the three ways in (the docs page gets an Authorize button)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import (
    APIKeyCookie,
    HTTPAuthorizationCredentials,
    HTTPBearer,
    OAuth2PasswordBearer,
)

from app.models.account import Scope
from app.services.credentials import authenticated_principal, cached_principal
from app.services.db_threads import run_db
from app.services.principal import Principal, Via
from app.services.user_sessions import SESSION_COOKIE

bearer = HTTPBearer(
    auto_error=False,
    description="An API key (`fbk_...`, made on your user page) or a token from /api/auth/token.",
)
password_flow = OAuth2PasswordBearer(tokenUrl="/api/auth/token", auto_error=False)
session_cookie = APIKeyCookie(
    name=SESSION_COOKIE, auto_error=False, description="The web app's session (log in first)."
)


def _unauthorized() -> HTTPException:
    return HTTPException(
        status_code=401,
        detail="Log in or send an API key: Authorization: Bearer <key>",
        headers={"WWW-Authenticate": "Bearer"},
    )


def principal_or_401(
    credentials: HTTPAuthorizationCredentials | None, cookie: str | None
) -> Principal:
    """The authenticated caller, for synchronous code (it may query).

    Raises:
        HTTPException: 401 when there are no credentials or they are not valid.
    """
    bearer = credentials.credentials if credentials is not None else None
    principal = authenticated_principal(bearer=bearer, cookie=cookie)
    if principal is None:
        raise _unauthorized()
    return principal


async def current_principal(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
    _token: Annotated[str | None, Security(password_flow)],
    cookie: Annotated[str | None, Security(session_cookie)],
) -> Principal:
    """The authenticated caller: from the cache of credentials verified lately on the event
    loop, else looked up on the services' database threads.

    Raises:
        HTTPException: 401 when there are no credentials or they are not valid.
    """
    bearer_value = credentials.credentials if credentials is not None else None
    principal = cached_principal(bearer=bearer_value, cookie=cookie)
    if principal is None:
        principal = await run_db(principal_or_401, credentials, cookie)
    return principal


def require(scope: Scope) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency giving the caller when its credentials carry `scope`, else 403."""

    async def check(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if not principal.has_scope(scope):
            raise HTTPException(403, f"This needs the {scope.value} scope")
        return principal

    return check


def client_ip(request: Request) -> str:
    """The caller's address for the audit log and the login rate limit."""
    return request.client.host if request.client else ""


async def self_service(
    principal: Annotated[Principal, Depends(current_principal)],
) -> Principal:
    """The caller managing its own account: any session or token, but an API key only with
    the admin scope (a read-only key must not revoke keys or end sessions)."""
    if principal.via is Via.API_KEY and not principal.has_scope(Scope.ADMIN):
        raise HTTPException(403, "Managing your account with an API key needs the admin scope")
    return principal
