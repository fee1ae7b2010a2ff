"""When someone else saved the workflow after this editor loaded it: reload theirs, keep
mine (saved over theirs, which stays in the history), or merge both (a three-way merge;
where both changed the same thing, mine wins and the clash is listed)."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.event import EventSpec

from app.models.version import MergePublic
from app.services.db_threads import run_db
from app.services.errors import ServiceError
from app.services.principal import Principal
from app.services.unit_of_work import session_scope
from app.services.version_compare import merge_with_latest
from app.ui.state.auth_state import acting_principal
from app.ui.state.display import error_message
from app.ui.state.editor_document_state import DocumentState
from app.ui.state.editor_state import EditorState


def merged_with_latest(
    principal: Principal,
    workflow_id: int,
    base_version: int,
    document: dict[str, Any],
    base_document: dict[str, Any],
) -> MergePublic:
    """The three-way merge of what the editor loaded, its document and the newest version
    (run on a db thread)."""
    with session_scope(read_only=True) as session:
        return merge_with_latest(
            session,
            principal=principal,
            workflow_id=workflow_id,
            base_version=base_version,
            document=document,
            base_document=base_document,
        )


def clash_lines(merge: MergePublic) -> list[str]:
    """One line per clash the merge resolved to this editor's side."""
    return [f"{c.get('what', '?')}: kept yours" for c in merge.conflicts]


class ConflictState(EditorState):
    """The "someone else saved" dialog: `EditorState.conflict` opens it."""

    # After a merge: the clashes that were resolved to this editor's side.
    clashes: list[str] = []

    @rx.event
    async def reload_theirs(self) -> None:
        """Drop this editor's unsaved changes and open the newest version."""
        self.clashes = []
        await (await self.get_state(DocumentState)).open_workflow(self.workflow_id)

    @rx.event
    async def keep_mine(self) -> EventSpec:
        """Save this editor's document over the newest version (theirs stays in history)."""
        document = await self.get_state(DocumentState)
        error = await document.save_document(overwrite=True)
        if error:
            return rx.toast.error(f"Not saved: {error}")
        return rx.toast.success("Saved yours; theirs is in the history")

    @rx.event
    async def merge(self) -> EventSpec:
        """Merge both sides into the canvas and save the result on top of theirs."""
        document = await self.get_state(DocumentState)
        base = document.base_version()
        if base is None:
            return await self.keep_mine()
        try:
            merge = await run_db(
                merged_with_latest,
                await acting_principal(self),
                self.workflow_id,
                base,
                document.document(),
                document.saved_document(),
            )
        except ServiceError as exc:
            return rx.toast.error(f"Could not merge: {error_message(exc)}")
        await document.commit(merge.document)
        document.rebase(merge.latest_version)
        error = await document.save_now()
        if error:
            return rx.toast.error(f"Not saved: {error}")
        self.clashes = clash_lines(merge)
        if self.clashes:
            return rx.toast.warning("Merged; where you both changed something, yours was kept")
        return rx.toast.success("Merged both changes and saved")

    @rx.event
    def dismiss_clashes(self) -> None:
        """Close the list of clashes a merge resolved."""
        self.clashes = []
