"""The output drawer: one node's full input and output, read when the drawer shows it."""

from __future__ import annotations

import reflex as rx

from app.services.db_threads import run_db
from app.services.errors import ServiceError
from app.services.node_details import NodeDetail, node_detail
from app.services.principal import Principal
from app.services.unit_of_work import session_scope
from app.ui.state.auth_state import acting_principal
from app.ui.state.display import error_message, format_ms, pretty
from app.ui.state.editor_document import node_by_id
from app.ui.state.editor_models import DrawerView
from app.ui.state.editor_state import EditorState


def read_node_detail(
    principal: Principal, workflow_id: int, node_id: str, execution_id: int | None
) -> NodeDetail:
    """A node's full input and output (call it on a worker thread)."""
    with session_scope(read_only=True) as session:
        return node_detail(
            session,
            principal=principal,
            workflow_id=workflow_id,
            node_id=node_id,
            execution_id=execution_id,
        )


def drawer_view(node_id: str, name: str, detail: NodeDetail) -> DrawerView:
    """What the drawer shows of a node's detail."""
    reuse = "pinned" if detail.pinned else "cached" if detail.cached else ""
    return DrawerView(
        node_id=node_id,
        name=name,
        status="not run" if detail.status == "pending" else detail.status,
        input="" if detail.input is None else pretty(detail.input),
        output=pretty(detail.output) if detail.has_output else "",
        error=detail.error or "",
        duration=format_ms(detail.duration_ms),
        attempts=reuse or str(detail.attempts),
    )


class DrawerState(EditorState):
    """The bottom drawer with the input, output, error and timing of one node."""

    drawer_open: bool = False
    drawer: DrawerView = DrawerView()

    async def fill(self, node_id: str) -> None:
        """Read the node's full input and output (off the event loop) and show them."""
        node = node_by_id(self.document(), node_id) or {}
        name = str(node.get("name") or node_id)
        latest = self._nodes.get(node_id)
        execution_id = latest.execution_id if latest and latest.execution_id else None
        try:
            detail = await run_db(
                read_node_detail,
                await acting_principal(self),
                self.workflow_id,
                node_id,
                execution_id,
            )
        except ServiceError as exc:
            self.drawer = DrawerView(node_id=node_id, name=name, error=error_message(exc))
            return
        self.drawer = drawer_view(node_id, name, detail)

    @rx.event
    async def open_output(self, node_id: str) -> None:
        """Open the drawer on a node."""
        if not node_id:
            return
        self.drawer_open = True
        await self.fill(node_id)

    @rx.event
    def close_output(self) -> None:
        """Close the drawer."""
        self.drawer_open = False
