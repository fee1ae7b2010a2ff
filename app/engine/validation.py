"""Workflow validation: every problem at once, each tied to the node or edge it is about."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ValidationError

from app.engine.expressions import contains_expression, is_expression, template_syntax_issue
from app.engine.graph import WorkflowGraph
from app.engine.json_shape import json_flaw
from app.engine.registry import NodeRegistry, NodeType
from app.engine.spec import NodeSpec, OnError, WorkflowSpec

ERROR_HANDLE = "error"
MAX_NODES_ENV = "FLOWBOOK_MAX_NODES"
DEFAULT_MAX_NODES = 2_000


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a workflow.

    Attributes:
        code: cycle, dangling_edge, unknown_handle, duplicate_id, unknown_type,
            invalid_config, invalid_template, unreachable, no_trigger, unknown_trigger,
            trigger_not_available or invalid_document.
        message: what is wrong, for people.
        node_id: the node it is about, when there is one.
        edge_id: the edge it is about, when there is one.
        field: the config or document field, when there is one (dotted path).
    """

    code: str
    message: str
    node_id: str | None = None
    edge_id: str | None = None
    field: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


class WorkflowInvalid(Exception):
    """A workflow cannot run because it has problems."""

    def __init__(self, problems: list[Problem]) -> None:
        summary = "; ".join(p.message for p in problems[:3])
        more = f" (+{len(problems) - 3} more)" if len(problems) > 3 else ""
        super().__init__(f"workflow is invalid: {summary}{more}")
        self.problems = problems


@dataclass
class WorkflowAnalysis:
    """What validation learned, reused by the executor so it does not work it out again.

    Attributes:
        graph: the workflow graph (dangling edges left out).
        problems: every problem found.
        configs: parsed config of each node whose config has no expressions.
        templates: raw config (with expression defaults filled in) of each node whose
            config has expressions; those are rendered and parsed at run time.
    """

    graph: WorkflowGraph
    problems: list[Problem] = field(default_factory=list)
    configs: dict[str, BaseModel] = field(default_factory=dict)
    templates: dict[str, dict[str, Any]] = field(default_factory=dict)


def validate_workflow(spec: WorkflowSpec, registry: NodeRegistry) -> list[Problem]:
    """Every problem of a workflow (an empty list when it can run)."""
    return analyze_workflow(spec, registry).problems


def analyze_workflow(spec: WorkflowSpec, registry: NodeRegistry) -> WorkflowAnalysis:
    """Validate a workflow and keep the graph and parsed configs for running it."""
    analysis = WorkflowAnalysis(graph=WorkflowGraph.from_spec(spec))
    problems = analysis.problems
    problems.extend(_duplicate_ids(spec))
    for node in spec.nodes:
        node_type = registry.get(node.type)
        if node_type is None:
            problems.append(
                Problem("unknown_type", f"unknown node type {node.type!r}", node_id=node.id)
            )
        else:
            problems.extend(_check_config(node, node_type, analysis))
    problems.extend(_check_edges(spec, registry, analysis))
    for cycle in analysis.graph.find_cycles():
        path = " → ".join([*cycle, cycle[0]])
        problems.extend(Problem("cycle", f"node is on a cycle: {path}", node_id=n) for n in cycle)
    problems.extend(_check_reachability(spec, registry, analysis.graph))
    return analysis


def parse_document(
    document: Any, registry: NodeRegistry
) -> tuple[WorkflowSpec | None, list[Problem]]:
    """Parse and validate a JSON workflow document.

    Returns:
        The spec (None when the document's structure is malformed) and every problem;
        structural problems point at the node or edge id when the document has one.
    """
    spec, analysis = analyze_document(document, registry)
    return spec, analysis.problems


