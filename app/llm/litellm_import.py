"""Lazy, offline-safe import of LiteLLM (the only place in the app that imports it)."""

from __future__ import annotations

import functools
import os
from typing import Any


@functools.cache
def load_litellm() -> Any:
    """Imports and configures LiteLLM once, on first use (the import takes seconds).

    The local price map is forced so the import never waits on the network, and LiteLLM's
    own retries, debug output and telemetry are switched off: fallback is ours.

    Returns:
        The `litellm` module.
    """
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.suppress_debug_info = True
    litellm.telemetry = False
    litellm.num_retries = 0
    litellm.drop_params = True
    return litellm
