"""`/api/budgets` on SQLite and PostgreSQL: set, list with this month's spend, delete; bad
limits answer 422, the overall budget is the owner's and admins'; runs and webhook calls over
an enforced budget answer 409 with the budget, its limit and the spend."""

from __future__ import annotations

from typing import Any

import httpx

from app.models.account import Role
from app.models.webhook import SignatureMode
from tests.api.test_hooks_api import calls, executions, make_hook
from tests.budget_records import add_spend
from tests.credentials import user_with_key
from tests.documents import greeting


async def test_set_list_and_delete_a_budget(
    client: httpx.AsyncClient, create_workflow: Any
) -> None:
    workflow = await create_workflow(greeting(), name="Summaries")
    put = await client.put(
        "/api/budgets",
        json={"workflow_id": workflow["id"], "monthly_limit_usd": "10", "enforce": False},
    )
    assert put.status_code == 200, put.text
    add_spend(workflow["id"], 8_000_000)

    listed = await client.get("/api/budgets", params={"workflow_id": workflow["id"]})

    assert listed.status_code == 200
    (budget,) = listed.json()
    assert {k: budget[k] for k in ("name", "limit_usd", "spent_usd", "remaining_micros")} == {
        "name": "Summaries",
        "limit_usd": "$10.00",
        "spent_usd": "$8.00",
        "remaining_micros": 2_000_000,
    }
    assert (budget["level"], budget["enforce"], budget["may_change"]) == ("warning", False, True)
    deleted = await client.delete(f"/api/budgets/{budget['id']}")
    assert deleted.status_code == 204
    assert (await client.get("/api/budgets")).json() == []
    again = await client.delete(f"/api/budgets/{budget['id']}")
    assert again.status_code == 404


async def test_a_bad_limit_is_422_and_the_overall_budget_is_for_admins(
    client: httpx.AsyncClient, anonymous_client: httpx.AsyncClient
) -> None:
    bad = await client.put("/api/budgets", json={"monthly_limit_usd": "0"})
    assert bad.status_code == 422
    assert "more than $0" in bad.text
    key = user_with_key("bob@example.com", Role.EDITOR, ("workflows:read", "workflows:write"))
    refused = await anonymous_client.put(
        "/api/budgets",
        json={"monthly_limit_usd": "5"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Only the owner and admins can change the overall budget"


async def test_a_run_over_an_enforced_budget_is_409_with_the_reason(
    client: httpx.AsyncClient, create_workflow: Any
) -> None:
    workflow = await create_workflow(greeting(), name="Summaries")
    await client.put(
        "/api/budgets",
        json={"workflow_id": workflow["id"], "monthly_limit_usd": "2.50", "enforce": True},
    )
    add_spend(workflow["id"], 2_600_000)

    refused = await client.post(f"/api/workflows/{workflow['id']}/execute", json={})

    assert refused.status_code == 409
    assert refused.json()["detail"].startswith(
        "Run refused: the monthly budget of “Summaries” is used up ($2.60 spent of its "
        "$2.50 limit this month, enforced)."
    )
    assert executions(workflow["id"]) == 0


async def test_a_webhook_call_over_an_enforced_budget_is_409_in_the_call_log(
    client: httpx.AsyncClient, create_workflow: Any
) -> None:
    workflow = await create_workflow(greeting(), name="Summaries")
    await client.put("/api/budgets", json={"monthly_limit_usd": "1", "enforce": True})
    add_spend(None, 1_000_000)
    hook = make_hook(workflow["id"], SignatureMode.NONE)

    answer = await client.post(f"/api/hooks/{hook[0]}", json={"name": "Ada"})

    assert answer.status_code == 409
    assert "the overall monthly budget is used up ($1.00 spent" in answer.json()["detail"]
    (logged,) = calls(hook[0])
    assert logged.status_code == 409 and logged.execution_id is None
    assert logged.reason is not None and "overall monthly budget" in logged.reason
    assert executions(workflow["id"]) == 0
