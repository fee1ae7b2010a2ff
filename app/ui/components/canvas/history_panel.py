"""The editor's history panel: commit, versions newest first (compare, restore, tag, run)
and the compare view's field list; the canvas shows the visual diff meanwhile."""

from __future__ import annotations

import reflex as rx

from app.ui.components.canvas.side_panel import side_panel, side_panel_header
from app.ui.components.confirm_dialog import confirm_dialog
from app.ui.state.editor_ab_state import AbState
from app.ui.state.editor_state import EditorState as E
from app.ui.state.editor_version_views import FieldView, LineView, VersionRow
from app.ui.state.editor_versions_state import VersionsState as V

KIND_COLORS = {"auto": "gray", "commit": "blue", "restore": "amber", "import": "violet"}
CHANGE_COLORS = {"added": "green", "removed": "red", "modified": "amber"}


def _commit_box() -> rx.Component:
    return rx.hstack(
        rx.input(
            placeholder="Commit message",
            value=V.commit_message,
            on_change=V.set_commit_message,
            size="2",
            flex="1",
            max_length=500,
            data_testid="commit-message",
        ),
        rx.button(
            rx.icon("git_commit_horizontal", size=14),
            "Commit",
            on_click=V.commit_version,
            size="2",
            data_testid="commit-button",
        ),
        width="100%",
    )


def _tag_box(row: VersionRow) -> rx.Component:
    return rx.cond(
        V.tag_for == row.number,
        rx.vstack(
            rx.hstack(
                rx.input(
                    placeholder="Tag, e.g. production",
                    value=V.tag_name,
                    on_change=V.set_tag_name,
                    size="1",
                    flex="1",
                    max_length=64,
                    data_testid="tag-input",
                ),
                rx.button("Save tag", size="1", on_click=V.save_tag, data_testid="tag-save"),
                rx.button("Cancel", size="1", variant="soft", on_click=V.start_tag(0)),
                width="100%",
            ),
            rx.cond(V.tag_note != "", rx.text(V.tag_note, size="1", color=rx.color("amber", 11))),
            spacing="1",
            width="100%",
        ),
    )


def _action(label: str, icon: str, **props: object) -> rx.Component:
    return rx.button(rx.icon(icon, size=12), label, size="1", variant="soft", **props)


def _tag_chip(name: rx.Var[str]) -> rx.Component:
    return rx.badge(
        rx.icon("tag", size=10),
        name,
        rx.cond(
            E.can_run,
            rx.icon(
                "play",
                size=10,
                cursor="pointer",
                on_click=V.run_version(0, name),
                aria_label=f"Run {name}",
                data_testid=f"run-tag-{name}",
            ),
        ),
        variant="outline",
        color_scheme="green",
        data_testid="version-tag",
    )


def _version(row: VersionRow) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text(f"v{row.number}", weight="bold", size="2"),
            rx.badge(row.kind, color_scheme=rx.match(row.kind, *KIND_COLORS.items(), "gray")),
            rx.foreach(row.tags, _tag_chip),
            rx.spacer(),
            rx.text(row.created, size="1", color=rx.color("gray", 10)),
            width="100%",
            align="center",
            wrap="wrap",
        ),
        rx.cond(row.message != "", rx.text(row.message, size="2")),
        rx.text(row.summary, " · ", row.author, size="1", color=rx.color("gray", 11)),
        rx.cond(
            row.stats != "",
            rx.text(
                row.stats,
                size="1",
                color=rx.color("gray", 11),
                data_testid=f"version-stats-{row.number}",
            ),
        ),
        rx.hstack(
            _action(
                "Compare",
                "git_compare",
                on_click=V.compare_with_current(row.number),
                data_testid=f"compare-{row.number}",
            ),
            rx.cond(
                E.can_change,
                rx.fragment(
                    _action(
                        "Restore",
                        "rotate_ccw",
                        color_scheme="amber",
                        on_click=V.ask_restore(row.number),
                        data_testid=f"restore-{row.number}",
                    ),
                    _action(
                        "Tag",
                        "tag",
                        on_click=V.start_tag(row.number),
                        data_testid=f"tag-{row.number}",
                    ),
                ),
            ),
            rx.cond(
                E.can_run,
                _action(
                    "Run",
                    "play",
                    color_scheme="green",
                    on_click=V.run_version(row.number, ""),
                    data_testid=f"run-{row.number}",
                ),
            ),
            spacing="1",
            wrap="wrap",
        ),
        _tag_box(row),
        spacing="1",
        width="100%",
        padding="10px 12px",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        data_testid=f"version-{row.number}",
    )


def _line(line: LineView) -> rx.Component:
    return rx.grid(
        rx.text(line.old, size="1", font_family="monospace", white_space="pre-wrap"),
        rx.text(line.new, size="1", font_family="monospace", white_space="pre-wrap"),
        columns="2",
        gap="6px",
        background=rx.match(
            line.kind,
            ("equal", "transparent"),
            ("added", rx.color("green", 3)),
            ("removed", rx.color("red", 3)),
            rx.color("amber", 3),
        ),
        width="100%",
    )


def _value(text: str, color: str) -> rx.Component:
    return rx.text(
        text, size="1", color=rx.color(color, 11), font_family="monospace", word_break="break-all"
    )


