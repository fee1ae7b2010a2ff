"""LiteLLM's local price map as exact integer prices, read from the file LiteLLM ships.

The JSON file is read directly (not through `import litellm`, which takes seconds), so the
start-up load of `provider_pricing` stays fast. Only the providers Flowbook calls through
LiteLLM are kept, and only token-priced models (chat, completion, responses, embedding).
"""

from __future__ import annotations

import importlib.util
import json
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from app.llm.cost import LITELLM_PROVIDERS, MicroPrice

PRICE_MAP_FILE = "model_prices_and_context_window_backup.json"
TOKEN_MODES = frozenset({"chat", "completion", "responses", "embedding"})
# USD per token -> micro-dollars per million tokens.
_USD_PER_TOKEN_TO_MICROS_PER_MTOK = Decimal(10) ** 12


def price_map_path() -> Path | None:
    """Where LiteLLM's local price map is, without importing LiteLLM (None: not installed)."""
    spec = importlib.util.find_spec("litellm")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / PRICE_MAP_FILE
    return path if path.is_file() else None


def usd_per_token_to_micros(value: Any) -> int | None:
    """An exact micro-dollars-per-million-tokens price from LiteLLM's USD-per-token float.

    The float's shortest decimal form (`repr`) is scaled in decimal arithmetic, so 2.5e-06
    becomes 2,500,000 exactly; anything left below a micro-dollar is rounded half up.

    Returns:
        The price, or None when the value is missing, not a number or negative.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        amount = Decimal(repr(value) if isinstance(value, float) else str(value))
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount < 0:
        return None
    scaled = amount * _USD_PER_TOKEN_TO_MICROS_PER_MTOK
    return int(scaled.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _entry_price(entry: dict[str, Any]) -> MicroPrice | None:
    if entry.get("mode", "chat") not in TOKEN_MODES:
        return None
    input_price = usd_per_token_to_micros(entry.get("input_cost_per_token"))
    if input_price is None:
        return None
    output_price = usd_per_token_to_micros(entry.get("output_cost_per_token", 0))
    cached = entry.get("cache_read_input_token_cost")
    return MicroPrice(
        input=input_price,
        output=output_price or 0,
        cached=None if cached is None else usd_per_token_to_micros(cached),
    )


def parse_price_map(document: dict[str, Any]) -> dict[tuple[str, str], MicroPrice]:
    """The token prices of Flowbook's LiteLLM providers in a price map document.

    Keys are (provider, model) with the model as Flowbook's deployments name it: without a
    "provider/" prefix. When a model is listed with and without the prefix, the bare entry
    wins (it is the one LiteLLM's own lookup finds first).

    Args:
        document: the parsed JSON of LiteLLM's price map.

    Returns:
        A price per (provider, model).
    """
    providers = {p.value for p in LITELLM_PROVIDERS}
    prices: dict[tuple[str, str], MicroPrice] = {}
    prefixed: dict[tuple[str, str], MicroPrice] = {}
    for key, entry in document.items():
        if not isinstance(entry, dict) or entry.get("litellm_provider") not in providers:
            continue
        price = _entry_price(entry)
        if price is None:
            continue
        provider = str(entry["litellm_provider"])
        prefix = f"{provider}/"
        if key.startswith(prefix):
            prefixed[(provider, key.removeprefix(prefix))] = price
        else:
            prices[(provider, key)] = price
    return {**prefixed, **prices}


def load_price_map() -> dict[tuple[str, str], MicroPrice]:
    """LiteLLM's local price map for Flowbook's providers (empty when LiteLLM is missing)."""
    path = price_map_path()
    if path is None:
        return {}
    with path.open(encoding="utf-8") as file:
        return parse_price_map(json.load(file))
