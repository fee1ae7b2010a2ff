"""Properties of diff, apply, invert and merge over random workflow documents."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.diff import apply, diff, invert, normalize
from app.engine.merge import merge
from app.engine.spec import WorkflowSpec

NODE_IDS = [f"n{i}" for i in range(6)]
KEYS = st.text(alphabet="abcxy", min_size=1, max_size=2)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.floats(allow_nan=False, allow_infinity=False, width=32)
    | st.text(max_size=6)
)
VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(KEYS, children, max_size=3),
    max_leaves=5,
)
CONFIGS = st.dictionaries(KEYS, VALUES, max_size=3)
COORDINATES = st.floats(-1e4, 1e4, allow_nan=False)
HANDLES_OUT = st.sampled_from(["out", "error"])
HANDLES_IN = st.sampled_from(["in", "other"])

Document = dict[str, Any]


NODE_FIELDS = {
    "type": st.sampled_from(["transform", "output", "http_request"]),
    "name": st.sampled_from(["", "Fetch", "Greet"]),
    "position": st.fixed_dictionaries({"x": COORDINATES, "y": COORDINATES}),
    "config": CONFIGS,
    "pinned_output": st.none() | VALUES,
    "disabled": st.booleans(),
}


def node_strategy(node_id: str) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({"id": st.just(node_id), **NODE_FIELDS})


def random_edge(draw: st.DrawFn, edge_id: str, node_ids: list[str]) -> dict[str, Any]:
    return {
        "id": edge_id,
        "source": draw(st.sampled_from(node_ids)),
        "source_handle": draw(HANDLES_OUT),
        "target": draw(st.sampled_from(node_ids)),
        "target_handle": draw(HANDLES_IN),
    }


@st.composite
def documents(draw: st.DrawFn) -> Document:
    """A normalised document: up to 6 nodes and 8 edges between them."""
    node_ids = draw(st.lists(st.sampled_from(NODE_IDS), unique=True, max_size=6))
    nodes = [draw(node_strategy(node_id)) for node_id in node_ids]
    edge_count = draw(st.integers(0, 8)) if node_ids else 0
    edges = [random_edge(draw, f"e{k}", node_ids) for k in range(edge_count)]
    timezone = draw(st.sampled_from(["UTC", "Europe/Paris"]))
    return normalize({"nodes": nodes, "edges": edges, "settings": {"timezone": timezone}})


def edit_config(draw: st.DrawFn, config: dict[str, Any]) -> dict[str, Any]:
    """The config with one value set or deleted, possibly inside a nested object."""
    target = config
    while True:
        nested = [key for key, value in target.items() if isinstance(value, dict)]
        if not nested or draw(st.booleans()):
            break
        target = target[draw(st.sampled_from(nested))]
    delete = draw(st.booleans())
    if target and delete:
        del target[draw(st.sampled_from(sorted(target)))]
    else:
        target[draw(KEYS)] = draw(VALUES)
    return config


@st.composite
def edits(
    draw: st.DrawFn, document: Document, owned: frozenset[str] | None = None, prefix: str = "x"
) -> Document:
    """A random edit of `document` touching only `owned` nodes (all when None).

    New nodes and edges get ids starting with `prefix`; edges are only changed or added
    between owned or new nodes, and edges of deleted nodes are deleted.
    """
    result = normalize(document)
    mine = set(owned if owned is not None else (n["id"] for n in result["nodes"]))
    nodes = []
    for node in result["nodes"]:
        action = draw(st.sampled_from(["keep", "edit", "delete"])) if node["id"] in mine else "keep"
        if action == "delete":
            mine.discard(node["id"])
            continue
        if action == "edit":
            field = draw(st.sampled_from(sorted(NODE_FIELDS)))
            if field == "config":
                node["config"] = edit_config(draw, node["config"])
            else:
                node[field] = draw(NODE_FIELDS[field])
        nodes.append(node)
    for index in range(draw(st.integers(0, 2))):
        nodes.append(draw(node_strategy(f"{prefix}{index}")))
        mine.add(f"{prefix}{index}")
    kept = {n["id"] for n in nodes}
    edges = []
    for edge in result["edges"]:
        if not {edge["source"], edge["target"]} <= kept:
            continue
        if {edge["source"], edge["target"]} <= mine:
            action = draw(st.sampled_from(["keep", "delete", "redraw", "move"]))
            if action == "delete":
                continue
            if action == "redraw":
                edge["id"] = f"{prefix}-{edge['id']}"
            if action == "move":
                edge["target"] = draw(st.sampled_from(sorted(mine)))
        edges.append(edge)
    if mine:
        count = draw(st.integers(0, 3))
        edges.extend(random_edge(draw, f"{prefix}e{k}", sorted(mine)) for k in range(count))
    if owned is None and draw(st.booleans()):
        nodes = draw(st.permutations(nodes))
    if owned is None and draw(st.booleans()):
        result["settings"]["timezone"] = "America/Lima"
    return normalize({**result, "nodes": nodes, "edges": edges})


@st.composite
def pairs(draw: st.DrawFn) -> tuple[Document, Document]:
    """A document and either an edit of it or an unrelated document."""
    a = draw(documents())
    return a, draw(edits(a) | documents())


# Enough random documents per run to meet the edge cases (empty documents, moved and
# redrawn edges, nested config edits) while the whole suite stays quick; every run draws
# new ones.
EXAMPLES = settings(max_examples=50, deadline=None)


@given(pairs())
@EXAMPLES
def test_apply_of_the_diff_gives_the_newer_and_its_inverse_the_older(
    pair: tuple[Document, Document],
) -> None:
    a, b = pair
    changes = diff(a, b)

    assert apply(a, changes) == b
    assert diff(b, a) == invert(changes)
    assert apply(b, invert(changes)) == a


@given(documents())
@EXAMPLES
def test_a_document_has_no_changes_from_itself(a: Document) -> None:
    assert diff(a, a).is_empty


@given(pairs())
@EXAMPLES
def test_merging_with_an_unchanged_or_equal_side_gives_the_edit(
    pair: tuple[Document, Document],
) -> None:
    a, b = pair

    for result in (merge(a, b, a), merge(a, a, b), merge(a, b, b)):
        assert result.conflicts == ()
        assert result.document == b


@st.composite
def disjoint_edits(draw: st.DrawFn) -> tuple[Document, Document, Document, frozenset[str]]:
    """A document and two edits of it that change disjoint sets of nodes."""
    a = draw(documents())
    node_ids = [n["id"] for n in a["nodes"]]
    ours = frozenset(draw(st.sets(st.sampled_from(node_ids))) if node_ids else ())
    b = draw(edits(a, ours, prefix="b"))
    c = draw(edits(a, frozenset(node_ids) - ours, prefix="c"))
    return a, b, c, ours


def edge_set(document: Document) -> set[tuple[str, ...]]:
    return {tuple(edge.values()) for edge in document["edges"]}


@given(disjoint_edits())
@EXAMPLES
def test_edits_of_different_nodes_merge_without_conflicts(
    edit: tuple[Document, Document, Document, frozenset[str]],
) -> None:
    a, b, c, ours = edit
    result = merge(a, b, c)

    assert result.conflicts == ()
    by_id = [{n["id"]: n for n in d["nodes"]} for d in (a, b, c, result.document)]
    a_nodes, b_nodes, c_nodes, merged = by_id
    for node_id in a_nodes.keys() | b_nodes.keys() | c_nodes.keys():
        edited_by_b = node_id in ours or node_id.startswith("b")
        assert merged.get(node_id) == (b_nodes if edited_by_b else c_nodes).get(node_id)
    a_edges, b_edges, c_edges = edge_set(a), edge_set(b), edge_set(c)
    expected = (a_edges & b_edges & c_edges) | (b_edges - a_edges) | (c_edges - a_edges)
    assert edge_set(result.document) == expected


@given(documents(), documents(), documents())
@EXAMPLES
def test_any_merge_gives_a_workflow_document(a: Document, b: Document, c: Document) -> None:
    document = merge(a, b, c).document

    assert normalize(document) == document
    spec = WorkflowSpec.from_document(document)
    assert len({n.id for n in spec.nodes}) == len(spec.nodes)
    assert len({e.id for e in spec.edges}) == len(spec.edges)
