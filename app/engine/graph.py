"""The workflow as a directed graph: adjacency, topological order, cycles and reachability."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from app.engine.spec import EdgeSpec, NodeSpec, WorkflowSpec


class CycleError(ValueError):
    """The graph has at least one cycle, so it has no topological order."""

    def __init__(self, cycles: list[list[str]]) -> None:
        super().__init__(f"workflow has {len(cycles)} cycle(s)")
        self.cycles = cycles


@dataclass
class WorkflowGraph:
    """Nodes and the edges between existing nodes, in document order.

    Edges whose source or target is not a node (dangling edges) are left out; validation
    reports them. When two nodes share an id, the first one wins.
    """

    nodes: dict[str, NodeSpec] = field(default_factory=dict)
    edges: list[EdgeSpec] = field(default_factory=list)
    _incoming: dict[str, list[EdgeSpec]] = field(default_factory=dict, repr=False)
    _outgoing: dict[str, list[EdgeSpec]] = field(default_factory=dict, repr=False)
    _index: dict[str, int] = field(default_factory=dict, repr=False)

    @classmethod
    def from_spec(cls, spec: WorkflowSpec) -> WorkflowGraph:
        """Build the graph of a workflow document."""
        nodes: dict[str, NodeSpec] = {}
        for node in spec.nodes:
            nodes.setdefault(node.id, node)
        edges = [e for e in spec.edges if e.source in nodes and e.target in nodes]
        return cls.from_parts(nodes.values(), edges)

    @classmethod
    def from_parts(cls, nodes: Iterable[NodeSpec], edges: Iterable[EdgeSpec]) -> WorkflowGraph:
        """Build a graph from nodes and edges that only connect those nodes."""
        graph = cls(nodes={n.id: n for n in nodes})
        graph._incoming = {node_id: [] for node_id in graph.nodes}
        graph._outgoing = {node_id: [] for node_id in graph.nodes}
        graph._index = {node_id: i for i, node_id in enumerate(graph.nodes)}
        for edge in edges:
            graph.edges.append(edge)
            graph._outgoing[edge.source].append(edge)
            graph._incoming[edge.target].append(edge)
        return graph

    def incoming_edges(self, node_id: str) -> list[EdgeSpec]:
        """Edges into the node, in document order."""
        return self._incoming[node_id]

    def outgoing_edges(self, node_id: str) -> list[EdgeSpec]:
        """Edges out of the node, in document order."""
        return self._outgoing[node_id]

    def upstream(self, node_id: str) -> list[str]:
        """Direct predecessors, without repeats, in edge order."""
        return list(dict.fromkeys(e.source for e in self._incoming[node_id]))

    def downstream(self, node_id: str) -> list[str]:
        """Direct successors, without repeats, in edge order."""
        return list(dict.fromkeys(e.target for e in self._outgoing[node_id]))

    def descendants(self, node_id: str) -> set[str]:
        """Every node reachable from this one (not including itself unless on a cycle)."""
        return self.reachable_from(self.downstream(node_id))

    def ancestors(self, node_id: str) -> set[str]:
        """Every node this one is reachable from."""
        seen: set[str] = set()
        queue = deque(self.upstream(node_id))
        while queue:
            current = queue.popleft()
            if current not in seen:
                seen.add(current)
                queue.extend(e.source for e in self._incoming[current])
        return seen

    def reachable_from(self, start: Iterable[str]) -> set[str]:
        """The start nodes and every node reachable from them."""
        seen: set[str] = set()
        queue = deque(start)
        while queue:
            current = queue.popleft()
            if current not in seen:
                seen.add(current)
                queue.extend(e.target for e in self._outgoing[current])
        return seen

    def sources(self) -> list[str]:
        """Nodes without incoming edges, in document order."""
        return [node_id for node_id, edges in self._incoming.items() if not edges]

    def topological_order(self) -> list[str]:
        """Node ids so that every edge points forward; ties keep document order.

        Raises:
            CycleError: when the graph has a cycle.
        """
        in_degree = {node_id: len(edges) for node_id, edges in self._incoming.items()}
        ready = deque(node_id for node_id, degree in in_degree.items() if degree == 0)
        order: list[str] = []
        while ready:
            current = ready.popleft()
            order.append(current)
            for edge in self._outgoing[current]:
                in_degree[edge.target] -= 1
                if in_degree[edge.target] == 0:
                    ready.append(edge.target)
        if len(order) != len(self.nodes):
            raise CycleError(self.find_cycles())
        return order

    def find_cycles(self) -> list[list[str]]:
        """One cycle per strongly connected component that has one.

        Each cycle is a list of node ids in edge order, starting at the component's first
        node in document order (a self-loop is a one-node cycle).
        """
        cycles = []
        for component in self._strongly_connected_components():
            members = set(component)
            start = min(component, key=self._document_index)
            if len(component) > 1 or any(
                e.target == start for e in self._outgoing[start] if e.target in members
            ):
                cycles.append(self._cycle_in(start, members))
        return sorted(cycles, key=lambda cycle: self._document_index(cycle[0]))

    def _document_index(self, node_id: str) -> int:
        return self._index[node_id]

    def _cycle_in(self, start: str, members: set[str]) -> list[str]:
        """A simple cycle through `start` inside one strongly connected component."""
        parent: dict[str, str] = {}
        queue = deque([start])
        while queue:
            current = queue.popleft()
            for edge in self._outgoing[current]:
                target = edge.target
                if target not in members:
                    continue
                if target == start:
                    path = [current]
                    while path[-1] != start:
                        path.append(parent[path[-1]])
                    return path[::-1]
                if target not in parent:
                    parent[target] = current
                    queue.append(target)
        raise AssertionError("a strongly connected component always has a cycle")

    def _strongly_connected_components(self) -> list[list[str]]:
        """Tarjan's algorithm, iterative so long chains cannot exhaust the stack."""
        index: dict[str, int] = {}
        low: dict[str, int] = {}
        on_stack: set[str] = set()
        stack: list[str] = []
        components: list[list[str]] = []
        counter = 0
        for root in self.nodes:
            if root in index:
                continue
            work = [(root, iter(self._outgoing[root]))]
            index[root] = low[root] = counter
            counter += 1
            stack.append(root)
            on_stack.add(root)
            while work:
                node_id, edges = work[-1]
                advanced = False
                for edge in edges:
                    target = edge.target
                    if target not in index:
                        index[target] = low[target] = counter
                        counter += 1
                        stack.append(target)
                        on_stack.add(target)
                        work.append((target, iter(self._outgoing[target])))
                        advanced = True
                        break
                    if target in on_stack:
                        low[node_id] = min(low[node_id], index[target])
                if advanced:
                    continue
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node_id])
                if low[node_id] == index[node_id]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node_id:
                            break
                    components.append(component)
        return components
