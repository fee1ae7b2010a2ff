"""A small, hand-checkable cost ledger for the analytics tests: three users, five workflows
(one shared, two deleted), nine billed calls over 40 days and six executions, rolled up by
the ledger's own `REBUILD_ROLLUPS`.

call workflow (owner)        ver provider  model          role       in/out/cached micros ago exec
c1   Alpha (alice)           1   openai    gpt-4          agent      1000/500/0    60000  0   e1 ok
c2   Alpha (alice)           2   openai    gpt-4          agent      2000/100/500  66000  3   e2 X
c3   Alpha (alice)           2   anthropic claude-3-haiku judge      400/100/0     225    10  e3 ok
c4   Beta (bob; alice sees)  1   anthropic claude-3-haiku researcher 800/200/0     450    0
c5   Beta (bob; alice sees)  1   mock      mock-model     agent      10/10/0       0      3
c6   Gamma (bob)             1   gemini    gemini-1.5-pro agent      1000/1000/0   6250   0   e4 ok
c7   Delta (alice, deleted)  1   openai    gpt-3.5-turbo  agent      1000/1000/0   2000   40
c8   Epsilon (bob, deleted)  1   openai    gpt-4          agent      100/100/0     9000   0
c9   none (admin's)          -   openai    gpt-4          -          10/10/0       900    0

("ago": days before today; Epsilon was shared with alice before it was deleted.)
e2 failed (X). Besides: e5 Beta cancelled today (not counted), e6 Beta failed today (300 ms).
Durations: e1 2000 ms, e2 1000 ms, e3 4000 ms (finished 3 days ago), e4 500 ms.
Every call is made at 12:00 UTC of its day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session

from app.models.account import Role, User
from app.models.cost import LLMCall
from app.models.execution import Execution
from app.models.sharing import WorkflowShare
from app.models.types import utc_now
from app.models.workflow import Workflow
from app.services.cost_rollups import REBUILD_ROLLUPS
from app.services.principal import ROLE_SCOPES, Principal
from tests.credentials import password_hash


@dataclass(frozen=True)
class CostWorld:
    """The seeded users (as principals) and workflow ids."""

    today: date
    admin: Principal
    alice: Principal
    bob: Principal
    workflows: dict[str, int]


def noon(day: date) -> datetime:
    """12:00 UTC of `day`."""
    return datetime.combine(day, time(12), tzinfo=UTC)


def _user(session: Session, email: str, role: Role) -> Principal:
    now = utc_now()
    user = User(
        email=email,
        name=email.partition("@")[0].title(),
        password_hash=password_hash(),
        role=role.value,
        created_at=now,
        updated_at=now,
    )
    session.add(user)
    session.flush()
    assert user.id is not None
    return Principal(user_id=user.id, role=role, label=email, scopes=ROLE_SCOPES[role])


def _workflow(session: Session, name: str, owner: Principal, deleted: bool) -> int:
    now = utc_now()
    workflow = Workflow(
        name=name,
        owner_id=owner.user_id,
        definition={"schema": 1, "nodes": [], "edges": []},
        created_at=now,
        updated_at=now,
        deleted_at=now if deleted else None,
    )
    session.add(workflow)
    session.flush()
    assert workflow.id is not None
    return workflow.id


def _execution(
    session: Session, workflow_id: int, status: str, finished: datetime, duration_ms: int
) -> int:
    started = finished - timedelta(milliseconds=duration_ms)
    execution = Execution(
        workflow_id=workflow_id,
        workflow_name="seeded",
        definition={},
        status=status,
        trigger="manual",
        created_at=started,
        started_at=started,
        finished_at=finished,
    )
    session.add(execution)
    session.flush()
    assert execution.id is not None
    return execution.id


def _call(
    workflow_id: int | None,
    owner: Principal,
    version: int | None,
    provider: str,
    model: str,
    role: str | None,
    tokens: tuple[int, int, int],
    micros: int,
    at: datetime,
    execution_id: int | None = None,
) -> dict[str, Any]:
    return {
        "created_at": at,
        "execution_id": execution_id,
        "agent_role": role,
        "workflow_id": workflow_id,
        "version_number": version,
        "owner_id": owner.user_id,
        "provider": provider,
        "model": model,
        "deployment": f"{provider}/{model}",
        "input_tokens": tokens[0],
        "output_tokens": tokens[1],
        "cached_tokens": tokens[2],
        "cost_micros": micros,
        "priced": True,
        "is_mock": provider == "mock",
        "latency_ms": 100,
        "outcome": "ok",
        "is_fallback": False,
    }


def seed_costs(session: Session) -> CostWorld:
    """Write the table above (in `session`'s transaction) and rebuild the rollups."""
    today = utc_now().date()
    admin = _user(session, "admin@example.com", Role.OWNER)
    alice = _user(session, "alice@example.com", Role.EDITOR)
    bob = _user(session, "bob@example.com", Role.EDITOR)
    owners = {"Alpha": alice, "Beta": bob, "Gamma": bob, "Delta": alice, "Epsilon": bob}
    ids = {
        name: _workflow(session, name, owner, deleted=name in ("Delta", "Epsilon"))
        for name, owner in owners.items()
    }
    for name in ("Beta", "Epsilon"):
        session.add(
            WorkflowShare(
                workflow_id=ids[name],
                user_id=alice.user_id,
                permission="viewer",
                created_at=utc_now(),
            )
        )

    def ago(days: int, hours: int = 0) -> datetime:
        return noon(today - timedelta(days=days)) + timedelta(hours=hours)

    e1 = _execution(session, ids["Alpha"], "succeeded", ago(0, 1), 2000)
    e2 = _execution(session, ids["Alpha"], "failed", ago(3, 1), 1000)
    e3 = _execution(session, ids["Alpha"], "succeeded", ago(3, 2), 4000)
    e4 = _execution(session, ids["Gamma"], "succeeded", ago(0, 1), 500)
    _execution(session, ids["Beta"], "cancelled", ago(0, 1), 700)
    _execution(session, ids["Beta"], "failed", ago(0, 1), 300)
    alpha, beta, gamma = ids["Alpha"], ids["Beta"], ids["Gamma"]
    calls = [
        _call(alpha, alice, 1, "openai", "gpt-4", "agent", (1000, 500, 0), 60000, ago(0), e1),
        _call(alpha, alice, 2, "openai", "gpt-4", "agent", (2000, 100, 500), 66000, ago(3), e2),
        _call(
            alpha, alice, 2, "anthropic", "claude-3-haiku", "judge", (400, 100, 0), 225, ago(10), e3
        ),
        _call(
            beta, bob, 1, "anthropic", "claude-3-haiku", "researcher", (800, 200, 0), 450, ago(0)
        ),
        _call(beta, bob, 1, "mock", "mock-model", "agent", (10, 10, 0), 0, ago(3)),
        _call(
            gamma, bob, 1, "gemini", "gemini-1.5-pro", "agent", (1000, 1000, 0), 6250, ago(0), e4
        ),
        _call(
            ids["Delta"],
            alice,
            1,
            "openai",
            "gpt-3.5-turbo",
            "agent",
            (1000, 1000, 0),
            2000,
            ago(40),
        ),
        _call(ids["Epsilon"], bob, 1, "openai", "gpt-4", "agent", (100, 100, 0), 9000, ago(0)),
        _call(None, admin, None, "openai", "gpt-4", None, (10, 10, 0), 900, ago(0)),
    ]
    session.flush()
    connection = session.connection()
    connection.execute(insert(LLMCall.__table__), calls)  # type: ignore[attr-defined]
    REBUILD_ROLLUPS(connection)
    return CostWorld(today=today, admin=admin, alice=alice, bob=bob, workflows=ids)
