"""The "Delete X?" confirmation a list asks before deleting a row: which row, by what name."""

from __future__ import annotations

import reflex as rx


class DeleteConfirmMixin(rx.State, mixin=True):
    """The row asked about (0: the dialog is closed) and its name; the state using it deletes
    `delete_id` in its own `confirm_delete`, taking it with `take_delete_id`."""

    delete_id: int = 0
    delete_name: str = ""

    @rx.var
    def delete_open(self) -> bool:
        """Whether the confirmation shows."""
        return self.delete_id > 0

    @rx.event
    def ask_delete(self, row_id: int, name: str) -> None:
        """Open the confirmation for a row."""
        self.delete_id, self.delete_name = row_id, name

    @rx.event
    def cancel_delete(self, open_: bool = False) -> None:
        """Close the confirmation without deleting (the dialog's open-change event)."""
        if not open_:
            self.delete_id = 0

    def take_delete_id(self) -> int:
        """The row to delete, closing the confirmation."""
        row_id, self.delete_id = self.delete_id, 0
        return row_id
