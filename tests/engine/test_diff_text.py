"""Line diff of long text fields for the side-by-side view."""

from __future__ import annotations

from app.engine.diff_text import LineChange, LineKind, text_changes


def test_text_changes_pair_replaced_lines_side_by_side() -> None:
    rows = text_changes("one\ntwo\nthree\nfour", "one\n2\nthree\nfour\nfive")

    assert rows == [
        LineChange(LineKind.EQUAL, 1, "one", 1, "one"),
        LineChange(LineKind.CHANGED, 2, "two", 2, "2"),
        LineChange(LineKind.EQUAL, 3, "three", 3, "three"),
        LineChange(LineKind.EQUAL, 4, "four", 4, "four"),
        LineChange(LineKind.ADDED, None, None, 5, "five"),
    ]
    assert rows[1].to_json()["kind"] == "changed"


def test_text_changes_list_lines_left_over_from_a_replaced_block() -> None:
    rows = text_changes("a\nb\nc", "x")

    assert [(row.kind, row.old_number, row.new_number) for row in rows] == [
        (LineKind.CHANGED, 1, 1),
        (LineKind.REMOVED, 2, None),
        (LineKind.REMOVED, 3, None),
    ]
