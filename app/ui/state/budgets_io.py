"""The budgets section's and banners' calls to the budget services (each on a worker thread
via `run_db`)."""

from __future__ import annotations

from app.models.budget_schemas import BudgetSet, BudgetStatus
from app.models.cost_estimate import WorkflowCostEstimate
from app.services import budgets
from app.services.budgets import BudgetTargets
from app.services.cost_estimates import estimate_workflow_cost
from app.services.principal import Principal
from app.services.unit_of_work import session_scope


def read_budgets(principal: Principal, workflow_id: int) -> list[BudgetStatus]:
    """The budgets `principal` may see (`workflow_id` 0), or those covering one workflow."""
    with session_scope(read_only=True) as session:
        return budgets.budget_status(session, principal=principal, workflow_id=workflow_id or None)


def read_estimate(principal: Principal, workflow_id: int) -> WorkflowCostEstimate:
    """What a full run of the workflow's LLM nodes would likely cost, with the budgets
    covering it and what is left of each."""
    with session_scope(read_only=True) as session:
        return estimate_workflow_cost(session, principal=principal, workflow_id=workflow_id)


def read_targets(principal: Principal) -> BudgetTargets:
    """What `principal` may set budgets on."""
    with session_scope(read_only=True) as session:
        return budgets.budget_targets(session, principal=principal)


def save_budget(principal: Principal, data: BudgetSet) -> BudgetStatus:
    """Set a budget (committed)."""
    with session_scope() as session:
        return budgets.set_budget(session, principal=principal, data=data)


def remove_budget(principal: Principal, budget_id: int) -> None:
    """Delete a budget (committed)."""
    with session_scope() as session:
        budgets.delete_budget(session, principal=principal, budget_id=budget_id)
