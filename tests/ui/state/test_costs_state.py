"""The costs page's state on a real database: the range and workflow read from the URL, the
figures it shows, the charts' measure and breakdown, CSV downloads, and what a user sees."""

from __future__ import annotations

import base64
import re
from dataclasses import replace
from datetime import timedelta

import pytest
import reflex as rx
from reflex.istate.data import ReflexURL, RouterData

from app.services.unit_of_work import session_scope
from app.ui.state import costs_state
from app.ui.state.costs_state import CostsState
from tests.services.cost_seed import CostWorld, seed_costs
from tests.ui.state.conftest import ActAs

pytestmark = pytest.mark.usefixtures("db_url", "act_as")


@pytest.fixture
def world(act_as: ActAs) -> CostWorld:
    """The seeded ledger (tests/services/cost_seed.py), looked at by alice."""
    with session_scope() as session:
        seeded = seed_costs(session)
    act_as(seeded.alice)
    return seeded


async def _page(url: str) -> CostsState:
    root = rx.State(_reflex_internal_init=True)
    state = await root.get_state(CostsState)
    state.router = RouterData(url=ReflexURL(f"http://localhost:3000{url}"))
    return state


async def _load(url: str) -> CostsState:
    state = await _page(url)
    async for _ in state.load():
        pass
    return state


def _csv(spec: object) -> str:
    """The text of an rx.download of data (a base64 data: URL)."""
    found = re.search(r"data:text/csv;base64,([A-Za-z0-9+/=]+)", str(spec))
    assert found is not None, spec
    return base64.b64decode(found.group(1)).decode()


async def test_one_workflow_over_30_days(world: CostWorld) -> None:
    alpha = world.workflows["Alpha"]
    state = await _load(f"/costs?workflow={alpha}")
    assert (state.preset, state.start, state.end) == (
        "30",
        (world.today - timedelta(days=29)).isoformat(),
        world.today.isoformat(),
    )
    assert state.has_calls and state.range_has_calls and state.loaded and not state.loading
    # c1 60000 + c2 66000 + c3 225 micro-dollars.
    assert (state.range_cost, state.range_calls) == ("$0.1262", "3 calls")
    today = state.cards[0]
    assert (today.label, today.cost, today.calls) == ("Today", "$0.0600", "1 call")
    assert [line.label for line in state.breakdown_rows] == ["Alpha"]
    names = {choice.name for choice in state.workflows}
    assert {"Alpha", "Beta"} <= names and "Gamma" not in names
    (stats,) = state.stats
    assert (stats.name, stats.runs, stats.failure_rate) == ("Alpha", "3", "33%")
    assert stats.href == f"/costs?workflow={alpha}"

    state.set_breakdown_group("version")
    assert [line.cost for line in state.breakdown_rows] == ["$0.0662", "$0.0600"]
    state.set_metric("tokens")
    assert state.metric == "tokens"
    assert set(state.trend_chart["data"][0]["y"]) >= {1500}  # c1's tokens on today's bar

    exported = _csv(await state.download("model"))
    assert exported.splitlines()[0].startswith("key,label,calls")
    assert "gpt-4" in exported and "claude-3-haiku" in exported


async def test_a_range_without_calls_keeps_the_period_totals(world: CostWorld) -> None:
    alpha = world.workflows["Alpha"]
    start, end = world.today - timedelta(days=2), world.today - timedelta(days=1)
    state = await _load(f"/costs?from={start}&to={end}&workflow={alpha}")
    assert state.preset == "custom" and state.range_error == ""
    assert state.has_calls and not state.range_has_calls
    assert state.range_calls == "0 calls"
    assert state.cards[0].calls == "1 call"


async def test_a_bad_range_says_why_and_shows_30_days(world: CostWorld) -> None:
    state = await _load("/costs?from=2026-11-20&to=2026-11-01")
    assert state.range_error == "The start date is after the end date."
    assert state.preset == "30" and state.range_has_calls


async def test_the_filters_navigate_to_their_url(world: CostWorld) -> None:
    state = await _load(f"/costs?range=7&workflow={world.workflows['Beta']}")
    assert "range=7" in str(state.set_workflow("all"))
    assert f"range=90&workflow={world.workflows['Beta']}" in str(state.set_preset("90"))
    assert "from=2026-01-01&to=2026-01-31" in str(
        state.apply_range({"from": "2026-01-01", "to": "2026-01-31"})
    )


async def test_someone_who_sees_no_calls_gets_the_empty_state(act_as: ActAs) -> None:
    with session_scope() as session:
        world = seed_costs(session)
    act_as(world.bob)
    state = await _load(f"/costs?workflow={world.workflows['Alpha']}")
    assert not state.has_calls and state.cards[3].calls == "0 calls"


async def test_too_many_calls_for_a_page_download_point_to_the_api(
    world: CostWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = await _load(f"/costs?workflow={world.workflows['Alpha']}")
    assert "key,label" in _csv(await state.download("provider"))
    rows = _csv(await state.download("rows")).splitlines()
    assert len(rows) == 1 + 3
    monkeypatch.setattr(costs_state, "ROWS_DOWNLOAD_MAX", 2)
    refused = str(await state.download("rows"))
    assert "3 calls in this range" in refused and "/api/analytics/export" in refused


async def test_a_refused_read_says_why_instead_of_the_dashboard(
    world: CostWorld, act_as: ActAs
) -> None:
    act_as(replace(world.alice, scopes=frozenset()))
    state = await _load("/costs")
    assert state.loaded and not state.loading
    assert state.load_error == "Costs need the workflows:read scope"
    act_as(world.alice)
    state = await _load("/costs")
    assert state.load_error == "" and state.has_calls
