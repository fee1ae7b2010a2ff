"""Monthly budgets as the API and UI see them: what is set, and how much of it is spent."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator

from app.models.cost import MICROS_PER_USD

OVERALL_SCOPE = "overall"
WARNING_RATIO = 0.8
# Above any sensible monthly spend; keeps a typo from becoming "no limit".
MAX_LIMIT_MICROS = 10_000_000 * MICROS_PER_USD


class BudgetLevel(StrEnum):
    """How much of a budget is spent: under 80 %, from 80 %, from 100 %."""

    OK = "ok"
    WARNING = "warning"
    EXCEEDED = "exceeded"


def workflow_scope(workflow_id: int) -> str:
    """The scope of a workflow's budget."""
    return f"workflow:{workflow_id}"


def format_usd(micros: int) -> str:
    """Micro-dollars as a dollar amount: cents always, smaller digits only when not zero
    (`$12.50`, `$0.001234`)."""
    sign = "-" if micros < 0 else ""
    dollars, rest = divmod(abs(micros), MICROS_PER_USD)
    fraction = f"{rest:06d}".rstrip("0").ljust(2, "0")
    return f"{sign}${dollars:,}.{fraction}"


def usd_to_micros(text: str) -> int:
    """A dollar amount typed by a person ("25", "25.50", "$1,000") as exact micro-dollars.

    Raises:
        ValueError: not a number, negative, or finer than a micro-dollar.
    """
    cleaned = text.strip().removeprefix("$").replace(",", "").strip()
    try:
        amount = Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError("enter an amount in dollars, e.g. 25 or 12.50") from exc
    if not amount.is_finite() or amount < 0:
        raise ValueError("enter an amount of 0 dollars or more")
    micros = amount * MICROS_PER_USD
    if micros != micros.to_integral_value():
        raise ValueError("use at most 6 decimals (a micro-dollar)")
    return int(micros)


class BudgetSet(BaseModel):
    """A budget to set: overall (no workflow) or one workflow's, replacing the one there."""

    model_config = ConfigDict(extra="forbid")

    workflow_id: int | None = Field(
        default=None, description="The workflow; null for the overall budget."
    )
    monthly_limit_usd: str = Field(
        description='The monthly limit in US dollars, as a decimal string ("25.50").',
        max_length=32,
    )
    enforce: bool = Field(
        default=False,
        description="Refuse runs once the limit is reached (otherwise only warn).",
    )

    @field_validator("monthly_limit_usd")
    @classmethod
    def _amount(cls, value: str) -> str:
        micros = usd_to_micros(value)
        if micros <= 0:
            raise ValueError("the limit must be more than $0")
        if micros > MAX_LIMIT_MICROS:
            raise ValueError(f"the limit can be at most {format_usd(MAX_LIMIT_MICROS)}")
        return value

    @property
    def limit_micros(self) -> int:
        """The limit in micro-dollars."""
        return usd_to_micros(self.monthly_limit_usd)


class BudgetStatus(BaseModel):
    """A budget and this UTC month's spend against it."""

    id: int
    scope: str = Field(description='"overall" or "workflow:<id>".')
    workflow_id: int | None = None
    name: str = Field(description='What the budget covers: "All workflows" or the workflow name.')
    month: str = Field(description="The UTC month spent in, YYYY-MM.")
    limit_micros: int
    spent_micros: int
    remaining_micros: int = Field(description="What is left (0 once the limit is reached).")
    ratio: float = Field(description="spent / limit.")
    level: BudgetLevel
    enforce: bool
    may_change: bool = Field(description="The caller may change or delete this budget.")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def limit_usd(self) -> str:
        """The limit, formatted ("$10.00")."""
        return format_usd(self.limit_micros)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def spent_usd(self) -> str:
        """The spend, formatted ("$8.50")."""
        return format_usd(self.spent_micros)


def level_of(spent_micros: int, limit_micros: int) -> BudgetLevel:
    """The alert level of a spend against a limit."""
    if spent_micros >= limit_micros:
        return BudgetLevel.EXCEEDED
    if spent_micros >= WARNING_RATIO * limit_micros:
        return BudgetLevel.WARNING
    return BudgetLevel.OK
