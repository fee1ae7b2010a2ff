"""Limits on a node's output, checked when the node produces it, before anything stores it.

Policy: an output that breaks a limit is **refused**: the attempt fails with an error that
names the limit, so the node's on-error policy (stop, continue, error output) applies and
nothing half-written or silently changed is stored. Refused are outputs

- nested deeper than `MAX_JSON_DEPTH` (64) levels of objects and arrays,
- larger than `max_bytes` once serialised as JSON (default 1 MB, the expression size
  limit; `FLOWBOOK_MAX_OUTPUT_BYTES` changes it),
- holding integers outside the 64-bit range, lone surrogates, keys that are not strings
  or values that are not JSON (sets, objects...).

NaN and ±Infinity are not refused: they become null, as they always have (an HTTP API that
answers `NaN` still works).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from app.engine.json_shape import json_flaw, null_non_finite

MAX_OUTPUT_BYTES_ENV = "FLOWBOOK_MAX_OUTPUT_BYTES"
DEFAULT_MAX_OUTPUT_BYTES = 1_000_000


class OutputRefused(ValueError):
    """A node output breaks a limit; the message says which."""


@dataclass(frozen=True)
class OutputLimits:
    """How large a node output may be.

    Attributes:
        max_bytes: the largest output, in bytes of its UTF-8 JSON text.
    """

    max_bytes: int = DEFAULT_MAX_OUTPUT_BYTES


def configured_output_limits() -> OutputLimits:
    """The limits from the environment (`FLOWBOOK_MAX_OUTPUT_BYTES`), else the defaults."""
    raw = os.environ.get(MAX_OUTPUT_BYTES_ENV, "").strip()
    return OutputLimits(max_bytes=int(raw)) if raw else OutputLimits()


def checked_output(value: Any, limits: OutputLimits | None = None) -> Any:
    """The node output as it will be stored: NaN and ±Infinity become None (JSON has no
    such numbers; this is what the node's output shows), everything else is kept.

    Args:
        value: what a node returned.
        limits: the size limit; None reads `configured_output_limits()`.

    Raises:
        OutputRefused: the output is too deep, too large or not JSON; the message names
            the limit.
    """
    value = null_non_finite(value)
    flaw = json_flaw(value)
    if flaw is not None:
        raise OutputRefused(f"output refused: {flaw}")
    max_bytes = (limits or configured_output_limits()).max_bytes
    size = len(json.dumps(value, ensure_ascii=False, allow_nan=False).encode())
    if size > max_bytes:
        raise OutputRefused(
            f"output refused: {size} bytes as JSON, more than the {max_bytes} allowed"
        )
    return value
