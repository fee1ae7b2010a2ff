"""`/metrics`: every Flowbook metric in Prometheus text format, for a Prometheus scraper.

Protected: a scraper sends `Authorization: Bearer <FLOWBOOK_METRICS_TOKEN>` (a token made
for scraping only, set in the environment), or any credentials with the `admin` scope.
Without FLOWBOOK_METRICS_TOKEN only admin credentials are accepted. Outside the OpenAPI
document (it is not JSON and not under /api).
"""

from __future__ import annotations

import hmac
import os
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Response, Security
from fastapi.security import HTTPAuthorizationCredentials
from prometheus_client import CONTENT_TYPE_LATEST

from app.api.authentication import bearer, principal_or_401, session_cookie
from app.models.account import Scope
from app.services.metrics_collectors import metrics_text

METRICS_TOKEN_ENV = "FLOWBOOK_METRICS_TOKEN"

router = APIRouter(tags=["monitoring"])


def _scraper_token(credentials: HTTPAuthorizationCredentials | None) -> bool:
    token = os.environ.get(METRICS_TOKEN_ENV, "")
    if not token or credentials is None:
        return False
    return hmac.compare_digest(credentials.credentials.encode(), token.encode())


def may_scrape(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
    cookie: Annotated[str | None, Security(session_cookie)],
) -> None:
    """Let the metrics token or admin credentials through; 401 / 403 otherwise."""
    if _scraper_token(credentials):
        return
    principal = principal_or_401(credentials, cookie)
    if not principal.has_scope(Scope.ADMIN):
        raise HTTPException(403, f"This needs the {Scope.ADMIN.value} scope or the metrics token")


@router.get("/metrics", include_in_schema=False, dependencies=[Depends(may_scrape)])
def metrics() -> Response:
    """Every metric in Prometheus text format (version 0.0.4)."""
    return Response(content=metrics_text(), media_type=CONTENT_TYPE_LATEST)
