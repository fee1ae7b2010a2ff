"""Undo/redo as patches: each step keeps what an edit changed and how to take it back.

A patch names the nodes and edges (by id) that an edit added, changed or removed, their
order when it changed, and other top-level keys that changed. A history of 100 steps on a
150-node workflow therefore holds a few nodes per step, not 100 copies of the document.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, replace
from typing import Any

HISTORY_CAP = 100
_KEYED = ("nodes", "edges")


def _by_id(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {str(item.get("id")): item for item in items}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The patch that turns `before` into `after` (apply it with `apply_patch`)."""
    patch: dict[str, Any] = {}
    for key in _KEYED:
        old_items, new_items = before.get(key, []), after.get(key, [])
        old, new = _by_id(old_items), _by_id(new_items)
        changed = {item_id: item for item_id, item in new.items() if old.get(item_id) != item} | {
            item_id: None for item_id in old if item_id not in new
        }
        if changed:
            patch[key] = changed
        order = [str(i.get("id")) for i in new_items]
        if [str(i.get("id")) for i in old_items] != order:
            patch[f"{key}_order"] = order
    others = {
        key: after.get(key)
        for key in set(before) | set(after)
        if key not in _KEYED and before.get(key) != after.get(key)
    }
    missing = [key for key in others if key not in after]
    if others:
        patch["set"] = {k: v for k, v in others.items() if k in after}
    if missing:
        patch["drop"] = missing
    return copy.deepcopy(patch)


def apply_patch(document: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """A new document: `document` with `patch` applied (the argument is left as it is)."""
    new = copy.deepcopy(document)
    for key in _KEYED:
        items = _by_id(new.get(key, []))
        for item_id, item in (patch.get(key) or {}).items():
            if item is None:
                items.pop(item_id, None)
            else:
                items[item_id] = copy.deepcopy(item)
        order = patch.get(f"{key}_order") or [i for i in items]
        if key in new or items:
            new[key] = [items[i] for i in order if i in items]
    for key, value in (patch.get("set") or {}).items():
        new[key] = copy.deepcopy(value)
    for key in patch.get("drop") or []:
        new.pop(key, None)
    return new


@dataclass(frozen=True)
class HistoryStep:
    """One edit: the patch that redoes it, the one that undoes it, and its coalescing key.

    Patches are kept as JSON text, so the history is cheap to copy and pickle.
    """

    forward: str
    inverse: str
    coalesce: str = ""


@dataclass(frozen=True)
class EditHistory:
    """Bounded undo and redo stacks of patches (newest last)."""

    undo_steps: tuple[HistoryStep, ...] = ()
    redo_steps: tuple[HistoryStep, ...] = ()

    @property
    def can_undo(self) -> bool:
        """Whether there is an edit to take back."""
        return bool(self.undo_steps)

    @property
    def can_redo(self) -> bool:
        """Whether there is an undone edit to re-apply."""
        return bool(self.redo_steps)

    def recorded(
        self, before: dict[str, Any], after: dict[str, Any], *, coalesce: str = ""
    ) -> EditHistory:
        """The history after an edit from `before` to `after` (the redo stack is dropped).

        Consecutive edits with the same non-empty `coalesce` key (e.g. typing in one field)
        become one step.
        """
        steps = self.undo_steps
        if coalesce and steps and steps[-1].coalesce == coalesce:
            before = apply_patch(before, json.loads(steps[-1].inverse))
            steps = steps[:-1]
        step = HistoryStep(
            forward=json.dumps(diff(before, after)),
            inverse=json.dumps(diff(after, before)),
            coalesce=coalesce,
        )
        return EditHistory(undo_steps=(*steps, step)[-HISTORY_CAP:], redo_steps=())

    def undone(self, current: dict[str, Any]) -> tuple[EditHistory, dict[str, Any]] | None:
        """The history and document after undoing the last edit (None: nothing to undo)."""
        if not self.undo_steps:
            return None
        *kept, step = self.undo_steps
        if kept:  # an edit after an undo starts a step of its own
            kept[-1] = replace(kept[-1], coalesce="")
        document = apply_patch(current, json.loads(step.inverse))
        return EditHistory(tuple(kept), (*self.redo_steps, replace(step, coalesce=""))), document

    def redone(self, current: dict[str, Any]) -> tuple[EditHistory, dict[str, Any]] | None:
        """The history and document after re-applying the last undone edit (None: none)."""
        if not self.redo_steps:
            return None
        step = self.redo_steps[-1]
        document = apply_patch(current, json.loads(step.forward))
        return EditHistory((*self.undo_steps, step), self.redo_steps[:-1]), document

    def size(self) -> int:
        """Characters held by all patches (tests check the history stays small)."""
        steps = (*self.undo_steps, *self.redo_steps)
        return sum(len(s.forward) + len(s.inverse) for s in steps)
