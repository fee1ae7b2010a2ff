"""Unknown `/api` paths answer JSON 404/405 instead of falling through to the web app's pages.

Under Reflex the API app also hosts the frontend, so without this route an unknown API path
would get the HTML "page not found".
"""

from __future__ import annotations

from typing import NoReturn

from fastapi import APIRouter, HTTPException, Request
from starlette.routing import compile_path

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]

router = APIRouter()


def _allowed_methods(request: Request) -> set[str]:
    """Methods of the documented API paths that match this request's path."""
    static = static_path_methods(request)
    if static:
        return static
    documented: dict[str, dict[str, object]] = request.app.openapi()["paths"]
    return {
        method.upper()
        for template, operations in documented.items()
        if compile_path(template)[0].match(request.url.path)
        for method in operations
    }


def static_path_methods(request: Request) -> set[str]:
    """Methods documented for this request's path when it is a fixed path (no parameters).

    `PUT /api/workflows/validate` is routed to `PUT /api/workflows/{workflow_id}` and fails
    there on the id; the path is really `/api/workflows/validate`, which takes only POST.
    """
    documented: dict[str, dict[str, object]] = request.app.openapi()["paths"]
    operations = documented.get(request.url.path, {})
    return {method.upper() for method in operations}


@router.api_route("/api/{path:path}", methods=METHODS, include_in_schema=False, response_model=None)
async def unknown_api_path(request: Request) -> NoReturn:
    """405 with `Allow` when the path exists with other methods, else 404."""
    allowed = _allowed_methods(request)
    if allowed:
        raise HTTPException(405, "Method Not Allowed", {"Allow": ", ".join(sorted(allowed))})
    raise HTTPException(404, f"No API route {request.url.path}")
