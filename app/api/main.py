"""The FastAPI application: every route under `/api`, docs at `/api/docs` and `/api/redoc`."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from fastapi import Depends, FastAPI
from fastapi_offline import FastAPIOffline

from app.api import (
    account_routes,
    analytics,
    auth_routes,
    budgets,
    executions,
    health,
    hooks,
    llm,
    metrics,
    node_types,
    not_found,
    orchestrations,
    pricing,
    reactive,
    schedules,
    shares,
    version_runs,
    versions,
    webhooks,
    workflows,
)
from app.api.authorization import AUTH_RESPONSES, authorize, declare_scopes
from app.api.body_limit import BodyLimitMiddleware
from app.api.error_handlers import install_error_handlers
from app.api.execute_fast_lane import ExecuteFastLane
from app.api.openapi_document import install_openapi_refinements
from app.api.request_guard import RequestGuardMiddleware
from app.api.schemas import ErrorResponse
from app.api.security_headers import SecurityHeadersMiddleware

# Answers any route can give before its own code runs (strict JSON parsing, body limit).
EDGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "Malformed or non-strict JSON body."},
    413: {"model": ErrorResponse, "description": "Request body over the size limit."},
}

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[Any]]


def create_api(lifespan: Lifespan | None = None) -> FastAPI:
    """Build the API app.

    The Reflex app passes it as `api_transformer` (Reflex mounts its own app inside it);
    `app.api.server` serves it alone with a start-up lifespan.

    Args:
        lifespan: optional start-up/shut-down context for standalone serving.

    Returns:
        A FastAPI app with every router and error handler installed.
    """
    # Swagger UI and ReDoc load their JS/CSS from the app (fastapi-offline ships them), not a
    # CDN, so the docs work on a machine without internet.
    api = FastAPIOffline(
        title="Flowbook API",
        description=(
            "Workflows, executions, orchestrations, LLM settings and node types of a Flowbook"
            " instance."
        ),
        version=health.app_version(),
        docs_url="/api/docs",
        redoc_url="/api/redoc",
        static_url="/api/docs/static",
        openapi_url="/api/openapi.json",
        swagger_ui_oauth2_redirect_url="/api/docs/oauth2-redirect",
        lifespan=lifespan,
    )
    install_error_handlers(api)
    # Innermost of ours: a plain run request is answered here, inside every check below.
    api.add_middleware(ExecuteFastLane)
    api.add_middleware(BodyLimitMiddleware)
    api.add_middleware(RequestGuardMiddleware)
    # Outermost: every answer, refusals included, carries the security headers.
    api.add_middleware(SecurityHeadersMiddleware)
    # Webhooks first: the busiest public route is matched before the ~100 others (routing
    # walks the routes in order, and took about 7% of a webhook call's CPU when last).
    api.include_router(hooks.router, responses=EDGE_RESPONSES)
    protected = (
        workflows,
        versions,
        version_runs,
        reactive,
        shares,
        executions,
        orchestrations,
        llm,
        node_types,
        schedules,
        webhooks,
        pricing,
        analytics,
        budgets,
    )
    for module in protected:
        declare_scopes(module.router)
        api.include_router(
            module.router,
            dependencies=[Depends(authorize)],
            responses={**EDGE_RESPONSES, **AUTH_RESPONSES},
        )
    # not_found goes last: it answers every /api path no other route took.
    for module in (health, metrics, auth_routes, account_routes, not_found):
        api.include_router(module.router, responses=EDGE_RESPONSES)
    install_openapi_refinements(api)
    return api
