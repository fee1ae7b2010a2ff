"""Merge node: all (list in incoming-edge order) or first."""

from __future__ import annotations

from collections.abc import Callable

from app.engine.context import NodeContext
from app.engine.nodes.merge import MERGE, MergeConfig, run_merge


async def test_all_lists_live_inputs_in_edge_order(make_ctx: Callable[..., NodeContext]) -> None:
    inputs = {"b": 2, "a": {"x": 1}, "c": None}
    assert await run_merge(make_ctx(), inputs, MergeConfig()) == [2, {"x": 1}, None]


async def test_all_with_no_live_inputs_is_empty(make_ctx: Callable[..., NodeContext]) -> None:
    assert await run_merge(make_ctx(trigger="t"), {}, MergeConfig(mode="all")) == []


async def test_first_returns_the_first_value(make_ctx: Callable[..., NodeContext]) -> None:
    assert await run_merge(make_ctx(), {"late": "b", "x": "c"}, MergeConfig(mode="first")) == "b"
    assert await run_merge(make_ctx(), {}, MergeConfig(mode="first")) is None


def test_wait_for_follows_the_mode() -> None:
    assert MERGE.waits_for(MergeConfig(mode="first")) == "first"
    assert MERGE.waits_for(MergeConfig(mode="all")) == "all"
