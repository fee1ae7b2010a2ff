"""The default registry: every built-in type, described well enough to drive the UI."""

from __future__ import annotations

import json

import pytest

from app.engine.nodes import default_registry
from app.engine.registry import NodeType

EXPECTED_TYPES = {
    "manual_trigger",
    "webhook_trigger",
    "schedule_trigger",
    "http_request",
    "transform",
    "condition",
    "merge",
    "delay",
    "noop",
    "set_variables",
    "output",
    "agent",
    "orchestration",
}


def test_all_built_in_types_are_registered_once() -> None:
    registry = default_registry()
    assert registry is default_registry()
    assert set(registry.types) == EXPECTED_TYPES


@pytest.mark.parametrize("type_id", sorted(EXPECTED_TYPES))
def test_every_type_is_described(type_id: str) -> None:
    node_type = default_registry().get(type_id)
    assert isinstance(node_type, NodeType)
    assert node_type.label and node_type.description and node_type.icon != "box"
    for name, field in node_type.config_model.model_fields.items():
        assert field.title, f"{type_id}.{name} has no title"
        assert field.description, f"{type_id}.{name} has no description"


def test_catalogue_is_json_ready() -> None:
    catalogue = default_registry().describe()
    assert json.loads(json.dumps(catalogue)) == catalogue
    by_type = {entry["type"]: entry for entry in catalogue}
    assert by_type["condition"]["outputs"] is None
    assert by_type["http_request"]["config_schema"]["required"] == ["url"]


def test_triggers_that_nothing_fires_yet_say_so_in_the_catalogue() -> None:
    by_type = {entry["type"]: entry for entry in default_registry().describe()}
    for entry in by_type.values():
        assert entry["available"] is (entry["not_yet_available"] is None)
    for type_id in ("manual_trigger", "webhook_trigger", "schedule_trigger"):
        assert by_type[type_id]["available"] is True
