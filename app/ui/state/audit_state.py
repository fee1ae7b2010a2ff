"""The audit page (owner and admins): who changed what, newest first, filtered and paged."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import reflex as rx

from app.models.audit import AuditEventPublic
from app.services import audit_log
from app.services.audit_log import AuditFilter, AuditPage
from app.services.db_threads import run_db
from app.services.principal import Principal
from app.services.unit_of_work import session_scope
from app.services.user_directory import users_with_last_login
from app.ui.state.auth_state import acting_principal
from app.ui.state.display import iso
from app.ui.state.paging import PAGE_SIZE, PagingMixin

ALL = "all"
DETAIL_MAX = 160
# Actions whose detail describes a new thing, not a change (`api_key.create`, `invite.accept`).
CREATIONS = frozenset({"create", "accept"})


@dataclass
class AuditRow:
    """One audit event in the table; `detail` is its short diff on one line."""

    id: int
    at: str
    actor: str
    action: str
    object: str
    ip: str
    detail: str


@dataclass
class Choice:
    """One option of a filter: the value sent and the label shown."""

    value: str
    label: str


def _value(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(item, str | int) for item in value):
        return ", ".join(str(item) for item in value)
    return json.dumps(value, ensure_ascii=False)


def compact_detail(detail: dict[str, Any], action: str = "") -> str:
    """An event's detail on one line.

    A change (any action but a creation) records `[before, after]` pairs: they read
    `key: before → after`; a creation's lists (a key's scopes) are plain values.
    """
    creation = action.rsplit(".", 1)[-1] in CREATIONS
    parts = []
    for key, value in detail.items():
        if isinstance(value, list) and len(value) == 2 and not creation:
            parts.append(f"{key}: {_value(value[0])} → {_value(value[1])}")
        else:
            parts.append(f"{key}: {_value(value)}")
    text = "; ".join(parts)
    return text if len(text) <= DETAIL_MAX else text[: DETAIL_MAX - 1] + "…"


def audit_row(event: AuditEventPublic) -> AuditRow:
    """How an audit event is listed."""
    target = f"{event.object_type} #{event.object_id}" if event.object_id else event.object_type
    return AuditRow(
        id=event.id,
        at=iso(event.at),
        actor=event.actor or "—",
        action=event.action,
        object=target,
        ip=event.ip,
        detail=compact_detail(event.detail, event.action),
    )


def day_start(value: str, *, after: bool = False) -> datetime | None:
    """The start (UTC) of the day a date field names, or of the next day with `after`."""
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        return None
    return datetime.combine(day + timedelta(days=int(after)), time(0), tzinfo=UTC)


def read_filters(principal: Principal) -> tuple[list[Choice], list[str], list[str]]:
    """The users, actions and object types to filter by (run on a db thread)."""
    with session_scope(read_only=True) as session:
        users = users_with_last_login(session, principal=principal)
        actions, kinds = audit_log.audit_vocabulary(session, principal=principal)
    return [Choice(str(user.id), user.email) for user in users], actions, kinds


def read_page(principal: Principal, where: AuditFilter, offset: int) -> AuditPage:
    """One page of the audit log (run on a db thread)."""
    with session_scope(read_only=True) as session:
        return audit_log.audit_page(
            session, principal=principal, where=where, offset=offset, limit=PAGE_SIZE
        )


class AuditState(PagingMixin, rx.State):
    """State of the audit page: its filters and the page of events shown."""

    rows: list[AuditRow] = []
    actors: list[Choice] = []
    actions: list[str] = []
    object_types: list[str] = []
    actor_filter: str = ALL
    action_filter: str = ALL
    object_filter: str = ALL
    since: str = ""
    until: str = ""

    @rx.var
    def filtered(self) -> bool:
        """Whether any filter is set (the empty state then says so)."""
        return (self.actor_filter, self.action_filter, self.object_filter) != (ALL,) * 3 or bool(
            self.since or self.until
        )

    def _where(self) -> AuditFilter:
        return AuditFilter(
            actor_user_id=int(self.actor_filter) if self.actor_filter.isdigit() else None,
            action="" if self.action_filter == ALL else self.action_filter,
            object_type="" if self.object_filter == ALL else self.object_filter,
            since=day_start(self.since),
            until=day_start(self.until, after=True),
        )

    async def _reload(self) -> None:
        principal = await acting_principal(self)
        page = await run_db(read_page, principal, self._where(), self.offset)
        self.total = page.total
        if self._clamp_offset():
            await self._reload()
            return
        self.rows = [audit_row(event) for event in page.items]
        self.loading = False

    async def _refilter(self) -> None:
        self.offset = 0
        await self._reload()

    @rx.event
    async def load(self) -> None:
        """Load the filters' choices and the first page (on page load)."""
        choices = await run_db(read_filters, await acting_principal(self))
        self.actors, self.actions, self.object_types = choices
        await self._reload()

    @rx.event
    async def set_actor_filter(self, value: str) -> None:
        """Show one user's doings ("all": everyone's)."""
        self.actor_filter = value
        await self._refilter()

    @rx.event
    async def set_action_filter(self, value: str) -> None:
        """Show one action ("all": every action)."""
        self.action_filter = value
        await self._refilter()

    @rx.event
    async def set_object_filter(self, value: str) -> None:
        """Show one kind of object ("all": every kind)."""
        self.object_filter = value
        await self._refilter()

    @rx.event
    async def set_since(self, value: str) -> None:
        """Show events from this day on ("" for no start)."""
        self.since = value
        await self._refilter()

    @rx.event
    async def set_until(self, value: str) -> None:
        """Show events up to the end of this day ("" for no end)."""
        self.until = value
        await self._refilter()

    @rx.event
    async def clear_filters(self) -> None:
        """Show every event again."""
        self.actor_filter = self.action_filter = self.object_filter = ALL
        self.since = self.until = ""
        await self._refilter()