def analyze_document(
    document: Any, registry: NodeRegistry
) -> tuple[WorkflowSpec | None, WorkflowAnalysis]:
    """`parse_document` that keeps the analysis, for running the spec without validating
    it again (`run_workflow(..., analysis=...)`).

    Returns:
        The spec (None when the document's structure is malformed) and its analysis (an
        empty graph with the structural problems when there is no spec).
    """
    if not isinstance(document, dict):
        problem = Problem("invalid_document", "a workflow document must be a JSON object")
        return None, _refused([problem])
    flaw = json_flaw(document) or _too_many_nodes(document)
    if flaw is not None:
        problem = Problem("invalid_document", f"the workflow document is refused: {flaw}")
        return None, _refused([problem])
    try:
        spec = WorkflowSpec.from_document(document)
    except ValidationError as exc:
        return None, _refused([_document_problem(document, error) for error in exc.errors()])
    return spec, analyze_workflow(spec, registry)


def max_nodes() -> int:
    """The most nodes a document may have: `FLOWBOOK_MAX_NODES`, else 2,000."""
    raw = os.environ.get(MAX_NODES_ENV, "").strip()
    return int(raw) if raw else DEFAULT_MAX_NODES


def _too_many_nodes(document: dict[str, Any]) -> str | None:
    # Checked before parsing: validation and the canvas are not built for more.
    nodes = document.get("nodes")
    limit = max_nodes()
    if isinstance(nodes, list) and len(nodes) > limit:
        return f"it has {len(nodes)} nodes, more than the {limit} allowed"
    return None


def _refused(problems: list[Problem]) -> WorkflowAnalysis:
    return WorkflowAnalysis(graph=WorkflowGraph.from_spec(WorkflowSpec()), problems=problems)


def _duplicate_ids(spec: WorkflowSpec) -> list[Problem]:
    problems = []
    for kind, ids in (("node", [n.id for n in spec.nodes]), ("edge", [e.id for e in spec.edges])):
        for item_id, count in Counter(ids).items():
            if count > 1:
                where = {"node_id": item_id} if kind == "node" else {"edge_id": item_id}
                message = f"{count} {kind}s share the id {item_id!r}"
                problems.append(Problem("duplicate_id", message, **where))
    return problems


@lru_cache(maxsize=256)
def _expression_defaults(config_model: type[BaseModel]) -> tuple[tuple[str, str], ...]:
    """Fields whose default is a template: they must be rendered even when not set."""
    return tuple(
        (name, info.default)
        for name, info in config_model.model_fields.items()
        if isinstance(info.default, str) and is_expression(info.default)
    )


def _check_config(node: NodeSpec, node_type: NodeType, analysis: WorkflowAnalysis) -> list[Problem]:
    raw = node.config
    missing_defaults = {
        k: v for k, v in _expression_defaults(node_type.config_model) if k not in raw
    }
    templated = bool(missing_defaults) or contains_expression(raw)
    problems = _template_problems(node.id, raw, ())
    if node_type.check_written is not None:
        problems += [
            Problem("invalid_config", f"{name}: {message}", node_id=node.id, field=name)
            for name, message in node_type.check_written(raw).items()
        ]
    try:
        config = node_type.parse_config(raw)
    except ValidationError as exc:
        problems += [
            Problem(
                "invalid_config",
                f"{_dotted(error['loc']) or 'config'}: {error['msg']}",
                node_id=node.id,
                field=_dotted(error["loc"]) or None,
            )
            for error in exc.errors()
            if not (templated and _points_at_expression(raw, error["loc"]))
        ]
        if templated and not problems:
            analysis.templates[node.id] = {**missing_defaults, **raw}
        return problems
    if problems:
        return problems
    if templated:
        analysis.templates[node.id] = {**missing_defaults, **raw}
    else:
        analysis.configs[node.id] = config
    return []


def _template_problems(node_id: str, value: Any, loc: tuple[Any, ...]) -> list[Problem]:
    """A problem for every template string (at any depth) that does not parse."""
    if isinstance(value, str):
        issue = template_syntax_issue(value) if is_expression(value) else None
        if issue is None:
            return []
        where = _dotted(loc) or "config"
        return [
            Problem(
                "invalid_template",
                f"{where}: {issue.describe()}",
                node_id=node_id,
                field=_dotted(loc) or None,
            )
        ]
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return []
    return [
        problem for key, item in items for problem in _template_problems(node_id, item, (*loc, key))
    ]


def _points_at_expression(raw: Any, loc: tuple[Any, ...]) -> bool:
    """Whether a config error is about a value that is (inside) an expression string."""
    value = raw
    for part in loc:
        if isinstance(value, str):
            break
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            return False
    return isinstance(value, str) and is_expression(value)


