"""Turn every known failure into a JSON 4xx `{"detail": ..., "problems": [...]}`."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.api.not_found import static_path_methods
from app.api.schemas import ErrorResponse
from app.models.workflow import ProblemPublic
from app.services.database_errors import DatabaseError
from app.services.error_capture import capture_error
from app.services.errors import (
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    InvalidWorkflowError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServiceError,
)

logger = logging.getLogger(__name__)

_SERVICE_STATUS: tuple[tuple[type[ServiceError], int], ...] = (
    (NotFoundError, 404),
    (InvalidWorkflowError, 422),
    (InvalidInputError, 422),
    (ConflictError, 409),
    (AuthenticationError, 401),
    (PermissionDeniedError, 403),
    (RateLimitedError, 429),
)


def problems_out(problems: Iterable[Any]) -> list[ProblemPublic]:
    """Convert engine `Problem`s (or objects with the same attributes) for responses.

    Args:
        problems: objects with `code`, `message`, `node_id`, `edge_id` and `field`.

    Returns:
        The problems as response models, in the same order.
    """
    return [ProblemPublic.model_validate(problem, from_attributes=True) for problem in problems]


def error_response(
    status_code: int, detail: str, problems: Sequence[ProblemPublic] = ()
) -> JSONResponse:
    """A JSON error answer in the one shape every client can rely on."""
    body = ErrorResponse(detail=detail, problems=list(problems))
    return JSONResponse(status_code=status_code, content=body.model_dump(mode="json"))


def _request_problem(error: dict[str, Any]) -> ProblemPublic:
    location = [str(part) for part in error.get("loc", ())]
    message = str(error.get("msg", "invalid value"))
    context = error.get("ctx") or {}
    if error.get("type") == "json_invalid" and "error" in context:
        message = f"{message}: {context['error']}"
    return ProblemPublic(
        code=str(error.get("type", "invalid")), message=message, field=".".join(location) or None
    )


async def _on_request_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    allowed = static_path_methods(request)
    if allowed and request.method not in allowed:
        response = error_response(405, "Method Not Allowed")
        response.headers["Allow"] = ", ".join(sorted(allowed))
        return response
    problems = [_request_problem(dict(error)) for error in exc.errors()]
    if any(problem.code == "json_invalid" for problem in problems):
        return error_response(400, "Malformed JSON body", problems)
    first = problems[0] if problems else None
    summary = f"{first.field}: {first.message}" if first and first.field else "invalid request"
    return error_response(422, f"Invalid request ({summary})", problems)


async def _on_service_error(request: Request, exc: ServiceError) -> JSONResponse:
    status_code = next((code for kind, code in _SERVICE_STATUS if isinstance(exc, kind)), 400)
    problems = problems_out(exc.problems) if isinstance(exc, InvalidWorkflowError) else []
    response = error_response(status_code, str(exc) or type(exc).__name__, problems)
    if isinstance(exc, RateLimitedError):
        response.headers["Retry-After"] = str(exc.retry_after_s)
    return response


async def _on_http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    response = error_response(exc.status_code, str(exc.detail))
    if exc.headers:
        response.headers.update(exc.headers)
    return response


def _request_context(request: Request) -> dict[str, str]:
    # The route's template, not the URL: no query string (it may hold a token).
    route = request.scope.get("route")
    return {"method": request.method, "route": getattr(route, "path", request.url.path)}


async def _on_database_error(request: Request, exc: Exception) -> JSONResponse:
    # The exception text holds the SQL statement (and with it table and column names): it is
    # logged for whoever runs the server, never sent to the client.
    logger.error("database error on %s %s: %s", request.method, request.url.path, exc)
    capture_error("api", error=exc, context=_request_context(request))
    return error_response(500, "Internal server error (the database refused the operation)")


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    capture_error("api", error=exc, context=_request_context(request))
    return error_response(500, "Internal server error")


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that give every error the `ErrorResponse` shape."""
    app.add_exception_handler(RequestValidationError, _on_request_validation)  # type: ignore[arg-type]
    app.add_exception_handler(ServiceError, _on_service_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _on_http_error)  # type: ignore[arg-type]
    app.add_exception_handler(DatabaseError, _on_database_error)
    app.add_exception_handler(Exception, _on_unexpected)
