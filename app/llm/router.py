"""Which deployments a request may use, and in which order (the routing strategy)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from enum import StrEnum

from app.llm.cost import CostCalculator
from app.llm.deployments import Deployment
from app.llm.errors import NoDeploymentError
from app.llm.model_map import ModelMap
from app.llm.types import LLMRequest


class RoutingStrategy(StrEnum):
    """How the first deployment (and the order of the rest) is chosen.

    - priority: the request's order: its model, its fallbacks, then their equivalents.
    - cheapest: the lowest known price per token first (unknown prices last).
    - capability: only deployments having every `required_capabilities`, in priority order.
    - load_balanced: among deployments serving the same model, the least busy first
      (in-flight calls, then calls served, each divided by the deployment's weight).
    """

    PRIORITY = "priority"
    CHEAPEST = "cheapest"
    CAPABILITY = "capability"
    LOAD_BALANCED = "load_balanced"


class LoadTracker:
    """In-flight and served call counts per deployment (this process)."""

    def __init__(self) -> None:
        self.in_flight: Counter[str] = Counter()
        self.served: Counter[str] = Counter()

    def begin(self, name: str) -> None:
        """A call to `name` starts."""
        self.in_flight[name] += 1
        self.served[name] += 1

    def end(self, name: str) -> None:
        """A call to `name` ended."""
        self.in_flight[name] -= 1


class Router:
    """Turns a request into an ordered list of deployments."""

    def __init__(
        self,
        deployments: Iterable[Deployment],
        *,
        model_map: ModelMap | None = None,
        costs: CostCalculator | None = None,
        load: LoadTracker | None = None,
    ) -> None:
        """Creates a router.

        Args:
            deployments: the configured deployments (names must be unique).
            model_map: equivalent models; the built-in map by default.
            costs: prices for "cheapest" routing.
            load: call counts for "load_balanced" routing.
        """
        self.deployments = {d.name: d for d in deployments}
        self.model_map = model_map if model_map is not None else ModelMap()
        self.costs = costs if costs is not None else CostCalculator()
        self.load = load if load is not None else LoadTracker()

    def _serving(self, name: str) -> list[Deployment]:
        resolved = self.model_map.resolve(name)
        if resolved in self.deployments:
            return [self.deployments[resolved]]
        matches = [
            d
            for d in self.deployments.values()
            if resolved in (d.model, f"{d.provider.value}/{d.model}")
        ]
        return matches or [Deployment.from_name(resolved)]

    def tiers(self, request: LLMRequest) -> list[list[Deployment]]:
        """Deployments per requested model, in request order, each deployment once.

        The explicit list (model, then fallbacks) comes first; with `use_equivalents` the
        model map's equivalents of each follow.
        """
        names = [request.model, *request.fallbacks]
        if request.use_equivalents:
            names += [e for n in list(names) for e in self.model_map.equivalents(n)]
        seen: set[str] = set()
        tiers: list[list[Deployment]] = []
        for name in names:
            tier = [d for d in self._serving(name) if d.name not in seen]
            seen.update(d.name for d in tier)
            if tier:
                tiers.append(tier)
        return tiers

    def _load_key(self, deployment: Deployment) -> tuple[bool, float, float]:
        in_flight = self.load.in_flight[deployment.name]
        limit = deployment.max_concurrency
        saturated = limit is not None and in_flight >= limit
        weight = deployment.weight if deployment.weight > 0 else 1e-9
        return saturated, in_flight / weight, self.load.served[deployment.name] / weight

    def order(self, request: LLMRequest, strategy: RoutingStrategy) -> list[Deployment]:
        """The deployments to try for `request`, first choice first.

        Args:
            request: the request.
            strategy: the routing strategy.

        Returns:
            The ordered deployments.

        Raises:
            NoDeploymentError: when "capability" routing leaves nothing.
        """
        tiers = self.tiers(request)
        if strategy is RoutingStrategy.LOAD_BALANCED:
            return [d for tier in tiers for d in sorted(tier, key=self._load_key)]
        flat = [d for tier in tiers for d in tier]
        if strategy is RoutingStrategy.CHEAPEST:
            prices = {d.name: self.costs.unit_price(d) for d in flat}
            return sorted(flat, key=lambda d: (prices[d.name] is None, prices[d.name] or 0.0))
        if strategy is RoutingStrategy.CAPABILITY:
            wanted = request.required_capabilities
            capable = [d for d in flat if wanted <= d.capabilities]
            if not capable:
                raise NoDeploymentError(
                    f"no deployment has the capabilities {sorted(wanted)} for {request.model!r}"
                )
            return capable
        return flat
