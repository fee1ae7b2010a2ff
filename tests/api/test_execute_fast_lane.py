"""`POST /api/workflows/{id}/execute` answered by the fast lane: a plain request gets the
route's answer without the framework, every other request goes on to the route and gets
its answer, and nothing is started twice."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import select

from app.api import execute_fast_lane
from app.models.account import Role, User
from app.services.api_keys import create_api_key
from app.services.execution_store import EXECUTIONS
from app.services.principal import principal_of
from app.services.unit_of_work import session_scope


@pytest.fixture
def fast_answers(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The statuses the fast lane answered with."""
    answered: list[int] = []
    send_json = execute_fast_lane._send_json

    async def spy(send: Any, status: int, body: bytes) -> None:
        answered.append(status)
        await send_json(send, status, body)

    monkeypatch.setattr(execute_fast_lane, "_send_json", spy)
    return answered


def owner_key_with(scopes: tuple[str, ...]) -> str:
    """Another API key of the instance's owner, with only `scopes`."""
    with session_scope() as session:
        owner = session.exec(select(User).where(User.role == Role.OWNER.value)).one()
        _, key = create_api_key(
            session, principal=principal_of(owner), name="narrow", scopes=list(scopes)
        )
    return key


def executions_count() -> int:
    with session_scope(read_only=True) as session:
        return int(
            session.connection().execute(select(func.count()).select_from(EXECUTIONS)).scalar_one()
        )


async def test_a_plain_request_gets_the_routes_answer_from_the_fast_lane(
    client: httpx.AsyncClient,
    create_workflow: Any,
    wait_for_execution: Any,
    greeting_definition: dict[str, Any],
    fast_answers: list[int],
) -> None:
    workflow = await create_workflow(greeting_definition)  # the key is verified (and kept)
    url = f"/api/workflows/{workflow['id']}/execute"

    fast = await client.post(url, json={"input": {"name": "Ada"}})
    # Over the fast lane's body size: the route answers.
    routed = await client.post(url, json={"input": {"name": "Bo", "pad": "x" * 70_000}})

    assert fast_answers == [202]
    for response in (fast, routed):
        assert response.status_code == 202, response.text
        assert response.headers["content-type"] == "application/json"
        assert set(response.json()) == {"execution_id", "workflow_id", "status"}
        assert response.json()["workflow_id"] == workflow["id"]
    assert fast.json()["status"] == "running"
    done = await wait_for_execution(fast.json()["execution_id"])
    assert done["status"] == "succeeded" and "Hello Ada" in str(done["output"])
    assert (await wait_for_execution(routed.json()["execution_id"]))["status"] == "succeeded"


@pytest.mark.parametrize(
    ("body", "expected_status"),
    [
        ({"input": 1, "extra": True}, 422),  # ExecuteRequest forbids other fields
        (b'{"input": NaN}', 400),  # strict JSON refuses NaN
        (b'{"input": 1e999}', 400),  # and numbers that overflow
        (None, 202),  # no body: the route runs it with no input
    ],
)
async def test_unusual_bodies_get_the_routes_answer(
    client: httpx.AsyncClient,
    create_workflow: Any,
    greeting_definition: dict[str, Any],
    fast_answers: list[int],
    body: Any,
    expected_status: int,
) -> None:
    workflow = await create_workflow(greeting_definition)
    url = f"/api/workflows/{workflow['id']}/execute"
    if isinstance(body, bytes):
        response = await client.post(
            url, content=body, headers={"content-type": "application/json"}
        )
    else:
        response = await client.post(url, json=body)
    assert response.status_code == expected_status, response.text
    assert fast_answers == []


async def test_callers_and_workflows_the_fast_lane_cannot_serve_get_the_routes_answer(
    client: httpx.AsyncClient,
    anonymous_client: httpx.AsyncClient,
    create_workflow: Any,
    greeting_definition: dict[str, Any],
    fast_answers: list[int],
) -> None:
    workflow = await create_workflow(greeting_definition)
    url = f"/api/workflows/{workflow['id']}/execute"
    reader = owner_key_with(("workflows:read",))  # may run the workflow, but not this key
    await client.get("/api/workflows")
    before = executions_count()
    headers = {"Authorization": f"Bearer {reader}"}
    await anonymous_client.get("/api/workflows", headers=headers)  # verified and kept

    missing = await client.post("/api/workflows/999999/execute", json={"input": 1})
    no_scope = await anonymous_client.post(url, json={"input": 1}, headers=headers)
    no_key = await anonymous_client.post(url, json={"input": 1}, headers={"Authorization": ""})

    assert (missing.status_code, missing.json()["detail"]) == (404, "Workflow 999999 not found")
    assert no_scope.status_code == 403 and "executions:run" in no_scope.json()["detail"]
    assert no_key.status_code == 401
    assert fast_answers == []
    assert executions_count() == before
