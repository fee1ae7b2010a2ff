"""What each route of the REST API needs: one rule for every route, so a route added later is
protected the day it is added.

- Reading (GET) needs `executions:read` for executions, run lists and A/B comparisons (which
  show runs' outputs), else `workflows:read`; so do checks of unsaved input that save nothing
  (`.../validate`, `/api/schedules/preview`).
- Starting or cancelling runs (`.../execute`, `.../runs`, `.../run`, `.../cancel`) needs
  `executions:run`.
- Any other change needs `workflows:write`.
- The LLM settings and monitoring (provider keys live there) need `admin`.
The rule is applied to every route of the routers `create_api` includes as protected, and
written into the OpenAPI document (`x-required-scope`, 401 and 403 answers).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.routing import APIRoute

from app.api.authentication import current_principal
from app.api.schemas import ErrorResponse
from app.models.account import Scope
from app.services.principal import Principal

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# POSTs that only look at what they are sent and save nothing.
CHECK_SUFFIXES = ("/validate", "/schedules/preview")
RUN_SUFFIXES = ("/execute", "/runs", "/run", "/cancel")
EXECUTION_READ_SUFFIXES = ("/runs", "/ab/compare")
ADMIN_PREFIXES = ("/api/llm",)
AUTH_RESPONSES: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorResponse, "description": "No credentials, or they are not valid."},
    403: {"model": ErrorResponse, "description": "The credentials lack the route's scope."},
}


def required_scope(method: str, path: str) -> Scope:
    """The scope a request needs, from its method and its route's path template."""
    if path.startswith(ADMIN_PREFIXES):
        return Scope.ADMIN
    if method in READ_METHODS or path.endswith(CHECK_SUFFIXES):
        if path.startswith("/api/executions") or path.endswith(EXECUTION_READ_SUFFIXES):
            return Scope.EXECUTIONS_READ
        return Scope.WORKFLOWS_READ
    if path.endswith(RUN_SUFFIXES):
        return Scope.EXECUTIONS_RUN
    return Scope.WORKFLOWS_WRITE


async def authorize(
    request: Request, principal: Annotated[Principal, Depends(current_principal)]
) -> Principal:
    """The caller, when its credentials carry the scope of the route it called, else 403."""
    route = request.scope.get("route")
    path = route.path if isinstance(route, APIRoute) else request.url.path
    scope = required_scope(request.method, path)
    if not principal.has_scope(scope):
        raise HTTPException(403, f"This needs the {scope.value} scope")
    return principal


# The caller of a protected route (FastAPI runs `authorize` once per request: the router's
# dependency and this parameter share its result).
Caller = Annotated[Principal, Depends(authorize)]


def declare_scopes(router: APIRouter) -> None:
    """Write the scope of each route of a protected router into the OpenAPI document."""
    for route in router.routes:
        if isinstance(route, APIRoute):
            method = sorted(route.methods or {"GET"})[0]
            route.openapi_extra = {
                **(route.openapi_extra or {}),
                "x-required-scope": required_scope(method, route.path).value,
            }
