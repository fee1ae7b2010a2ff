"""Price routes: the price table (everyone signed in reads it) and overrides (the owner and
admins set and delete them). Amounts are decimal strings in USD per million tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from app.api.authorization import Caller
from app.api.params import MAX_ID, Limit, Offset
from app.api.schemas import ErrorResponse
from app.api.strict_json import StrictJSONRoute
from app.models.price_schemas import (
    PriceOverrideCreate,
    PricePublic,
    PriceSourceName,
    PricesPage,
)
from app.services import price_overrides
from app.services.unit_of_work import session_scope

router = APIRouter(
    route_class=StrictJSONRoute,
    tags=["pricing"],
    responses={
        404: {"model": ErrorResponse, "description": "No such price override."},
        422: {"model": ErrorResponse, "description": "Invalid request."},
    },
)

SourceQuery = Annotated[PriceSourceName | None, Query(description="Only rows of this source.")]
PriceIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="Price override id.")]


@router.get("/api/pricing", response_model=PricesPage, summary="List model prices")
def list_prices(
    caller: Caller,
    search: Annotated[
        str, Query(max_length=200, description="Part of a model or provider name.")
    ] = "",
    source: Annotated[
        PriceSourceName | None, Query(description="Only rows of this source.")
    ] = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> PricesPage:
    """Price rows by provider and model, newest first, each marked in force, scheduled or
    superseded."""
    with session_scope(read_only=True) as session:
        return price_overrides.list_prices(
            session,
            principal=caller,
            search=search,
            source=None if source is None else source.value,
            offset=offset,
            limit=limit,
        )


@router.post(
    "/api/pricing",
    response_model=PricePublic,
    status_code=status.HTTP_201_CREATED,
    summary="Set a price override",
    responses={403: {"model": ErrorResponse, "description": "Not the owner or an admin."}},
)
def set_override(caller: Caller, data: PriceOverrideCreate) -> PricePublic:
    """Set a model's price from `effective_from` on (now by default; never in the past). It
    wins over LiteLLM's map and the defaults; an override for the same moment is replaced."""
    with session_scope() as session:
        return price_overrides.set_override(session, principal=caller, data=data)


@router.delete(
    "/api/pricing/{price_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a price override",
    responses={403: {"model": ErrorResponse, "description": "Not the owner or an admin."}},
)
def delete_override(caller: Caller, price_id: PriceIdPath) -> Response:
    """Delete an override; the model's other rows stay."""
    with session_scope() as session:
        price_overrides.delete_override(session, principal=caller, price_id=price_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
