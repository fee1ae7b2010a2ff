"""The inspector form: fields generated from a node type's config JSON schema, and back."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

CODE_FIELDS = frozenset({"template", "prompt", "system_prompt", "body", "condition", "value"})
TEXTAREA_MIN_LENGTH = 5000


@dataclass
class KeyValue:
    """One row of a key-value field."""

    key: str
    value: str


@dataclass
class FieldView:
    """One input of the inspector form.

    Attributes:
        name: the config key.
        title: the label.
        description: help text under the input.
        kind: text, textarea, code, number, integer, select, toggle, json or kv.
        value: the value as text (for text-like inputs and selects).
        checked: the value of a toggle.
        options: a select's choices.
        error: the validation message for this field ("" when fine).
        required: the field has no default.
        rows: a key-value field's rows.
        placeholder: an example shown in an empty JSON field.
    """

    name: str
    title: str
    description: str
    kind: str
    value: str = ""
    checked: bool = False
    options: list[str] = field(default_factory=list)
    error: str = ""
    required: bool = False
    rows: list[KeyValue] = field(default_factory=list)
    placeholder: str = ""


def _unwrap(prop: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in prop:
        prop = {**defs.get(prop["$ref"].rsplit("/", 1)[-1], {}), **prop}
    variants = [v for v in prop.get("anyOf", []) if v.get("type") != "null"]
    if len(variants) == 1:
        return {**prop, **variants[0]}
    return prop


def field_kind(name: str, prop: dict[str, Any]) -> str:
    """Which input a schema property gets."""
    kind = prop.get("type")
    if "enum" in prop:
        return "select"
    if kind == "boolean":
        return "toggle"
    if kind in ("integer", "number"):
        return str(kind)
    if kind == "object" and not prop.get("properties") and prop.get("additionalProperties", True):
        return "kv"
    if kind == "string":
        long_text = prop.get("maxLength", 0) >= TEXTAREA_MIN_LENGTH
        return "code" if name in CODE_FIELDS else ("textarea" if long_text else "text")
    if kind is None and name in CODE_FIELDS:
        return "code"
    return "json"


def json_example(prop: dict[str, Any], defs: dict[str, Any]) -> str:
    """A one-line example of a JSON field's shape (its items' required and default keys)."""
    if prop.get("type") != "array":
        return ""
    items = _unwrap(prop.get("items", {}), defs)
    if items.get("type") == "string":
        return '["…"]'
    if items.get("type") != "object":
        return "[…]"
    required = set(items.get("required", []))
    example = {
        name: item.get("default") if name not in required else "…"
        for name, item in items.get("properties", {}).items()
        if name in required or (isinstance(item.get("default"), str) and item.get("default"))
    }
    return json.dumps([example], ensure_ascii=False)


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, indent=2, ensure_ascii=False)


def build_fields(
    schema: dict[str, Any], config: dict[str, Any], errors: dict[str, str]
) -> list[FieldView]:
    """The form fields of a config schema, filled from the node's config.

    Args:
        schema: the config model's JSON schema.
        config: the node's raw config (missing keys show their default).
        errors: field name -> validation message.
    """
    defs = schema.get("$defs", {})
    required = set(schema.get("required", []))
    views = []
    for name, raw_prop in schema.get("properties", {}).items():
        prop = _unwrap(raw_prop, defs)
        kind = field_kind(name, prop)
        value = config.get(name, prop.get("default"))
        view = FieldView(
            name=name,
            title=str(prop.get("title") or name),
            description=str(prop.get("description") or ""),
            kind=kind,
            value=_as_text(value),
            checked=bool(value) if kind == "toggle" else False,
            options=[str(o) for o in prop.get("enum", [])],
            error=errors.get(name, ""),
            required=name in required,
        )
        if kind == "json":
            view.placeholder = json_example(prop, defs)
        if kind == "kv" and isinstance(value, dict):
            view.rows = [KeyValue(str(k), _as_text(v)) for k, v in value.items()]
        views.append(view)
    return views


def parse_field(kind: str, text: str) -> tuple[Any, bool]:
    """The config value typed into a field, and whether to drop the key (use the default).

    Text that does not parse (a number field holding "abc", broken JSON) is kept as text,
    so validation reports it at the field instead of the edit being lost.
    """
    stripped = text.strip()
    if kind in ("number", "integer"):
        if not stripped:
            return None, True
        try:
            number = float(stripped)
        except ValueError:
            return text, False
        if kind == "integer" and number.is_integer():
            return int(number), False
        return number, False
    if kind == "json":
        if not stripped:
            return None, True
        try:
            return json.loads(stripped), False
        except json.JSONDecodeError:
            return text, False
    if kind == "code" and stripped[:1] in ("{", "["):
        try:
            return json.loads(stripped), False
        except json.JSONDecodeError:
            return text, False
    return text, False


def rows_to_dict(rows: list[KeyValue]) -> dict[str, str]:
    """A key-value field's rows as a dict (rows without a key are left out)."""
    return {row.key.strip(): row.value for row in rows if row.key.strip()}
