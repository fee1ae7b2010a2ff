"""Budget routes: the monthly budgets with this month's spend, set one, delete one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from app.api.authorization import Caller
from app.api.params import MAX_ID
from app.api.schemas import ErrorResponse
from app.api.strict_json import StrictJSONRoute
from app.models.budget_schemas import BudgetSet, BudgetStatus
from app.services import budgets
from app.services.unit_of_work import session_scope

router = APIRouter(
    prefix="/api/budgets",
    route_class=StrictJSONRoute,
    tags=["budgets"],
    responses={
        404: {"model": ErrorResponse, "description": "No such budget or workflow."},
        422: {"model": ErrorResponse, "description": "Invalid request (e.g. a bad limit)."},
    },
)

BudgetIdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="The budget's id.")]


@router.get("", response_model=list[BudgetStatus], summary="List budgets")
def list_budgets(
    caller: Caller,
    workflow_id: Annotated[
        int | None,
        Query(ge=1, le=MAX_ID, description="Only the budgets covering this workflow."),
    ] = None,
) -> list[BudgetStatus]:
    """The budgets the caller may see with this UTC month's spend, remaining amount and alert
    level (`warning` from 80 %, `exceeded` from 100 %): the overall budget (everyone sees it)
    and those of the workflows the caller may see."""
    with session_scope(read_only=True) as session:
        return budgets.budget_status(session, principal=caller, workflow_id=workflow_id)


@router.put("", response_model=BudgetStatus, summary="Set a budget")
def set_budget(caller: Caller, data: BudgetSet) -> BudgetStatus:
    """Set the overall budget (`workflow_id` null: owner and admins) or a workflow's (whoever
    may change the workflow), replacing the one there. An enforced budget refuses runs with
    409 once this month's spend reaches its limit."""
    with session_scope() as session:
        return budgets.set_budget(session, principal=caller, data=data)


@router.delete(
    "/{budget_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Delete a budget",
)
def delete_budget(caller: Caller, budget_id: BudgetIdPath) -> None:
    """Delete a budget (runs are no longer checked against it)."""
    with session_scope() as session:
        budgets.delete_budget(session, principal=caller, budget_id=budget_id)
