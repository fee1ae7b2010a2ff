"""Graph structure: adjacency, topological order, cycle detection and reachability."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.graph import CycleError, WorkflowGraph
from app.engine.spec import EdgeSpec, NodeSpec
from tests.engine.builders import make_spec


def graph_of(node_count: int, edges: list[tuple[int, int]]) -> WorkflowGraph:
    nodes = [NodeSpec(id=f"n{i}", type="pass") for i in range(node_count)]
    edge_specs = [
        EdgeSpec(id=f"e{k}", source=f"n{a}", target=f"n{b}") for k, (a, b) in enumerate(edges)
    ]
    return WorkflowGraph.from_parts(nodes, edge_specs)


@st.composite
def dags(draw: st.DrawFn) -> tuple[int, list[tuple[int, int]]]:
    """Random DAGs: edges only go from a lower to a higher index of a random permutation."""
    count = draw(st.integers(min_value=1, max_value=25))
    order = draw(st.permutations(list(range(count))))
    pairs = draw(
        st.lists(
            st.tuples(st.integers(0, count - 1), st.integers(0, count - 1)).filter(
                lambda p: p[0] < p[1]
            ),
            max_size=60,
        )
    )
    return count, [(order[a], order[b]) for a, b in pairs]


@given(dags())
@settings(max_examples=150, deadline=None)
def test_topological_order_respects_every_edge(dag: tuple[int, list[tuple[int, int]]]) -> None:
    count, edges = dag
    graph = graph_of(count, edges)
    order = graph.topological_order()
    position = {node_id: i for i, node_id in enumerate(order)}
    assert sorted(order) == sorted(graph.nodes)
    for a, b in edges:
        assert position[f"n{a}"] < position[f"n{b}"]
    assert graph.find_cycles() == []


@given(dags(), st.data())
@settings(max_examples=150, deadline=None)
def test_a_back_edge_always_makes_a_cycle_that_is_found(
    dag: tuple[int, list[tuple[int, int]]], data: st.DataObject
) -> None:
    count, edges = dag
    # Close a cycle: an edge from a node back to itself or to any node it can reach.
    start = data.draw(st.integers(0, count - 1))
    reachable = sorted(graph_of(count, edges).descendants(f"n{start}"))
    back_from = data.draw(st.sampled_from([f"n{start}", *reachable]))
    graph = graph_of(count, [*edges, (int(back_from[1:]), start)])
    cycles = graph.find_cycles()
    assert cycles
    for cycle in cycles:
        for here, there in zip(cycle, [*cycle[1:], cycle[0]], strict=True):
            assert any(e.target == there for e in graph.outgoing_edges(here))
    with pytest.raises(CycleError) as raised:
        graph.topological_order()
    assert raised.value.cycles == cycles


def test_topological_order_keeps_document_order_for_ties() -> None:
    graph = graph_of(4, [(0, 3), (2, 3)])
    assert graph.topological_order() == ["n0", "n1", "n2", "n3"]


def test_find_cycles_reports_each_cycle_and_self_loop() -> None:
    graph = graph_of(6, [(0, 1), (1, 2), (2, 1), (3, 4), (4, 3), (5, 5)])
    assert graph.find_cycles() == [["n1", "n2"], ["n3", "n4"], ["n5"]]


def test_long_chain_does_not_exhaust_the_stack() -> None:
    count = 5000
    graph = graph_of(count, [(i, i + 1) for i in range(count - 1)] + [(count - 1, 0)])
    assert len(graph.find_cycles()[0]) == count


def test_adjacency_queries() -> None:
    spec = make_spec(
        [("t", "manual_trigger"), ("a", "pass"), ("b", "pass"), ("c", "collect")],
        [("t", "a"), ("t", "b"), ("a", "c"), ("b", "c"), ("a", "c", "other")],
    )
    graph = WorkflowGraph.from_spec(spec)
    assert graph.upstream("c") == ["a", "b"]
    assert graph.downstream("t") == ["a", "b"]
    assert graph.descendants("a") == {"c"}
    assert graph.descendants("t") == {"a", "b", "c"}
    assert graph.ancestors("c") == {"t", "a", "b"}
    assert [e.id for e in graph.incoming_edges("c")] == ["a->c", "b->c", "a->c:other"]
    assert [e.id for e in graph.outgoing_edges("a")] == ["a->c", "a->c:other"]
    assert graph.sources() == ["t"]


def test_dangling_edges_are_left_out_of_the_graph() -> None:
    spec = make_spec([("t", "manual_trigger")], [("t", "ghost"), ("ghost", "t")])
    graph = WorkflowGraph.from_spec(spec)
    assert graph.edges == []
    assert graph.topological_order() == ["t"]
