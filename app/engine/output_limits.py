"""Limits on a node's output, checked when the node produces it, before anything stores it.

Policy: an output that breaks a limit is **refused**: the attempt fails with an error that
names the limit, so the node's on-error policy (stop, continue, error output) applies and
nothing half-written or silently changed is stored. Refused are outputs

- nested deeper than `MAX_JSON_DEPTH` (64) levels of objects and arrays,
- larger than `max_bytes` once serialised as JSON (default 1 MB, the expression size
  limit; `FLOWBOOK_MAX_OUTPUT_BYTES` changes it),
- holding lone surrogates or values that are not JSON (sets, objects...); keys become
  strings, as JSON makes them,
- an integer outside the 64-bit range on its own (inside an object or array it is kept
  exactly: both databases store it as JSON text).

NaN and ±Infinity are not refused: they become null, as they always have (an HTTP API that
answers `NaN` still works).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from app.engine.json_shape import MAX_JSON_DEPTH, MAX_JSON_INT, json_text_flaw, null_non_finite

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
    if isinstance(value, int) and not -MAX_JSON_INT - 1 <= value <= MAX_JSON_INT:
        # Nested in an object or array it is stored as text and stays exact; alone, SQLite
        # would store it as a lossy float.
        raise OutputRefused("output refused: an integer outside the 64-bit range on its own")
    text, value = _serialised(value)
    max_bytes = (limits or configured_output_limits()).max_bytes
    size = len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise OutputRefused(
            f"output refused: {size} bytes as JSON, more than the {max_bytes} allowed"
        )
    flaw = json_text_flaw(text)
    if flaw is not None:
        raise OutputRefused(f"output refused: {flaw}")
    return value


def _serialised(value: Any) -> tuple[str, Any]:
    """The output's JSON text, and the output with non-finite numbers made None."""
    try:
        return _dumps(value), value
    except ValueError as exc:
        if "Circular reference" in str(exc):
            raise OutputRefused("output refused: it refers to itself") from None
        finite = null_non_finite(value)  # the only other ValueError: NaN or ±Infinity
        return _dumps(finite), finite
    except TypeError as exc:  # "Object of type set is not JSON serializable", ...
        raise OutputRefused(f"output refused: {exc}") from None
    except RecursionError:
        raise OutputRefused(f"output refused: nested deeper than {MAX_JSON_DEPTH} levels") from None


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False)
