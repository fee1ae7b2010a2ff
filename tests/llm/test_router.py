"""Routing strategies, the model map and candidate resolution."""

from __future__ import annotations

import pytest

from app.llm.cost import CostCalculator, Price
from app.llm.deployments import Deployment, Provider
from app.llm.errors import NoDeploymentError
from app.llm.model_map import ModelMap
from app.llm.router import Router, RoutingStrategy
from app.llm.types import LLMRequest


def local(name: str, model: str | None = None, **kwargs: object) -> Deployment:
    """An openai_compatible deployment (no network is touched by routing)."""
    return Deployment(
        name=name,
        provider=Provider.OPENAI_COMPATIBLE,
        model=model or name,
        api_base="http://127.0.0.1:1/v1",
        **kwargs,  # type: ignore[arg-type]
    )


def names(router: Router, request: LLMRequest, strategy: RoutingStrategy) -> list[str]:
    """The names of the ordered deployments."""
    return [d.name for d in router.order(request, strategy)]


def ask(model: str, *fallbacks: str, **kwargs: object) -> LLMRequest:
    """A request without model-map expansion unless asked."""
    kwargs.setdefault("use_equivalents", False)
    return LLMRequest.from_prompt("hi", model=model, fallbacks=fallbacks, **kwargs)  # type: ignore[arg-type]


def test_priority_keeps_the_requested_order() -> None:
    router = Router([local("a"), local("b"), local("c")])
    assert names(router, ask("b", "c", "a"), RoutingStrategy.PRIORITY) == ["b", "c", "a"]


def test_cheapest_puts_the_lowest_known_price_first() -> None:
    costs = CostCalculator({"a": Price(5.0, 15.0), "b": Price(0.1, 0.4), "c": Price(1.0, 2.0)})
    router = Router([local("a"), local("b"), local("c"), local("d")], costs=costs)
    assert names(router, ask("a", "b", "c", "d"), RoutingStrategy.CHEAPEST) == ["b", "c", "a", "d"]


def test_capability_keeps_only_capable_deployments_or_refuses() -> None:
    router = Router(
        [
            local("plain"),
            local("vision", capabilities=frozenset({"vision", "json"})),
            local("json", capabilities=frozenset({"json"})),
        ]
    )
    request = ask("plain", "vision", "json", required_capabilities=frozenset({"json"}))
    assert names(router, request, RoutingStrategy.CAPABILITY) == ["vision", "json"]
    impossible = ask("plain", required_capabilities=frozenset({"audio"}))
    with pytest.raises(NoDeploymentError):
        router.order(impossible, RoutingStrategy.CAPABILITY)


def test_load_balanced_prefers_the_least_busy_deployment_of_a_model() -> None:
    router = Router([local("gpu-1", "llama3"), local("gpu-2", "llama3"), local("other")])
    request = ask("llama3", "other")
    router.load.begin("gpu-1")
    assert names(router, request, RoutingStrategy.LOAD_BALANCED) == ["gpu-2", "gpu-1", "other"]
    router.load.end("gpu-1")
    router.load.begin("gpu-2")
    router.load.end("gpu-2")
    router.load.begin("gpu-2")
    router.load.end("gpu-2")
    assert names(router, request, RoutingStrategy.LOAD_BALANCED)[0] == "gpu-1"


def test_load_balanced_respects_weights_and_saturation() -> None:
    router = Router([local("big", "m", weight=4.0), local("small", "m", max_concurrency=1)])
    for _ in range(3):
        router.load.begin("big")
        router.load.end("big")
    router.load.begin("small")
    router.load.end("small")
    assert names(router, ask("m"), RoutingStrategy.LOAD_BALANCED) == ["big", "small"]
    router.load.begin("small")
    router.load.begin("big")
    router.load.begin("big")
    assert names(router, ask("m"), RoutingStrategy.LOAD_BALANCED) == ["big", "small"]


def test_model_map_expands_equivalents_after_the_explicit_list() -> None:
    router = Router([])
    request = ask("gpt-4o", "mock/local", use_equivalents=True)
    assert names(router, request, RoutingStrategy.PRIORITY) == [
        "openai/gpt-4o",
        "mock/local",
        "anthropic/claude-sonnet-4-5",
        "gemini/gemini-2.5-pro",
    ]


def test_model_map_is_editable_and_round_trips() -> None:
    model_map = ModelMap()
    model_map.set_group("house", ["claude-sonnet", "openai_compatible/llama3"])
    assert model_map.equivalents("openai_compatible/llama3")[:2] == [
        "openai_compatible/llama3",
        "anthropic/claude-sonnet-4-5",
    ]
    model_map.remove_group("flagship")
    assert model_map.equivalents("gpt-4o") == ["openai/gpt-4o"]
    assert ModelMap.from_dict(model_map.to_dict()).to_dict() == model_map.to_dict()
    with pytest.raises(ValueError):
        model_map.set_group("bad", ["a", "a"])


def test_bare_and_prefixed_names_resolve_to_providers() -> None:
    assert Deployment.from_name("claude-haiku-4-5").provider is Provider.ANTHROPIC
    assert Deployment.from_name("gemini/gemini-2.5-pro").api_key_env == "GEMINI_API_KEY"
    assert Deployment.from_name("some-local-model").provider is Provider.MOCK
    round_trip = Deployment.from_dict(local("x", capabilities=frozenset({"json"})).to_dict())
    assert round_trip == local("x", capabilities=frozenset({"json"}))
