"""Budgets on SQLite and PostgreSQL: set, edit and delete with audit rows, this UTC month's
spend from the daily rollup with its alert level, who may see and change which budget, and
`check_run_allowed` refusing runs over an enforced budget in one query."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine, event, select
from sqlmodel import Session

from app.models.account import Role
from app.models.audit import AuditEvent
from app.models.budget_schemas import BudgetLevel, BudgetSet, BudgetStatus, format_usd
from app.models.cost import CostDaily
from app.models.sharing import ShareCreate, SharePermission
from app.models.types import utc_now
from app.models.workflow import WorkflowCreate
from app.services import budgets, sharing, workflows
from app.services.budget_spend import month_bounds
from app.services.errors import BudgetExceededError, NotFoundError, PermissionDeniedError
from app.services.principal import SYSTEM, Principal
from app.services.run_budget_check import check_run_allowed, forget_budget_reads
from app.services.unit_of_work import session_scope
from tests.budget_records import add_spend, put_budget
from tests.records import make_workflow
from tests.services.accounts_builders import member, owner


def statuses(
    principal: Principal = SYSTEM, workflow_id: int | None = None
) -> dict[str, BudgetStatus]:
    with session_scope(read_only=True) as session:
        found = budgets.budget_status(session, principal=principal, workflow_id=workflow_id)
    return {s.scope: s for s in found}


def test_status_sums_this_months_spend_and_says_the_level(db_url: str) -> None:
    flow = make_workflow(name="Summaries")
    other = make_workflow(name="Other")
    put_budget(None, "100", enforce=False)
    put_budget(flow, "10")
    add_spend(flow, 4_000_000)
    add_spend(flow, 4_500_000)
    add_spend(other, 20_000_000)
    # Last month's spend is not this month's.
    add_spend(flow, 50_000_000, day=month_bounds()[0] - timedelta(days=1))

    found = statuses()

    mine = found[f"workflow:{flow}"]
    assert (mine.name, mine.limit_micros, mine.spent_micros, mine.remaining_micros) == (
        "Summaries",
        10_000_000,
        8_500_000,
        1_500_000,
    )
    assert (mine.level, mine.enforce, mine.ratio) == (BudgetLevel.WARNING, True, 0.85)
    overall = found["overall"]
    assert (overall.name, overall.spent_micros, overall.level) == (
        "All workflows",
        28_500_000,
        BudgetLevel.OK,
    )
    assert overall.month == utc_now().strftime("%Y-%m")
    add_spend(flow, 1_500_000)
    assert statuses()[f"workflow:{flow}"].level == BudgetLevel.EXCEEDED
    assert list(statuses(workflow_id=other)) == ["overall"]


def test_setting_again_replaces_the_budget_and_both_are_audited(session: Session) -> None:
    ada = owner(session)
    session.commit()
    flow = make_workflow()
    first = put_budget(flow, "10", enforce=False, principal=ada)
    again = put_budget(flow, "12.345678", enforce=True, principal=ada)
    assert first == again
    status = statuses(ada, flow)[f"workflow:{flow}"]
    assert (status.limit_micros, status.enforce) == (12_345_678, True)
    with session_scope() as rw:
        budgets.delete_budget(rw, principal=ada, budget_id=first)
    assert statuses(ada) == {}
    rows = session.exec(
        select(AuditEvent).where(AuditEvent.object_type == "budget").order_by(AuditEvent.id)  # type: ignore[arg-type]
    ).all()
    assert [(r[0].action, r[0].detail) for r in rows] == [
        (
            "budget.set",
            {
                "scope": f"workflow:{flow}",
                "before": None,
                "after": {"limit": "$10.00", "enforce": False},
            },
        ),
        (
            "budget.set",
            {
                "scope": f"workflow:{flow}",
                "before": {"limit": "$10.00", "enforce": False},
                "after": {"limit": "$12.345678", "enforce": True},
            },
        ),
        ("budget.delete", {"scope": f"workflow:{flow}", "limit": "$12.345678"}),
    ]
    assert all(r[0].actor_user_id == ada.user_id for r in rows)


def test_who_sees_and_changes_which_budget(session: Session) -> None:
    ada = owner(session)
    bob = member(session, Role.EDITOR)
    eve = member(session, Role.EDITOR, "eve@example.com")
    session.commit()
    bobs = workflows.create_workflow(
        session, principal=bob, data=WorkflowCreate(name="Bob's", definition={})
    ).id
    adas = workflows.create_workflow(
        session, principal=ada, data=WorkflowCreate(name="Ada's", definition={})
    ).id
    sharing.share_workflow(
        session,
        principal=ada,
        workflow_id=adas,
        data=ShareCreate(email="eve@example.com", permission=SharePermission.VIEWER),
    )
    session.commit()
    put_budget(None, "100", principal=ada)
    put_budget(adas, "10", principal=ada)
    put_budget(bobs, "5", principal=bob)

    with pytest.raises(PermissionDeniedError, match="overall budget"):
        put_budget(None, "1", principal=bob)
    with pytest.raises(NotFoundError):
        put_budget(adas, "1", principal=bob)
    with pytest.raises(PermissionDeniedError):
        put_budget(adas, "1", principal=eve)

    assert sorted(statuses(bob)) == ["overall", f"workflow:{bobs}"]
    seen_by_eve = statuses(eve)
    assert sorted(seen_by_eve) == ["overall", f"workflow:{adas}"]
    assert not any(s.may_change for s in seen_by_eve.values())
    assert all(s.may_change for s in statuses(ada).values())
    with pytest.raises(NotFoundError):
        statuses(bob, adas)
    bob_budget = statuses(ada)[f"workflow:{bobs}"].id
    with pytest.raises(NotFoundError), session_scope() as rw:
        budgets.delete_budget(rw, principal=eve, budget_id=bob_budget)
    with session_scope() as rw:
        targets = budgets.budget_targets(rw, principal=bob)
    assert (targets.overall, targets.workflows) == (False, [(bobs, "Bob's")])


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("0", "more than $0"),
        ("-5", "0 dollars or more"),
        ("ten", "amount in dollars"),
        ("1.0000001", "at most 6 decimals"),
        ("20000000", "at most $10,000,000.00"),
    ],
)
def test_a_limit_must_be_a_positive_dollar_amount(typed: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message.replace("$", r"\$")):
        BudgetSet(monthly_limit_usd=typed)


def test_amounts_parse_and_print_exactly() -> None:
    assert BudgetSet(monthly_limit_usd="$1,250.5").limit_micros == 1_250_500_000
    assert [format_usd(m) for m in (0, 1_234, 12_500_000, 1_000_000_000_000)] == [
        "$0.00",
        "$0.001234",
        "$12.50",
        "$1,000,000.00",
    ]


def test_check_refuses_runs_over_an_enforced_budget_only(engine: Engine) -> None:
    flow = make_workflow(name="Summaries")
    other = make_workflow(name="Other")
    put_budget(flow, "10", enforce=False)
    add_spend(flow, 12_000_000)
    with engine.connect() as connection:
        check_run_allowed(connection, workflow_id=flow)  # only alerts
    put_budget(flow, "10", enforce=True)
    with engine.connect() as connection, pytest.raises(BudgetExceededError) as refused:
        check_run_allowed(connection, workflow_id=flow)
    assert refused.value.message == (
        "Run refused: the monthly budget of “Summaries” is used up ($12.00 spent of its "
        "$10.00 limit this month, enforced). Raise the limit or stop enforcing it on the "
        "Costs page to run again."
    )
    assert (refused.value.scope, refused.value.limit_micros, refused.value.spent_micros) == (
        f"workflow:{flow}",
        10_000_000,
        12_000_000,
    )
    with engine.connect() as connection:
        check_run_allowed(connection, workflow_id=other)
    put_budget(None, "12", enforce=True)
    with engine.connect() as connection, pytest.raises(BudgetExceededError) as overall:
        check_run_allowed(connection, workflow_id=other)
    assert "the overall monthly budget is used up ($12.00 spent of its $12.00" in str(overall.value)


def _queries(engine: Engine, workflow_id: int) -> list[str]:
    """The statements one check runs (SQLite's BEGIN aside)."""
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]).lstrip())

    with engine.connect() as connection:
        event.listen(connection, "before_cursor_execute", count)
        check_run_allowed(connection, workflow_id=workflow_id)
    return [s for s in statements if not s.startswith("BEGIN")]


