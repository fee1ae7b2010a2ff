"""Comparing versions: the diff of two versions (engine diff, summary, side-by-side field
list with long text diffed by lines) and the three-way merge an editor offers when someone
saved after the version it loaded ("reload / keep mine / merge")."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from app.engine.diff import DuplicateIdError, diff, summary
from app.engine.diff_fields import ChangeKind, FieldChange
from app.engine.diff_model import WorkflowDiff
from app.engine.diff_text import text_changes
from app.engine.merge import merge
from app.models.version import FieldRow, LineRow, MergePublic, VersionDiff
from app.services.access import Action
from app.services.errors import InvalidInputError
from app.services.principal import Principal
from app.services.version_store import find_version, newest_version
from app.services.workflows import authorized_workflow, check_definition

__all__ = ["diff_versions", "field_rows", "merge_with_latest"]

# Text at least this long, or of several lines, is shown diffed by lines.
LONG_TEXT = 80


def _lines(old: Any, new: Any) -> list[LineRow] | None:
    texts = [value for value in (old, new) if value is not None]
    if not texts or not all(isinstance(value, str) for value in texts):
        return None
    if not any("\n" in text or len(text) >= LONG_TEXT for text in texts):
        return None
    rows = text_changes(old or "", new or "")
    return [LineRow(**row.to_json()) for row in rows]


def _row(
    element: str,
    element_id: str | None,
    element_name: str | None,
    change: ChangeKind,
    field: FieldChange,
) -> FieldRow:
    return FieldRow(
        element=element,
        element_id=element_id,
        element_name=element_name,
        change=change.value,
        path=field.label,
        kind=field.kind.value,
        old=field.old,
        new=field.new,
        lines=_lines(field.old, field.new),
    )


def field_rows(changes: WorkflowDiff, names: dict[str, str] | None = None) -> list[FieldRow]:
    """The diff as one row per changed value: a node or edge added or removed is one row
    holding the whole element; a modified one has a row per field. Recreated edges (same
    endpoints, new id) change nothing people see and are left out.

    Args:
        changes: the diff.
        names: node names by id (of the newer document, else the older), for the rows.
    """
    rows: list[FieldRow] = []
    for node in changes.nodes:
        name = (names or {}).get(node.id)
        if node.kind is ChangeKind.MODIFIED:
            rows.extend(_row("node", node.id, name, node.kind, field) for field in node.fields)
            continue
        whole = FieldChange((), node.kind, old=node.before, new=node.after)
        rows.append(_row("node", node.id, name, node.kind, whole))
    for edge in changes.edges:
        if edge.kind is ChangeKind.RECREATED:
            continue
        if edge.kind is ChangeKind.MODIFIED:
            rows.extend(_row("edge", edge.id, None, edge.kind, field) for field in edge.fields)
            continue
        whole = FieldChange((), edge.kind, old=edge.before, new=edge.after)
        rows.append(_row("edge", edge.id, None, edge.kind, whole))
    rows.extend(
        _row("document", None, None, ChangeKind.MODIFIED, field) for field in changes.document
    )
    return rows


def diff_versions(
    session: Session, *, principal: Principal, workflow_id: int, a: int, b: int
) -> VersionDiff:
    """What changed from version `a` to version `b` (either may be the older).

    Raises:
        NotFoundError: no such workflow or version, or the caller may not see it.
        InvalidInputError: a version repeats a node or edge id, so they cannot be compared.
    """
    authorized_workflow(session, principal, workflow_id, Action.READ)
    old = find_version(session, workflow_id, a).definition
    new = find_version(session, workflow_id, b).definition
    try:
        changes = diff(old, new, normalized=True)
    except DuplicateIdError as exc:
        raise InvalidInputError(f"Versions {a} and {b} cannot be compared: {exc}") from exc
    names = {node["id"]: node.get("name") for node in [*old["nodes"], *new["nodes"]]}
    return VersionDiff(
        a=a,
        b=b,
        summary=summary(changes),
        changes=changes.to_json(),
        fields=field_rows(changes, names),
    )


def merge_with_latest(
    session: Session,
    *,
    principal: Principal,
    workflow_id: int,
    base_version: int,
    document: dict[str, Any],
    base_document: dict[str, Any] | None = None,
) -> MergePublic:
    """Merge the caller's document (edited from `base_version`) with the newest version.

    The merged document holds both sides' changes; a clash is resolved to the caller's
    side and listed. Nothing is saved: the editor saves the merge with `base_version` set
    to `latest_version`.

    Args:
        base_document: the document the editor loaded, when it has it: the merge base
            instead of version `base_version`'s document, which holds later autosaves
            when they were coalesced into it after the editor loaded it.

    Raises:
        NotFoundError: no such workflow or version, or the caller may not see it.
        PermissionDeniedError: the caller may not change it.
        InvalidWorkflowError: `document` is not a workflow document.
        InvalidInputError: a document repeats a node or edge id.
    """
    workflow, _ = authorized_workflow(session, principal, workflow_id, Action.CHANGE)
    base = find_version(session, workflow_id, base_version).definition
    if base_document is not None:
        base = check_definition(base_document)[0].to_document()
    latest = newest_version(session, workflow)
    assert latest is not None
    ours = check_definition(document)[0].to_document()
    try:
        merged = merge(base, ours, latest.definition, normalized=True)
        ours_summary = summary(diff(base, ours, normalized=True))
        theirs_summary = summary(diff(base, latest.definition, normalized=True))
    except DuplicateIdError as exc:
        raise InvalidInputError(f"The documents cannot be merged: {exc}") from exc
    return MergePublic(
        base_version=base_version,
        latest_version=latest.number,
        document=merged.document,
        conflicts=[conflict.to_json() for conflict in merged.conflicts],
        ours_summary=ours_summary,
        theirs_summary=theirs_summary,
    )
