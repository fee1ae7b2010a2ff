"""Cache keys: what they depend on, and that they are the same in every process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from app.engine.cache_key import canonical_json, node_cache_key
from app.engine.nodes import default_registry
from app.engine.nodes.http_request import HttpRequestConfig
from app.engine.spec import NodeSpec

REPO_ROOT = Path(__file__).resolve().parents[2]
HTTP = default_registry().types["http_request"]
TRIGGER = default_registry().types["manual_trigger"]

KEY_SCRIPT = """
import json, sys
from app.engine.cache_key import node_cache_key
from app.engine.nodes import default_registry
from app.engine.nodes.http_request import HttpRequestConfig
from app.engine.spec import NodeSpec

node_doc, config, inputs = json.loads(sys.stdin.read())
inputs["tags"] = {"alpha", "beta", "gamma", "delta"}
http = default_registry().types["http_request"]
node = NodeSpec.model_validate(node_doc)
print(node_cache_key(node, http, HttpRequestConfig.model_validate(config), inputs))
"""


def key(
    config: dict[str, Any] | None = None,
    inputs: dict[str, Any] | None = None,
    pinned: Any = None,
) -> str:
    node = NodeSpec(id="h", type="http_request", pinned_output=pinned)
    parsed = HttpRequestConfig.model_validate(config or {"url": "https://example.com/a"})
    return node_cache_key(node, HTTP, parsed, inputs if inputs is not None else {"t": {"n": 1}})


def test_key_is_a_sha256_hex_digest_and_deterministic() -> None:
    first = key()
    assert len(first) == 64 and int(first, 16) >= 0
    assert key() == first


def test_key_changes_with_config_inputs_and_pinned_output() -> None:
    base = key()
    assert key(config={"url": "https://example.com/b"}) != base
    assert key(config={"url": "https://example.com/a", "method": "POST"}) != base
    assert key(inputs={"t": {"n": 2}}) != base
    assert key(inputs={"u": {"n": 1}}) != base
    assert key(pinned={"x": 1}) != base
    assert key(pinned={"x": 1}) != key(pinned={"x": 2})


def test_key_ignores_dict_order_but_not_input_order() -> None:
    assert key(inputs={"t": {"a": 1, "b": 2}}) == key(inputs={"t": {"b": 2, "a": 1}})
    assert key(inputs={"a": 1, "b": 2}) != key(inputs={"b": 2, "a": 1})


def test_explicit_defaults_give_the_same_key_as_omitted_ones() -> None:
    explicit = {"url": "https://example.com/a", "method": "GET", "headers": {}}
    assert key(config=explicit) == key()


def test_trigger_payload_counts_for_triggers_only() -> None:
    trigger = NodeSpec(id="t", type="manual_trigger")
    assert node_cache_key(trigger, TRIGGER, {}, {}, trigger={"n": 1}) != node_cache_key(
        trigger, TRIGGER, {}, {}, trigger={"n": 2}
    )
    node = NodeSpec(id="h", type="http_request")
    config = HttpRequestConfig(url="https://example.com")
    assert node_cache_key(node, HTTP, config, {}, trigger=1) == node_cache_key(
        node, HTTP, config, {}, trigger=2
    )


def test_canonical_json_encodes_non_json_values_deterministically() -> None:
    assert canonical_json({"s": {"b", "a"}}) == canonical_json({"s": {"a", "b"}})
    assert canonical_json({"b": b"\x01\xff"}) == '{"b":"01ff"}'
    assert canonical_json(HttpRequestConfig(url="https://x.org")) == canonical_json(
        HttpRequestConfig(url="https://x.org").model_dump(mode="json")
    )


def test_keys_are_the_same_in_other_processes() -> None:
    node_doc = {"id": "h", "type": "http_request", "pinned_output": None}
    config = {"url": "https://example.com/{x}", "headers": {"b": "2", "a": "1"}}
    inputs = {"t": {"z": [1, 2.5, None, True], "a": "é"}}
    here_inputs: dict[str, Any] = {**inputs, "tags": {"alpha", "beta", "gamma", "delta"}}
    here = node_cache_key(
        NodeSpec.model_validate(node_doc),
        HTTP,
        HttpRequestConfig.model_validate(config),
        here_inputs,
    )
    payload = json.dumps([node_doc, config, inputs])
    elsewhere = set()
    for seed in ("1", "2", "12345"):
        done = subprocess.run(
            [sys.executable, "-c", KEY_SCRIPT],
            input=payload,
            capture_output=True,
            text=True,
            cwd=REPO_ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
            check=True,
        )
        elsewhere.add(done.stdout.strip())
    assert elsewhere == {here}
