"""The OpenAPI document states what request bodies really accept.

- `definition` of a workflow create/update is a workflow document (`WorkflowDocument`). The
  request models keep it a plain object so that a malformed document is answered with every
  problem tied to its node or edge (422 `problems`), not pydantic's errors.
- Wherever a request takes arbitrary JSON (trigger payloads, pinned outputs, node configs),
  it is strict JSON (`JSONValue`): numbers within ±2**63, as `app.api.strict_json` enforces.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI

from app.engine.spec import WorkflowSpec

COMPONENTS = "#/components/schemas/"
DOCUMENT_REF = f"{COMPONENTS}WorkflowDocument"
JSON_VALUE_REF = f"{COMPONENTS}JSONValue"
# Request schemas whose `definition` must be a workflow document, and whether it may be
# null. (`POST /api/workflows/validate` takes any object: it reports what is wrong.)
_TAKES_A_DOCUMENT = {"WorkflowCreate": False, "WorkflowUpdate": True}
_TYPING_KEYS = {"type", "$ref", "anyOf", "oneOf", "allOf", "enum", "const", "properties", "items"}

# What the strict parser takes, as JSON Schema bounds: an integer literal must fit 64 bits
# (a float may reach ±2**63, but one bound for both keeps generated examples honest).
NUMBER_MIN, NUMBER_MAX = -(2**63), 2**63 - 1

JSON_VALUE: dict[str, Any] = {
    "description": "Strict JSON: numbers within ±2**63 (integers exact 64-bit values).",
    "anyOf": [
        {"type": "null"},
        {"type": "boolean"},
        {"type": "string"},
        {"type": "number", "minimum": NUMBER_MIN, "maximum": NUMBER_MAX},
        {"type": "array", "items": {"$ref": JSON_VALUE_REF}},
        {"type": "object", "additionalProperties": {"$ref": JSON_VALUE_REF}},
    ],
}


def _add_workflow_document(components: dict[str, Any]) -> None:
    document = WorkflowSpec.model_json_schema(by_alias=True, ref_template=COMPONENTS + "{model}")
    components.update(document.pop("$defs", {}))
    components["WorkflowDocument"] = document
    for name, nullable in _TAKES_A_DOCUMENT.items():
        properties = components.get(name, {}).get("properties", {})
        if "definition" not in properties:
            continue
        described = {"description": properties["definition"].get("description", "")}
        ref: dict[str, Any] = {"$ref": DOCUMENT_REF}
        properties["definition"] = (
            {"anyOf": [ref, {"type": "null"}], **described} if nullable else {**ref, **described}
        )


def _schemas(schema: Any) -> Iterator[dict[str, Any]]:
    """Every schema object nested in `schema` (itself included)."""
    stack = [schema]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _request_components(schema: dict[str, Any]) -> set[str]:
    """Names of the component schemas request bodies use, directly or through others."""
    components = schema["components"]["schemas"]
    bodies = [
        operation.get("requestBody", {})
        for operations in schema["paths"].values()
        for operation in operations.values()
    ]
    pending = [item["$ref"] for body in bodies for item in _schemas(body) if "$ref" in item]
    names: set[str] = set()
    while pending:
        name = pending.pop().removeprefix(COMPONENTS)
        if name not in names and name in components:
            names.add(name)
            pending.extend(item["$ref"] for item in _schemas(components[name]) if "$ref" in item)
    return names


def _strict_json_values(schema: dict[str, Any]) -> None:
    components = schema["components"]["schemas"]
    for name in _request_components(schema) - {"JSONValue"}:
        for item in list(_schemas(components[name])):
            # Extra fields are ignored, but they are parsed: strict JSON too.
            extra = item.get("additionalProperties", "properties" in item)
            if extra is True:
                item["additionalProperties"] = {"$ref": JSON_VALUE_REF}
        for properties in [
            s["properties"] for s in _schemas(components[name]) if "properties" in s
        ]:
            for field in properties.values():
                _mark_any(field)
        for item in list(_schemas(components[name])):
            # Every number of a body is within the strict-JSON range, bounded or not.
            # ("type" may also be a property named so; pydantic writes a nullable number as
            # ["number", "null"].)
            types = item.get("type")
            named = types if isinstance(types, list) else [types] if isinstance(types, str) else []
            if {"integer", "number"} & set(named):
                item.setdefault("minimum", NUMBER_MIN)
                item.setdefault("maximum", NUMBER_MAX)


def _mark_any(field: dict[str, Any]) -> None:
    branches = field.get("anyOf", [field])
    for branch in branches:
        if not _TYPING_KEYS & branch.keys():
            branch["$ref"] = JSON_VALUE_REF
        elif isinstance(branch.get("items"), dict):  # a list of anything: list[Any]
            _mark_any(branch["items"])


def install_openapi_refinements(api: FastAPI) -> None:
    """Make `api.openapi()` state the workflow document and strict-JSON constraints."""
    generate = api.openapi

    def openapi() -> dict[str, Any]:
        if api.openapi_schema is None:
            schema = generate()
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            _add_workflow_document(components)
            components["JSONValue"] = JSON_VALUE
            _strict_json_values(schema)
        assert api.openapi_schema is not None
        return api.openapi_schema

    api.openapi = openapi  # type: ignore[method-assign]
