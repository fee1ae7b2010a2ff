"""Spend and budgets that budget tests set up (on the database the `db_url` fixture
configures): a rollup row per spend, as the ledger's writer leaves them."""

from __future__ import annotations

import uuid
from datetime import date

from app.models.budget_schemas import BudgetSet
from app.models.cost import CostDaily
from app.models.types import utc_now
from app.services import budgets
from app.services.principal import SYSTEM, Principal
from app.services.run_budget_check import forget_budget_reads
from app.services.unit_of_work import session_scope


def add_spend(workflow_id: int | None, micros: int, day: date | None = None) -> None:
    """`micros` spent by `workflow_id` on `day` (default today, UTC): one llm_cost_daily row
    (the run check's cached overall spend is forgotten, as if its time had passed)."""
    with session_scope() as session:
        session.add(
            CostDaily(
                day=day or utc_now().date(),
                dims=uuid.uuid4().hex,
                workflow_id=workflow_id,
                provider="openai",
                model="gpt-4o",
                calls=1,
                input_tokens=1000,
                output_tokens=100,
                cost_micros=micros,
            )
        )
    forget_budget_reads()


def put_budget(
    workflow_id: int | None,
    limit_usd: str,
    *,
    enforce: bool = True,
    principal: Principal = SYSTEM,
) -> int:
    """Set a budget (overall for None); its id."""
    data = BudgetSet(workflow_id=workflow_id, monthly_limit_usd=limit_usd, enforce=enforce)
    with session_scope() as session:
        return budgets.set_budget(session, principal=principal, data=data).id