def test_a_run_no_enforced_budget_covers_costs_no_query_once_budgets_are_read(
    engine: Engine,
) -> None:
    flow, other = make_workflow(), make_workflow()
    put_budget(None, "100", enforce=False)
    put_budget(flow, "100")
    add_spend(flow, 1)
    assert len(_queries(engine, other)) == 1  # the enforced budgets, read once
    assert _queries(engine, other) == []
    # A covered run sums its workflow's month, and only that.
    (spend,) = _queries(engine, flow)
    assert "llm_cost_daily.workflow_id" in spend


def test_a_budget_set_or_deleted_is_seen_by_the_next_check(engine: Engine) -> None:
    flow = make_workflow()
    add_spend(flow, 2_000_000)
    with engine.connect() as connection:
        check_run_allowed(connection, workflow_id=flow)  # no budget yet: read and kept
    budget_id = put_budget(flow, "1")
    with engine.connect() as connection, pytest.raises(BudgetExceededError):
        check_run_allowed(connection, workflow_id=flow)
    with session_scope() as session:
        budgets.delete_budget(session, principal=SYSTEM, budget_id=budget_id)
    with engine.connect() as connection:
        check_run_allowed(connection, workflow_id=flow)


def test_the_check_reuses_the_overall_sum_for_a_moment(engine: Engine) -> None:
    flow = make_workflow()
    put_budget(None, "1")
    add_spend(flow, 900_000)
    with engine.connect() as connection:
        check_run_allowed(connection, workflow_id=flow)  # sums the month: $0.90
        connection.execute(
            CostDaily.__table__.insert(),  # type: ignore[attr-defined]
            {
                "day": utc_now().date(),
                "dims": "later",
                "workflow_id": flow,
                "provider": "openai",
                "model": "gpt-4o",
                "is_mock": False,
                "calls": 1,
                "input_tokens": 0,
                "output_tokens": 0,
                "cached_tokens": 0,
                "cost_micros": 200_000,
            },
        )
        connection.commit()
        check_run_allowed(connection, workflow_id=flow)  # the sum of a moment ago
        forget_budget_reads()
        with pytest.raises(BudgetExceededError, match=r"\$1.10 spent"):
            check_run_allowed(connection, workflow_id=flow)
    with session_scope(read_only=True) as session:  # the list always sums afresh
        (overall,) = budgets.budget_status(session, principal=SYSTEM)
    assert overall.spent_micros == 1_100_000
