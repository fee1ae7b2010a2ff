"""Execution routes: list with filters, detail with node runs, cancel, live events."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from app.api.authorization import Caller
from app.api.params import MAX_ID, ExecutionIdPath, Limit, Offset
from app.api.schemas import ErrorResponse
from app.api.strict_json import StrictJSONRoute
from app.models.execution import (
    ExecutionDetail,
    ExecutionPublic,
    ExecutionsPage,
    ExecutionStatus,
)
from app.services import execution_reads as execution_reads
from app.services import executions as execution_service
from app.services.execution_events import open_execution_events
from app.services.run_events import RunEvent
from app.services.unit_of_work import session_scope

router = APIRouter(
    prefix="/api/executions",
    route_class=StrictJSONRoute,
    tags=["executions"],
    responses={
        404: {"model": ErrorResponse, "description": "No such execution."},
        422: {"model": ErrorResponse, "description": "Invalid request."},
    },
)


@router.get("", response_model=ExecutionsPage, summary="List executions")
def list_executions(
    caller: Caller,
    workflow_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    status: ExecutionStatus | None = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> ExecutionsPage:
    """Executions, newest first, filtered by workflow and status."""
    with session_scope(read_only=True) as session:
        return execution_reads.list_executions(
            session,
            principal=caller,
            workflow_id=workflow_id,
            status=status,
            offset=offset,
            limit=limit,
        )


@router.get("/{execution_id}", response_model=ExecutionDetail, summary="Get an execution")
def get_execution(caller: Caller, execution_id: ExecutionIdPath) -> ExecutionDetail:
    """One execution with every node run (one per attempt) in order."""
    with session_scope(read_only=True) as session:
        return execution_reads.get_execution_detail(
            session, principal=caller, execution_id=execution_id
        )


@router.post(
    "/{execution_id}/cancel",
    response_model=ExecutionPublic,
    summary="Cancel an execution",
    responses={409: {"model": ErrorResponse, "description": "The execution already ended."}},
)
def cancel_execution(caller: Caller, execution_id: ExecutionIdPath) -> ExecutionPublic:
    """Cancel a queued or running execution; a finished one answers 409."""
    with session_scope() as session:
        return execution_service.cancel_execution(
            session, principal=caller, execution_id=execution_id
        )


@router.get(
    "/{execution_id}/events",
    summary="Follow an execution (Server-Sent Events)",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/event-stream": {}},
            "description": "`node_started`, `node_finished` (with a summary) and, last, "
            "`execution_finished` events, each `data` a JSON object.",
        }
    },
)
async def execution_events(caller: Caller, execution_id: ExecutionIdPath) -> StreamingResponse:
    """Events of the execution from now on; the stream ends after `execution_finished`
    (sent at once when the execution has already finished)."""
    events = await open_execution_events(principal=caller, execution_id=execution_id)
    return StreamingResponse(
        _server_sent(events),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _server_sent(events: AsyncIterator[RunEvent]) -> AsyncIterator[str]:
    async for event in events:
        data = json.dumps(dataclasses.asdict(event), ensure_ascii=False)
        yield f"event: {event.kind}\ndata: {data}\n\n"
