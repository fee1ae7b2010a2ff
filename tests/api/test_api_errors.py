"""Bad input never yields a 500: every error is a JSON 4xx saying what is wrong."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.documents import chain, node

HUGE_ID = "9" * 30
UNKNOWN_ID = 2_147_483_647


def assert_error(response: httpx.Response, status_code: int) -> dict[str, Any]:
    """The response is `status_code` with the `{"detail", "problems"}` JSON shape."""
    assert response.status_code == status_code, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["problems"], list)
    return body


async def test_malformed_json_body_is_a_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/workflows",
        content=b'{"name": "x", "definition": {',
        headers={"content-type": "application/json"},
    )
    body = assert_error(response, 400)
    assert body["problems"][0]["code"] == "json_invalid"


async def test_deeply_nested_json_body_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/workflows/validate",
        content=b"[" * 100_000 + b"]" * 100_000,
        headers={"content-type": "application/json"},
    )
    assert 400 <= response.status_code < 500
    assert "detail" in response.json()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": 12, "definition": {}}, "body.name"),
        ({"name": "x", "definition": []}, "body.definition"),
        ({"definition": {}}, "body.name"),
        ([1, 2, 3], "body"),
        ("just text", "body"),
    ],
)
async def test_wrong_types_list_the_offending_field(
    client: httpx.AsyncClient, body: Any, field: str
) -> None:
    body_out = assert_error(await client.post("/api/workflows", json=body), 422)
    assert any((p["field"] or "").startswith(field) for p in body_out["problems"]), body_out


async def test_invalid_definition_lists_problems_with_node_ids(client: httpx.AsyncClient) -> None:
    document = chain(node("start", "manual_trigger"), node("broken", "transform"))
    document["nodes"][1]["retries"] = "many"
    document["nodes"][1]["surprise"] = True
    response = await client.post("/api/workflows", json={"name": "x", "definition": document})
    body = assert_error(response, 422)
    assert body["problems"]
    assert "broken" in {p["node_id"] for p in body["problems"]}
    assert (await client.get("/api/workflows")).json()["total"] == 0


async def test_invalid_definition_on_update_is_refused_and_nothing_changes(
    client: httpx.AsyncClient, create_workflow: Any, greeting_definition: dict[str, Any]
) -> None:
    workflow = await create_workflow(greeting_definition)
    url = f"/api/workflows/{workflow['id']}"
    broken = {"schema": 1, "nodes": [{"id": "", "type": "manual_trigger"}], "edges": "nope"}
    assert_error(await client.put(url, json={"definition": broken}), 422)
    assert (await client.get(url)).json()["definition"]["nodes"] == workflow["definition"]["nodes"]


async def test_executing_a_workflow_with_graph_problems_is_a_422(
    client: httpx.AsyncClient, create_workflow: Any, cyclic_definition: dict[str, Any]
) -> None:
    workflow = await create_workflow(cyclic_definition)
    response = await client.post(f"/api/workflows/{workflow['id']}/execute", json={})
    body = assert_error(response, 422)
    assert any(p["code"] == "cycle" and p["node_id"] in {"a", "b"} for p in body["problems"])
    assert (await client.get("/api/executions")).json()["total"] == 0


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/workflows/{id}"),
        ("PUT", "/api/workflows/{id}"),
        ("PATCH", "/api/workflows/{id}"),
        ("DELETE", "/api/workflows/{id}"),
        ("POST", "/api/workflows/{id}/restore"),
        ("POST", "/api/workflows/{id}/duplicate"),
        ("POST", "/api/workflows/{id}/validate"),
        ("POST", "/api/workflows/{id}/execute"),
        ("GET", "/api/executions/{id}"),
        ("POST", "/api/executions/{id}/cancel"),
    ],
)
async def test_ids_unknown_huge_negative_or_not_numbers(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    body = {"name": "x"} if method in {"PUT", "PATCH"} else None
    unknown = await client.request(method, path.format(id=UNKNOWN_ID), json=body)
    assert_error(unknown, 404)
    for bad_id in (HUGE_ID, "-1", "0", "abc", "1.5"):
        assert_error(await client.request(method, path.format(id=bad_id), json=body), 422)


@pytest.mark.parametrize(
    "params",
    [
        {"offset": -1},
        {"limit": 0},
        {"limit": -5},
        {"limit": 100_000},
        {"offset": HUGE_ID},
        {"limit": "ten"},
    ],
)
@pytest.mark.parametrize("path", ["/api/workflows", "/api/executions"])
async def test_bad_pagination_is_a_422(
    client: httpx.AsyncClient, path: str, params: dict[str, Any]
) -> None:
    assert_error(await client.get(path, params=params), 422)


@pytest.mark.parametrize(
    "params",
    [{"status": "exploded"}, {"workflow_id": HUGE_ID}, {"workflow_id": "x"}],
)
async def test_bad_execution_filters_are_a_422(
    client: httpx.AsyncClient, params: dict[str, Any]
) -> None:
    assert_error(await client.get("/api/executions", params=params), 422)


async def test_overlong_search_is_a_422(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/api/workflows", params={"search": "x" * 1000}), 422)


async def test_search_with_wildcards_is_taken_literally(
    client: httpx.AsyncClient, create_workflow: Any
) -> None:
    await create_workflow(chain(node("t", "manual_trigger")), name="plain")
    for search in ("%", "_", "\\", "'; DROP TABLE workflow; --", "%FF", "caf\u00e9"):
        response = await client.get("/api/workflows", params={"search": search})
        assert response.status_code == 200, response.text
        assert response.json()["total"] == 0


async def test_nul_in_search_is_a_422(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/api/workflows", params={"search": "a\u0000"}), 422)
    assert_error(await client.get("/api/workflows?search=%00"), 422)


async def test_invalid_utf8_in_the_query_string_is_not_a_500(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/workflows?search=%FF%FE")
    assert response.status_code == 200, response.text
    assert response.json()["total"] == 0


@pytest.mark.parametrize(
    "body",
    [
        {"name": "nul\u0000name"},
        {"name": "ok", "description": "nul\u0000description"},
    ],
)
async def test_nul_characters_in_text_fields_are_a_422(
    client: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    document = chain(node("t", "manual_trigger"))
    response = await client.post("/api/workflows", json={**body, "definition": document})
    assert_error(response, 422)


async def test_nul_characters_in_json_values_do_not_cause_a_server_error(
    client: httpx.AsyncClient, create_workflow: Any, wait_for_execution: Any
) -> None:
    document = chain(node("t", "manual_trigger"), node("o", "output", value="a\u0000b"))
    document["nodes"][0]["name"] = "nul\u0000node"
    response = await client.post("/api/workflows", json={"name": "x", "definition": document})
    assert response.status_code < 500, response.text
    if response.status_code != 201:
        return
    workflow_id = response.json()["id"]
    started = await client.post(
        f"/api/workflows/{workflow_id}/execute", json={"input": {"text": "nul\u0000input"}}
    )
    assert started.status_code < 500, started.text
    if started.status_code == 202:
        detail = await wait_for_execution(started.json()["execution_id"])
        assert detail["status"] in {"succeeded", "failed"}


async def test_unknown_routes_and_methods_answer_json(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/api/nothing-here"), 404)
    assert_error(await client.post("/api/workflows/1/unknown-action"), 404)
    wrong_method = await client.delete("/api/executions")
    assert_error(wrong_method, 405)
    assert wrong_method.headers["allow"] == "GET"
    assert_error(await client.put("/api/executions/1/cancel"), 405)


@pytest.mark.parametrize(
    "body",
    [{"definition": "nope"}, {"definition": None}, {}, {"definition": {"nodes": 5}}],
)
async def test_validate_endpoint_never_fails_on_odd_documents(
    client: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    response = await client.post("/api/workflows/validate", json=body)
    assert response.status_code in {200, 422}, response.text
    if response.status_code == 200:
        assert response.json()["valid"] is False
        assert response.json()["problems"]


@pytest.mark.parametrize("constant", [b"NaN", b"Infinity", b"-Infinity"])
async def test_non_finite_numbers_are_not_json(client: httpx.AsyncClient, constant: bytes) -> None:
    document = b'{"schema": 1, "nodes": [{"id": "t", "type": "manual_trigger", "position": {"x": '
    body = b'{"name": "x", "definition": ' + document + constant + b', "y": 0}}]}}'
    response = await client.post(
        "/api/workflows", content=body, headers={"content-type": "application/json"}
    )
    problems = assert_error(response, 400)["problems"]
    assert constant.decode() in problems[0]["message"]
    assert (await client.get("/api/workflows")).json()["total"] == 0


def nested(depth: int) -> Any:
    """A JSON value `depth` objects deep."""
    value: Any = "leaf"
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/workflows", "create"),
        ("PUT", "/api/workflows/{id}", "update"),
        ("POST", "/api/workflows/validate", "validate"),
        ("POST", "/api/workflows/{id}/execute", "input"),
        ("POST", "/api/workflows/{id}/runs", "input"),
        ("POST", "/api/workflows/{id}/nodes/greet/pin", "output"),
    ],
)
async def test_deep_but_parseable_nesting_is_a_400_and_changes_nothing(
    client: httpx.AsyncClient,
    create_workflow: Any,
    greeting_definition: dict[str, Any],
    method: str,
    path: str,
    body: str,
) -> None:
    workflow = await create_workflow(greeting_definition)
    deep = nested(300)  # json parses it; the recursive code behind it used to overflow
    document = chain(node("t", "manual_trigger"), node("x", "transform", template="x", extra=deep))
    bodies = {
        "create": {"name": "deep", "definition": document},
        "update": {"definition": document},
        "validate": {"definition": document},
        "input": {"input": deep},
        "output": {"output": deep},
    }
    response = await client.request(method, path.format(id=workflow["id"]), json=bodies[body])
    problems = assert_error(response, 400)["problems"]
    assert "nested deeper than" in problems[0]["message"]
    assert (await client.get("/api/workflows")).json()["total"] == 1
    assert (await client.get("/api/executions")).json()["total"] == 0
    stored = (await client.get(f"/api/workflows/{workflow['id']}")).json()
    assert stored["definition"] == workflow["definition"]


async def test_ordinary_nesting_in_a_definition_is_still_accepted(
    client: httpx.AsyncClient, create_workflow: Any
) -> None:
    document = chain(
        node("t", "manual_trigger"), node("x", "transform", template="x", extra=nested(40))
    )
    workflow = await create_workflow(document)
    assert workflow["definition"]["nodes"][1]["config"]["extra"] == nested(40)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/workflows", b'{"name": "lone \\ud800", "definition": {"schema": 1}}'),
        (
            "/api/workflows",
            b'{"name": "x", "definition": {"schema": 1, "nodes": [{"id": "\\udc00", "type":'
            b' "manual_trigger"}], "edges": []}}',
        ),
        ("/api/workflows/validate", b'{"definition": {"schema": 1, "\\ud800": 1}}'),
        ("/api/workflows/{id}/execute", b'{"input": {"text": "\\udfff"}}'),
        ("/api/workflows/{id}/nodes/greet/pin", b'{"output": "\\ud83d"}'),
        (
            "/api/orchestrations",
            b'{"name": "\\ud800", "agents": [{"name": "a", "model": "mock/a"},'
            b' {"name": "b", "model": "mock/b"}]}',
        ),
    ],
    ids=["name", "node-id", "key", "input", "pin", "orchestration"],
)
async def test_lone_surrogates_are_a_400_and_change_nothing(
    client: httpx.AsyncClient,
    create_workflow: Any,
    greeting_definition: dict[str, Any],
    path: str,
    body: bytes,
) -> None:
    workflow = await create_workflow(greeting_definition)
    response = await client.post(
        path.format(id=workflow["id"]), content=body, headers={"content-type": "application/json"}
    )
    problems = assert_error(response, 400)["problems"]
    assert "surrogate" in problems[0]["message"]
    assert (await client.get("/api/workflows")).json()["total"] == 1
    assert (await client.get("/api/executions")).json()["total"] == 0
    stored = (await client.get(f"/api/workflows/{workflow['id']}")).json()
    assert stored["definition"] == workflow["definition"]


async def test_escaped_astral_characters_are_not_lone_surrogates(
    client: httpx.AsyncClient, create_workflow: Any
) -> None:
    document = b'{"schema": 1, "nodes": [{"id": "t", "type": "manual_trigger"}], "edges": []}'
    body = b'{"name": "smile \\ud83d\\ude00", "definition": ' + document + b"}"
    response = await client.post(
        "/api/workflows", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 201, response.text
    assert response.json()["name"] == "smile \U0001f600"
