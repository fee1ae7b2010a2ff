"""Budgets: the section of the costs page (list, set/edit dialog, delete with confirm) and
the 80 % / 100 % banners shown there and on a workflow's canvas.

`load_all` shows every budget the user may see (the costs page); `load_for_workflow` only
those covering the workflow of the page's `[workflow_id]` (the canvas).
"""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx
from pydantic import ValidationError
from reflex_base.event import EventSpec

from app.models.budget_schemas import BudgetSet
from app.services.db_threads import run_db
from app.services.errors import ServiceError
from app.ui.state.auth_state import acting_principal
from app.ui.state.budget_views import (
    BudgetBanner,
    BudgetRow,
    budget_banner,
    budget_row,
    estimate_line,
)
from app.ui.state.budgets_io import (
    read_budgets,
    read_estimate,
    read_targets,
    remove_budget,
    save_budget,
)
from app.ui.state.delete_confirm import DeleteConfirmMixin
from app.ui.state.display import error_message

OVERALL = "overall"


@dataclass
class TargetChoice:
    """What a budget may be set on, as the dialog's select offers it."""

    value: str
    label: str


class BudgetsState(DeleteConfirmMixin, rx.State):
    """Budgets with this month's spend, the banners, and the set/edit dialog."""

    rows: list[BudgetRow] = []
    banners: list[BudgetBanner] = []
    loaded: bool = False
    # 0: every budget (the costs page); else the canvas's workflow.
    workflow_id: int = 0
    targets: list[TargetChoice] = []
    # The canvas: the pre-run estimate of a full run, and whether it would go over an
    # enforced budget.
    estimate: str = ""
    over_budget: bool = False

    dialog_open: bool = False
    editing: bool = False
    form_target: str = ""
    form_limit: str = ""
    form_enforce: bool = False
    target_error: str = ""
    limit_error: str = ""
    form_error: str = ""
    saving: bool = False

    @rx.var
    def may_add(self) -> bool:
        """Whether the user may set any budget (the Add button shows)."""
        return len(self.targets) > 0

    async def _reload(self) -> None:
        principal = await acting_principal(self)
        try:
            if self.workflow_id:
                estimate = await run_db(read_estimate, principal, self.workflow_id)
                statuses = estimate.budgets
                self.estimate, self.over_budget = estimate_line(estimate), estimate.over_budget
            else:
                statuses = await run_db(read_budgets, principal, 0)
        except ServiceError:
            statuses, self.estimate, self.over_budget = [], "", False
        self.rows = [budget_row(s) for s in statuses]
        self.banners = [b for b in map(budget_banner, statuses) if b is not None]
        if self.workflow_id == 0:
            targets = await run_db(read_targets, principal)
            choices = [TargetChoice(OVERALL, "All workflows (overall)")] if targets.overall else []
            choices += [TargetChoice(str(i), name) for i, name in targets.workflows]
            self.targets = choices
        self.loaded = True

    @rx.event
    async def load_all(self) -> None:
        """Every budget the user may see, and what they may set (the costs page)."""
        self.workflow_id = 0
        await self._reload()

    @rx.event
    async def load_for_workflow(self) -> None:
        """The budgets covering the workflow of the page's `[workflow_id]` (the canvas)."""
        raw = self.router.url.path.rstrip("/").rsplit("/", 1)[-1]
        if not raw.isdigit():
            self.rows, self.banners = [], []
            return
        self.workflow_id = int(raw)
        await self._reload()

    @rx.event
    async def refresh(self) -> None:
        """Read the spend again (after a run)."""
        await self._reload()

    def _open(self, *, target: str, limit: str, enforce: bool, editing: bool) -> None:
        self.form_target, self.form_limit, self.form_enforce = target, limit, enforce
        self.editing = editing
        self.target_error = self.limit_error = self.form_error = ""
        self.dialog_open = True

    @rx.event
    def open_new(self) -> None:
        """Open the dialog for a new budget."""
        first = self.targets[0].value if self.targets else ""
        self._open(target=first, limit="", enforce=False, editing=False)

    @rx.event
    def open_edit(self, budget_id: int) -> None:
        """Open the dialog on a budget's settings."""
        row = next((r for r in self.rows if r.id == budget_id), None)
        if row is not None:
            self._open(target=row.target, limit=row.limit_input, enforce=row.enforce, editing=True)

    @rx.event
    def set_dialog_open(self, value: bool) -> None:
        """The dialog's open-change (closing it drops what was typed)."""
        self.dialog_open = value

    @rx.event
    def set_form_target(self, value: str) -> None:
        """What the budget covers."""
        self.form_target, self.target_error = value, ""

    @rx.event
    def set_form_limit(self, value: str) -> None:
        """The monthly limit as typed."""
        self.form_limit, self.limit_error = value, ""

    @rx.event
    def set_form_enforce(self, value: bool) -> None:
        """Whether runs are refused at the limit."""
        self.form_enforce = bool(value)

    def _form(self) -> BudgetSet | None:
        if self.form_target != OVERALL and not self.form_target.isdigit():
            self.target_error = "Choose what the budget covers"
        try:
            data = BudgetSet(
                workflow_id=None if self.form_target == OVERALL else int(self.form_target or 0),
                monthly_limit_usd=self.form_limit,
                enforce=self.form_enforce,
            )
        except ValidationError as exc:
            message = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
            self.limit_error = message[:1].upper() + message[1:]
            return None
        return None if self.target_error else data

    @rx.event
    async def save(self) -> EventSpec | None:
        """Set the budget; errors show under their field, or above the buttons."""
        data = self._form()
        if data is None:
            return None
        self.saving = True
        try:
            status = await run_db(save_budget, await acting_principal(self), data)
        except ServiceError as exc:
            self.form_error = error_message(exc)
            return None
        finally:
            self.saving = False
        self.dialog_open = False
        await self._reload()
        return rx.toast.success(f"Budget of {status.name} set", id="budget-saved")

    @rx.event
    async def confirm_delete(self) -> EventSpec | None:
        """Delete the budget the confirmation asked about."""
        budget_id = self.take_delete_id()
        try:
            await run_db(remove_budget, await acting_principal(self), budget_id)
        except ServiceError as exc:
            return rx.toast.error(error_message(exc))
        await self._reload()
        return rx.toast.success("Budget deleted", id="budget-deleted")