def _field(row: FieldView) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text(row.name, weight="bold", size="1"),
            rx.code(row.path, size="1"),
            rx.badge(
                row.change,
                size="1",
                color_scheme=rx.match(row.change, *CHANGE_COLORS.items(), "amber"),
            ),
            spacing="2",
            align="center",
            wrap="wrap",
        ),
        rx.cond(
            row.lines.length() > 0,
            rx.vstack(rx.foreach(row.lines, _line), spacing="0", width="100%"),
            rx.cond(
                (row.old != "") | (row.new != ""),
                rx.grid(
                    rx.text(
                        row.old,
                        size="1",
                        color=rx.color("red", 11),
                        font_family="monospace",
                        word_break="break-all",
                    ),
                    rx.text(
                        row.new,
                        size="1",
                        color=rx.color("green", 11),
                        font_family="monospace",
                        word_break="break-all",
                    ),
                    columns="2",
                    gap="8px",
                    width="100%",
                ),
            ),
        ),
        spacing="1",
        width="100%",
        padding="6px 12px",
        border_bottom=f"1px solid {rx.color('gray', 3)}",
        data_testid="diff-field",
    )


def _picker(value: rx.Var[int], on_change: object, label: str) -> rx.Component:
    return rx.select(
        V.version_options,
        value=value.to_string(),
        on_change=on_change,
        size="1",
        aria_label=label,
    )


def _compare() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text("Compare", weight="bold", size="2"),
            _picker(V.compare_a, V.pick_a, "Compare from version"),
            rx.icon("arrow_right", size=14),
            _picker(V.compare_b, V.pick_b, "Compare to version"),
            rx.spacer(),
            rx.icon_button(
                rx.icon("x", size=14),
                variant="ghost",
                size="1",
                on_click=V.close_compare,
                aria_label="Close compare",
            ),
            align="center",
            width="100%",
            padding="10px 12px 0",
        ),
        rx.text(V.compare_summary, size="2", padding_x="12px", data_testid="compare-summary"),
        rx.grid(
            rx.text("old", size="1", color=rx.color("red", 11)),
            rx.text("new", size="1", color=rx.color("green", 11)),
            columns="2",
            width="100%",
            padding_x="12px",
        ),
        rx.vstack(rx.foreach(V.compare_fields, _field), spacing="0", width="100%"),
        spacing="2",
        width="100%",
        border_bottom=f"2px solid {rx.color('gray', 5)}",
        data_testid="compare-view",
    )


def _pager() -> rx.Component:
    return rx.hstack(
        rx.button("Newer", size="1", variant="ghost", on_click=V.newer, disabled=V.offset == 0),
        rx.text(
            V.total,
            rx.cond(V.total == 1, " version", " versions"),
            size="1",
            color=rx.color("gray", 10),
        ),
        rx.button("Older", size="1", variant="ghost", on_click=V.older, disabled=~V.has_older),
        justify="between",
        width="100%",
        padding="8px 12px",
    )


def history_panel() -> rx.Component:
    """The right-hand history panel (toggled from the toolbar)."""
    return rx.cond(
        V.history_open,
        side_panel(
            rx.vstack(
                side_panel_header(
                    "history",
                    "History",
                    on_close=V.close_history,
                    close_label="Close history",
                    action=rx.cond(
                        E.can_run,
                        rx.button(
                            rx.icon("split", size=12),
                            "A/B run",
                            size="1",
                            variant="soft",
                            on_click=AbState.open_ab(True),
                            data_testid="ab-open",
                        ),
                    ),
                ),
                rx.cond(E.can_change, rx.box(_commit_box(), width="100%", padding_x="12px")),
                rx.cond(V.diff_active, _compare()),
                rx.cond(
                    V.history_error != "",
                    rx.callout(V.history_error, color_scheme="red", size="1", margin_x="12px"),
                ),
                rx.vstack(rx.foreach(V.versions, _version), spacing="0", width="100%"),
                _pager(),
                spacing="2",
                width="100%",
            ),
            test_id="history-panel",
        ),
    )


def restore_dialog() -> rx.Component:
    """Asks before restoring, saying what restoring will change."""
    return confirm_dialog(
        open=V.restore_open,
        on_open_change=V.cancel_restore,
        title=f"Restore version {V.restore_number}?",
        description=(
            f"Version {V.restore_number}'s document becomes a new version (history is kept). "
            f"What changes: {V.restore_summary}."
        ),
        confirm_label="Restore",
        on_confirm=V.confirm_restore,
    )


def diff_legend() -> rx.Component:
    """Over the canvas while it shows a comparison: which versions, the colours, a way back."""

    def swatch(color: str, label: str) -> rx.Component:
        return rx.hstack(
            rx.box(width="10px", height="10px", border_radius="3px", background=rx.color(color, 9)),
            rx.text(label, size="1"),
            spacing="1",
            align="center",
        )

    return rx.cond(
        V.diff_shown,
        rx.hstack(
            rx.text(
                f"v{V.compare_a} → v{V.compare_b}", weight="bold", size="2", white_space="nowrap"
            ),
            swatch("green", "added"),
            swatch("red", "removed"),
            swatch("amber", "modified"),
            rx.button("Back to editing", size="1", variant="soft", on_click=V.close_compare),
            spacing="3",
            align="center",
            position="absolute",
            top="10px",
            left="50%",
            transform="translateX(-50%)",
            width="max-content",
            z_index="10",
            padding="6px 12px",
            border_radius="8px",
            background=rx.color("gray", 1),
            border=f"1px solid {rx.color('gray', 5)}",
            box_shadow="0 2px 8px rgba(0,0,0,.08)",
            data_testid="diff-legend",
        ),
    )
