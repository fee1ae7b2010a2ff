"""The budgets section's and the canvas banners' state on a real database: the list with
the month's spend, the banners at 80 % and 100 %, the dialog's inline errors, set, edit and
delete, and the canvas's estimate with what is left."""

from __future__ import annotations

import pytest
import reflex as rx
from reflex.istate.data import ReflexURL, RouterData

from app.models.account import Role
from app.models.budget_schemas import BudgetLevel, BudgetStatus, level_of
from app.ui.state.budget_views import budget_banner, budget_row, limit_input
from app.ui.state.budgets_state import BudgetsState
from tests.budget_records import add_spend, put_budget
from tests.records import make_workflow
from tests.ui.state.conftest import ActAs
from tests.ui.state.test_sharing_state import _user

pytestmark = pytest.mark.usefixtures("db_url", "act_as")


async def _state(path: str = "/costs") -> BudgetsState:
    root = rx.State(_reflex_internal_init=True)
    state = await root.get_state(BudgetsState)
    state.router = RouterData(url=ReflexURL(f"http://localhost:3000{path}"))
    return state


def _status(spent: int, limit: int, *, enforce: bool, workflow_id: int | None) -> BudgetStatus:
    return BudgetStatus(
        id=1,
        scope="overall" if workflow_id is None else f"workflow:{workflow_id}",
        workflow_id=workflow_id,
        name="All workflows" if workflow_id is None else "Summaries",
        month="2026-11",
        limit_micros=limit,
        spent_micros=spent,
        remaining_micros=max(0, limit - spent),
        ratio=spent / limit,
        level=level_of(spent, limit),
        enforce=enforce,
        may_change=True,
    )


def test_banners_say_the_level_and_whether_runs_are_refused() -> None:
    assert budget_banner(_status(7, 10, enforce=True, workflow_id=3)) is None
    warning = budget_banner(_status(8, 10, enforce=False, workflow_id=3))
    assert warning is not None and warning.level == BudgetLevel.WARNING
    assert (
        warning.title == "The monthly budget of “Summaries” is 80 % spent ($0.000008 of $0.00001)"
    )
    assert warning.message.startswith("Not enforced: runs will go on starting")
    used_up = budget_banner(_status(12_000_000, 10_000_000, enforce=True, workflow_id=None))
    assert used_up is not None
    assert used_up.title == "The overall monthly budget is used up ($12.00 of $10.00)"
    assert used_up.message == (
        "Enforced: runs of every workflow are refused until the limit is raised or the month ends."
    )
    row = budget_row(_status(15_000_000, 10_000_000, enforce=True, workflow_id=3))
    assert (row.percent, row.percent_label, row.remaining_usd, row.target) == (
        100,
        "150 %",
        "$0.00",
        "3",
    )
    assert [limit_input(m) for m in (10_000_000, 12_500_000, 1)] == ["10", "12.5", "0.000001"]


async def test_the_section_lists_sets_edits_and_deletes() -> None:
    flow = make_workflow(name="Summaries")
    put_budget(None, "100", enforce=False)
    add_spend(flow, 90_000_000)
    state = await _state()

    await state.load_all()

    (overall,) = state.rows
    assert (overall.name, overall.level, overall.spent_usd) == (
        "All workflows",
        "warning",
        "$90.00",
    )
    assert [b.level for b in state.banners] == ["warning"]
    assert [(t.value, t.label) for t in state.targets] == [
        ("overall", "All workflows (overall)"),
        (str(flow), "Summaries"),
    ]

    state.open_new()
    state.set_form_target(str(flow))
    state.set_form_limit("-1")
    await state.save()
    assert (state.limit_error, state.dialog_open) == ("Enter an amount of 0 dollars or more", True)
    state.set_form_limit("80")
    assert state.limit_error == ""
    state.set_form_enforce(True)
    await state.save()
    assert not state.dialog_open
    mine = next(r for r in state.rows if r.target == str(flow))
    assert (mine.limit_usd, mine.enforce, mine.level) == ("$80.00", True, "exceeded")
    assert {b.key: b.level for b in state.banners} == {
        "overall": "warning",
        f"workflow:{flow}": "exceeded",
    }

    state.open_edit(mine.id)
    assert (state.editing, state.form_target, state.form_limit, state.form_enforce) == (
        True,
        str(flow),
        "80",
        True,
    )
    state.set_form_limit("200")
    await state.save()
    assert next(r for r in state.rows if r.id == mine.id).level == "ok"

    state.ask_delete(mine.id, mine.name)
    await state.confirm_delete()
    assert [r.name for r in state.rows] == ["All workflows"]


async def test_someone_who_may_not_change_the_overall_budget_is_told_in_the_dialog(
    act_as: ActAs,
) -> None:
    editor = _user("bob@example.com", Role.EDITOR)
    act_as(editor)
    state = await _state()
    await state.load_all()
    assert state.targets == [] and not state.may_add
    state.open_new()
    state.set_form_target("overall")
    state.set_form_limit("5")
    await state.save()
    assert state.form_error == "Only the owner and admins can change the overall budget"


async def test_the_canvas_shows_its_budgets_with_the_estimate() -> None:
    flow = make_workflow(name="Summaries")
    other = make_workflow(name="Other")
    put_budget(flow, "1")
    put_budget(other, "1")
    add_spend(flow, 1_000_000)
    state = await _state(f"/workflows/{flow}")

    await state.load_for_workflow()

    assert [r.name for r in state.rows] == ["Summaries"]
    assert [b.level for b in state.banners] == ["exceeded"]
    assert (state.estimate, state.over_budget) == ("", True)  # no LLM nodes: no estimate
