"""Field-level changes between two JSON objects: compare, record, apply and look up by path."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

FieldPath = tuple[str, ...]


class ChangeKind(StrEnum):
    """What happened to a node, an edge or a field."""

    ADDED = "added"
    REMOVED = "removed"
    MODIFIED = "modified"
    # Edges only: deleted and drawn again between the same handles; same meaning, new id.
    RECREATED = "recreated"

    @property
    def inverse(self) -> ChangeKind:
        """The kind of the same change read backwards."""
        if self is ChangeKind.ADDED:
            return ChangeKind.REMOVED
        if self is ChangeKind.REMOVED:
            return ChangeKind.ADDED
        return self


class PatchError(ValueError):
    """A diff does not fit the document it is applied to."""


@dataclass(frozen=True)
class FieldChange:
    """One value that differs, at `path` inside a node, an edge or the document.

    `old` is None when the field was added and `new` is None when it was removed.
    """

    path: FieldPath
    kind: ChangeKind
    old: Any = None
    new: Any = None

    @property
    def label(self) -> str:
        """The path as people read it: `config.headers.Accept`."""
        return ".".join(self.path)

    def inverted(self) -> FieldChange:
        """The change that undoes this one."""
        return FieldChange(self.path, self.kind.inverse, old=self.new, new=self.old)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"path": list(self.path), "kind": self.kind.value, "old": self.old, "new": self.new}


def same(a: Any, b: Any) -> bool:
    """JSON equality: unlike `==`, `true`, `1` and `1.0` are three different values."""
    kind = a.__class__
    if kind is not b.__class__:
        return False
    if kind is dict:
        return len(a) == len(b) and _same_items(a.items(), b, _ABSENT)
    if kind is list:
        return len(a) == len(b) and _same_items(enumerate(a), b, None)
    return bool(a == b)


_ABSENT = object()


def _same_items(items: Iterable[tuple[Any, Any]], other: Any, absent: object) -> bool:
    # Scalars are compared inline: this runs for every value of every node of both documents.
    for key, value in items:
        other_value = other.get(key, absent) if absent is not None else other[key]
        kind = value.__class__
        if kind is not other_value.__class__:
            return False
        if kind is dict or kind is list:
            if not same(value, other_value):
                return False
        elif value != other_value:
            return False
    return True


def field_changes(old: dict[str, Any], new: dict[str, Any], prefix: FieldPath) -> list[FieldChange]:
    """Changes from `old` to `new`, descending into values that are objects on both sides.

    Lists and scalars are compared as whole values. Not sorted.
    """
    changes = []
    for key, old_value in old.items():
        path = (*prefix, key)
        if key not in new:
            changes.append(FieldChange(path, ChangeKind.REMOVED, old=old_value))
            continue
        new_value = new[key]
        if isinstance(old_value, dict) and isinstance(new_value, dict):
            changes.extend(field_changes(old_value, new_value, path))
        elif not same(old_value, new_value):
            changes.append(FieldChange(path, ChangeKind.MODIFIED, old=old_value, new=new_value))
    changes.extend(
        FieldChange((*prefix, key), ChangeKind.ADDED, new=value)
        for key, value in new.items()
        if key not in old
    )
    return changes


def value_at(target: Any, path: FieldPath) -> Any:
    """The value at `path`, or None when some step is absent or not an object."""
    for key in path:
        if not isinstance(target, dict) or key not in target:
            return None
        target = target[key]
    return target


def apply_field_changes(target: dict[str, Any], changes: tuple[FieldChange, ...]) -> None:
    """Apply `changes` to `target` in place, checking each old value first.

    Raises:
        PatchError: a path is missing or holds another value than the change expects.
    """
    for change in changes:
        parent: Any = target
        for key in change.path[:-1]:
            parent = parent.get(key) if isinstance(parent, dict) else None
        key = change.path[-1]
        if not isinstance(parent, dict):
            raise PatchError(f"{change.label} has no parent object to change")
        if change.kind is ChangeKind.ADDED:
            if key in parent:
                raise PatchError(f"{change.label} already exists")
            parent[key] = copy.deepcopy(change.new)
            continue
        if key not in parent or not same(parent[key], change.old):
            raise PatchError(f"{change.label} does not hold the value the diff expects")
        if change.kind is ChangeKind.REMOVED:
            del parent[key]
        else:
            parent[key] = copy.deepcopy(change.new)


def overlaps(a: FieldPath, b: FieldPath) -> bool:
    """Whether one path is the other or lies inside it."""
    shorter = min(len(a), len(b))
    return a[:shorter] == b[:shorter]
