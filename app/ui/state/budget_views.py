"""Budgets as the budgets section and the banners show them (plain values for Reflex vars)."""

from __future__ import annotations

from dataclasses import dataclass

from app.models.budget_schemas import BudgetLevel, BudgetStatus, format_usd
from app.models.cost import MICROS_PER_USD
from app.models.cost_estimate import WorkflowCostEstimate


@dataclass
class BudgetRow:
    """One budget in the list (the edit form reads its settings)."""

    id: int
    name: str
    # "overall", or the workflow's id as text (the dialog's target select values).
    target: str
    limit_usd: str
    spent_usd: str
    remaining_usd: str
    # For the bar: spent / limit in %, capped at 100; the label is not capped.
    percent: int
    percent_label: str
    level: str
    enforce: bool
    may_change: bool
    # The limit as the form's field shows it ("10.5").
    limit_input: str


@dataclass
class BudgetBanner:
    """An alert about a budget at 80 % or more of its limit."""

    key: str
    level: str
    title: str
    message: str


def limit_input(micros: int) -> str:
    """A limit as a person would type it: no "$", no thousands separators."""
    dollars, rest = divmod(micros, MICROS_PER_USD)
    fraction = f"{rest:06d}".rstrip("0")
    return f"{dollars}.{fraction}" if fraction else str(dollars)


def budget_row(status: BudgetStatus) -> BudgetRow:
    """A budget's list row."""
    percent = round(status.ratio * 100)
    return BudgetRow(
        id=status.id,
        name=status.name,
        target="overall" if status.workflow_id is None else str(status.workflow_id),
        limit_usd=format_usd(status.limit_micros),
        spent_usd=format_usd(status.spent_micros),
        remaining_usd=format_usd(status.remaining_micros),
        percent=min(100, percent),
        percent_label=f"{percent} %",
        level=status.level.value,
        enforce=status.enforce,
        may_change=status.may_change,
        limit_input=limit_input(status.limit_micros),
    )


def budget_banner(status: BudgetStatus) -> BudgetBanner | None:
    """The banner of a budget at 80 % or more (None below)."""
    if status.level == BudgetLevel.OK:
        return None
    covers = "every workflow" if status.workflow_id is None else "this workflow"
    what = (
        "The overall monthly budget"
        if status.workflow_id is None
        else f"The monthly budget of “{status.name}”"
    )
    amounts = f"{format_usd(status.spent_micros)} of {format_usd(status.limit_micros)}"
    if status.level == BudgetLevel.EXCEEDED:
        title = f"{what} is used up ({amounts})"
        message = (
            f"Enforced: runs of {covers} are refused until the limit is raised or the month ends."
            if status.enforce
            else "Not enforced: runs still start, and spend goes on above the limit."
        )
    else:
        title = f"{what} is {round(status.ratio * 100)} % spent ({amounts})"
        message = (
            f"Enforced: runs of {covers} will be refused once the limit is reached."
            if status.enforce
            else "Not enforced: runs will go on starting when the limit is reached."
        )
    return BudgetBanner(key=status.scope, level=status.level.value, title=title, message=message)


def estimate_line(estimate: WorkflowCostEstimate) -> str:
    """The pre-run estimate of a full run in one line ("" for a workflow without LLM
    nodes)."""
    if not estimate.nodes:
        return ""
    if estimate.uses_mock and estimate.total_usd == 0:
        return "A full run: free (the mock provider answers)"
    amount = format_usd(round(estimate.total_usd * MICROS_PER_USD))
    lower_bound = " or more (some prices are unknown)" if estimate.any_unknown_price else ""
    return f"A full run: about {amount}{lower_bound}"
