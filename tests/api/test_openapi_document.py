"""The OpenAPI document states what the API enforces, and the API answers what it states:
400/413/422 documented, empty names and model-map groups refused as `minLength`/`minItems`
say, strict booleans, 405 with a correct `Allow`."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.api.main import create_api
from tests.api.test_api_errors import assert_error


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return create_api().openapi()


def request_schema(document: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    content = document["paths"][path][method]["requestBody"]["content"]
    ref = content["application/json"]["schema"].get("$ref") or next(
        s["$ref"] for s in content["application/json"]["schema"]["anyOf"] if "$ref" in s
    )
    return document["components"]["schemas"][ref.rsplit("/", 1)[1]]


def test_every_operation_documents_400_413_and_422(document: dict[str, Any]) -> None:
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            takes_input = "parameters" in operation or "requestBody" in operation
            for code in ("400", "413", *(["422"] if takes_input else [])):
                assert code in operation["responses"], (method, path, code)


def test_the_constraints_enforced_are_in_the_schemas(document: dict[str, Any]) -> None:
    name = request_schema(document, "/api/workflows", "post")["properties"]["name"]
    assert name["minLength"] == 1 and name["maxLength"] == 200 and "pattern" in name
    groups = request_schema(document, "/api/llm/model-map", "put")["properties"]["groups"]
    assert groups["additionalProperties"]["minItems"] == 1
    assert groups["propertyNames"]["minLength"] == 1
    enabled = request_schema(document, "/api/llm/providers/{provider}", "put")["properties"][
        "enabled"
    ]
    assert {"type": "boolean"} in enabled["anyOf"]
    node = document["components"]["schemas"]["NodeSpec"]["properties"]
    assert node["id"]["pattern"] == "^[^\\x00]*$"
    definition = request_schema(document, "/api/workflows", "post")["properties"]["definition"]
    assert definition["$ref"].endswith("/WorkflowDocument")


@pytest.mark.parametrize("name", ["", "   ", "\u3000"])
async def test_empty_names_are_refused(client: httpx.AsyncClient, name: str) -> None:
    assert_error(await client.post("/api/workflows", json={"name": name}), 422)


async def test_empty_model_map_groups_are_refused(client: httpx.AsyncClient) -> None:
    for groups in ({"x": []}, {" x": ["gpt-4o"]}, {"x": ["gpt-4o "]}, {"": ["gpt-4o"]}):
        assert_error(await client.put("/api/llm/model-map", json={"groups": groups}), 422)


@pytest.mark.parametrize("value", [0, 1, "true", "false", None])
async def test_booleans_are_strict(client: httpx.AsyncClient, value: Any) -> None:
    response = await client.put("/api/llm/providers/openai", json={"enabled": value})
    if value is None:
        assert response.status_code == 200, response.text
        return
    body = assert_error(response, 422)
    assert body["problems"][0]["field"] == "body.enabled"
    assert (await client.get("/api/llm/providers")).json()[0]["enabled"] is True
    runs = await client.post("/api/workflows/1/runs", json={"auto": value})
    assert_error(runs, 422)


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/api/workflows/validate", "POST"),
        ("GET", "/api/workflows/validate", "POST"),
        ("OPTIONS", "/api/workflows/validate", "POST"),
        ("DELETE", "/api/workflows", "GET, POST"),
        ("POST", "/api/executions/1", "GET"),
        ("PATCH", "/api/health", "GET"),
    ],
)
async def test_unsupported_methods_answer_405_with_the_allowed_ones(
    client: httpx.AsyncClient, method: str, path: str, allow: str
) -> None:
    response = await client.request(method, path, json={"definition": {}})
    assert_error(response, 405)
    assert response.headers["allow"] == allow
