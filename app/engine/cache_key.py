"""Cache keys of node runs: a stable hash of everything a node's output depends on.

The key is a SHA-256 over canonical JSON (sorted keys, no whitespace), so it is the same in
every process and on every machine; Python's `hash()` is never used (it is salted per
process for strings).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from app.engine.registry import NodeType
from app.engine.spec import NodeSpec

# Bumped when the key's inputs or encoding change, so old cache entries stop matching.
CACHE_KEY_VERSION = 1


def canonical_json(value: Any) -> str:
    """JSON text that is equal for equal values, whatever their dict order.

    Values JSON cannot hold are encoded deterministically: pydantic models by their JSON
    dump, dataclasses as dicts, sets as sorted lists, bytes as hex, anything else by `str`
    (an object whose `str` varies per process merely never matches: a miss, not a wrong hit).
    """
    return json.dumps(
        value,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=True,
        default=_encode_other,
    )


def _encode_other(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", fallback=_encode_other)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, set | frozenset):
        return sorted(canonical_json(item) for item in value)
    if isinstance(value, bytes | bytearray):
        return value.hex()
    return str(value)


def node_cache_key(
    node: NodeSpec,
    node_type: NodeType,
    resolved_config: BaseModel | Mapping[str, Any] | None,
    inputs: Mapping[str, Any],
    *,
    trigger: Any = None,
) -> str:
    """The cache key of one node run.

    Args:
        node: the node (its pinned output is part of the key).
        node_type: its registered type.
        resolved_config: the config after expression rendering (a parsed config model, or
            a raw dict); None when it could not be resolved.
        inputs: live upstream outputs keyed by upstream node id.
        trigger: the run's trigger payload; it counts only for trigger nodes, whose output
            it is (other nodes see it through their inputs or their rendered config).

    Returns:
        64 hex characters.
    """
    material = {
        "v": CACHE_KEY_VERSION,
        "type": node_type.type,
        "config": resolved_config,
        # Pairs, not an object: input order matters (the primary input, merge order).
        "inputs": [[source, value] for source, value in inputs.items()],
        "pinned": node.pinned_output,
        "trigger": trigger if node_type.is_trigger else None,
    }
    return hashlib.sha256(canonical_json(material).encode()).hexdigest()
