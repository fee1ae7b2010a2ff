"""Line diff of a long text field (a prompt, a template) for the side-by-side view."""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from enum import StrEnum
from typing import Any


class LineKind(StrEnum):
    """How one row of the side-by-side view differs."""

    EQUAL = "equal"
    CHANGED = "changed"
    ADDED = "added"
    REMOVED = "removed"


@dataclass(frozen=True)
class LineChange:
    """One row: the old line on the left, the new line on the right (None where absent).

    Line numbers count from 1.
    """

    kind: LineKind
    old_number: int | None
    old_text: str | None
    new_number: int | None
    new_text: str | None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "kind": self.kind.value,
            "old_number": self.old_number,
            "old_text": self.old_text,
            "new_number": self.new_number,
            "new_text": self.new_text,
        }


def text_changes(old: str, new: str) -> list[LineChange]:
    """Side-by-side rows from `old` to `new`.

    A block of replaced lines pairs old and new lines one to one as `changed`; what is
    left over of the longer side is `removed` or `added`.
    """
    old_lines, new_lines = old.splitlines(), new.splitlines()
    rows: list[LineChange] = []
    matcher = SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows.extend(
                LineChange(LineKind.EQUAL, i + 1, old_lines[i], j + 1, new_lines[j])
                for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
            )
            continue
        paired = min(i2 - i1, j2 - j1)
        rows.extend(
            LineChange(
                LineKind.CHANGED, i1 + k + 1, old_lines[i1 + k], j1 + k + 1, new_lines[j1 + k]
            )
            for k in range(paired)
        )
        rows.extend(
            LineChange(LineKind.REMOVED, i + 1, old_lines[i], None, None)
            for i in range(i1 + paired, i2)
        )
        rows.extend(
            LineChange(LineKind.ADDED, None, None, j + 1, new_lines[j])
            for j in range(j1 + paired, j2)
        )
    return rows
