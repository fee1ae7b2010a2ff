"""Offset pagination shared by the list pages."""

from __future__ import annotations

import reflex as rx

PAGE_SIZE = 20


class PagingMixin(rx.State, mixin=True):
    """Offset, page size and total of a list; the state using it implements `async _reload`."""

    offset: int = 0
    total: int = 0
    loading: bool = True

    @rx.var
    def first(self) -> int:
        """1-based index of the first row shown (0 when empty)."""
        return self.offset + 1 if self.total else 0

    @rx.var
    def last(self) -> int:
        """Index of the last row shown."""
        return min(self.offset + PAGE_SIZE, self.total)

    @rx.var
    def has_prev(self) -> bool:
        """Whether there is a page before this one."""
        return self.offset > 0

    @rx.var
    def has_next(self) -> bool:
        """Whether there is a page after this one."""
        return self.offset + PAGE_SIZE < self.total

    async def _reload(self) -> None:
        raise NotImplementedError

    def _clamp_offset(self) -> bool:
        """Step back to the last page when rows vanished under the current one."""
        if self.offset and self.offset >= self.total:
            self.offset = max(0, (self.total - 1) // PAGE_SIZE * PAGE_SIZE)
            return True
        return False

    @rx.event
    async def next_page(self) -> None:
        """Show the next page."""
        if self.has_next:
            self.offset += PAGE_SIZE
            await self._reload()

    @rx.event
    async def prev_page(self) -> None:
        """Show the previous page."""
        if self.offset:
            self.offset = max(0, self.offset - PAGE_SIZE)
            await self._reload()
