"""The inspector's section for a schedule trigger node: its schedules live in the
Schedules panel (the node itself has no settings)."""

from __future__ import annotations

import reflex as rx

from app.engine.nodes.triggers import SCHEDULE_TRIGGER
from app.ui.state.editor_schedules_state import SchedulesPanelState as P
from app.ui.state.editor_selection_state import SelectionState as L


def schedule_node_section() -> rx.Component:
    """Shown in the inspector while a schedule trigger node is selected."""
    return rx.cond(
        L.sel_type_label == SCHEDULE_TRIGGER.label,
        rx.vstack(
            rx.text(
                "Schedules for this workflow are set in the Schedules panel.",
                size="2",
                color=rx.color("gray", 11),
            ),
            rx.button(
                rx.icon("calendar_clock", size=13),
                "Open the Schedules panel",
                size="1",
                variant="soft",
                on_click=P.open_schedules,
                data_testid="node-schedules-open",
            ),
            spacing="2",
            width="100%",
            data_testid="node-schedules",
        ),
    )