def _check_edges(
    spec: WorkflowSpec, registry: NodeRegistry, analysis: WorkflowAnalysis
) -> list[Problem]:
    problems = []
    nodes = analysis.graph.nodes
    for edge in spec.edges:
        for end in ("source", "target"):
            node_id = getattr(edge, end)
            if node_id not in nodes:
                message = f"edge {edge.id!r} points at missing {end} node {node_id!r}"
                problems.append(Problem("dangling_edge", message, edge_id=edge.id, field=end))
        source, target = nodes.get(edge.source), nodes.get(edge.target)
        source_type = registry.get(source.type) if source else None
        if source and source_type:
            handles = _output_handles(source, source_type, analysis)
            if handles is not None and edge.source_handle not in handles:
                message = f"node {source.id!r} has no output {edge.source_handle!r}"
                problems.append(
                    Problem(
                        "unknown_handle",
                        message,
                        node_id=source.id,
                        edge_id=edge.id,
                        field="source_handle",
                    )
                )
        target_type = registry.get(target.type) if target else None
        if target and target_type and edge.target_handle not in target_type.inputs:
            message = f"node {target.id!r} has no input {edge.target_handle!r}"
            problems.append(
                Problem(
                    "unknown_handle",
                    message,
                    node_id=target.id,
                    edge_id=edge.id,
                    field="target_handle",
                )
            )
    return problems


def _output_handles(
    node: NodeSpec, node_type: NodeType, analysis: WorkflowAnalysis
) -> tuple[str, ...] | None:
    """The node's output handles, or None when they depend on a config not known yet."""
    extra = (ERROR_HANDLE,) if node.on_error is OnError.ERROR_OUTPUT else ()
    if not callable(node_type.outputs):
        return (*node_type.outputs, *extra)
    config = analysis.configs.get(node.id)
    if config is None:
        try:
            config = node_type.parse_config(node.config)
        except ValidationError:
            return None
    return (*node_type.output_handles(config), *extra)


def _check_reachability(
    spec: WorkflowSpec, registry: NodeRegistry, graph: WorkflowGraph
) -> list[Problem]:
    triggers = [n.id for n in graph.nodes.values() if (t := registry.get(n.type)) and t.is_trigger]
    if not triggers:
        return [Problem("no_trigger", "the workflow has no trigger node")]
    problems = _unavailable_triggers(triggers, registry, graph)
    reachable = graph.reachable_from(triggers)
    return problems + [
        Problem("unreachable", f"node {node_id!r} cannot be reached from a trigger", node_id)
        for node_id in graph.nodes
        if node_id not in reachable
    ]


def _unavailable_triggers(
    triggers: list[str], registry: NodeRegistry, graph: WorkflowGraph
) -> list[Problem]:
    """A problem on each trigger when none of the workflow's triggers can start it yet."""
    reasons = {}
    for node_id in triggers:
        node_type = registry.get(graph.nodes[node_id].type)
        if node_type is None or node_type.not_yet_available is None:
            return []
        reasons[node_id] = (node_type.label, node_type.not_yet_available)
    return [
        Problem(
            "trigger_not_available",
            f"{label} is not yet available ({reason}) and is this workflow's only trigger: "
            "nothing would start it. Add a manual trigger to run it.",
            node_id=node_id,
        )
        for node_id, (label, reason) in reasons.items()
    ]


def _document_problem(document: dict[str, Any], error: Any) -> Problem:
    loc = tuple(error["loc"])
    where: dict[str, str] = {}
    if len(loc) >= 2 and loc[0] in ("nodes", "edges") and isinstance(loc[1], int):
        items = document.get(loc[0])
        item = items[loc[1]] if isinstance(items, list) and loc[1] < len(items) else None
        item_id = item.get("id") if isinstance(item, dict) else None
        if isinstance(item_id, str):
            where = {"node_id" if loc[0] == "nodes" else "edge_id": item_id}
    return Problem(
        "invalid_document",
        f"{_dotted(loc) or 'document'}: {error['msg']}",
        field=_dotted(loc) or None,
        **where,
    )


def _dotted(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc)
