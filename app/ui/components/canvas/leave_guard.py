"""Asking before unsaved work is lost: `beforeunload` and a dialog for in-app links."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex_base.event import passthrough_event_spec

from app.ui.components.confirm_dialog import confirm_dialog
from app.ui.state.editor_document_state import DocumentState as D
from app.ui.state.editor_selection_state import SelectionState as L

GUARD_MODULE = rx.asset("leave_guard.jsx")


class LeaveGuard(rx.NoSSRComponent):
    """While `active`, the browser asks before unloading and links report where they lead."""

    library = GUARD_MODULE.importable_path
    tag = "LeaveGuard"

    active: rx.Var[bool]
    on_leave_attempt: rx.EventHandler[passthrough_event_spec(dict[str, Any])]


def leave_guard() -> rx.Component:
    """The guard of the editor and its "Leave without saving?" dialog."""
    return rx.fragment(
        LeaveGuard.create(
            active=D.dirty | (D.save_error != "") | (L.name_error != ""),
            on_leave_attempt=D.ask_leave,
        ),
        confirm_dialog(
            open=D.leave_href != "",
            on_open_change=D.keep_editing,
            title="Leave without saving?",
            description=rx.cond(
                D.save_error != "",
                "Your changes could not be saved: " + D.save_error,
                "A value you typed was refused (see the inspector) and is not saved.",
            ),
            confirm_label="Leave without saving",
            on_confirm=D.leave_anyway,
        ),
    )
