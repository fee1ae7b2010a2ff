"""The "someone else saved" dialog of the editor (reload theirs / keep mine / merge) and the
list of clashes a merge resolved to this editor's side."""

from __future__ import annotations

import reflex as rx

from app.ui.state.editor_conflict_state import ConflictState as C
from app.ui.state.editor_document_state import DocumentState as D


def _choice(label: str, hint: str, on_click: rx.EventHandler, **props: object) -> rx.Component:
    return rx.vstack(
        rx.dialog.close(rx.button(label, on_click=on_click, width="100%", **props)),
        rx.text(hint, size="1", color=rx.color("gray", 11)),
        spacing="1",
        flex="1",
    )


def conflict_dialog() -> rx.Component:
    """Asked when a save found a newer version by someone else."""
    return rx.fragment(
        rx.dialog.root(
            rx.dialog.content(
                rx.dialog.title("Someone else saved this workflow"),
                rx.dialog.description(D.conflict, size="2", margin_bottom="16px"),
                rx.hstack(
                    _choice(
                        "Merge",
                        "Both changes; where you both changed one thing, yours is kept.",
                        C.merge,
                    ),
                    _choice(
                        "Keep mine",
                        "Save yours over theirs; theirs stays in the history.",
                        C.keep_mine,
                        variant="soft",
                    ),
                    _choice(
                        "Reload theirs",
                        "Drop your unsaved changes.",
                        C.reload_theirs,
                        variant="soft",
                        color_scheme="gray",
                    ),
                    spacing="3",
                    align="start",
                    width="100%",
                ),
                max_width="560px",
                data_testid="conflict-dialog",
            ),
            open=D.conflict != "",
        ),
        rx.dialog.root(
            rx.dialog.content(
                rx.dialog.title("Merged: where you both changed something, yours was kept"),
                rx.unordered_list(
                    rx.foreach(C.clashes, lambda line: rx.list_item(rx.text(line, size="2"))),
                    margin_y="12px",
                ),
                rx.flex(
                    rx.dialog.close(rx.button("OK", on_click=C.dismiss_clashes)),
                    justify="end",
                ),
                max_width="520px",
                data_testid="merge-clashes",
            ),
            open=C.clashes.length() > 0,
        ),
    )
