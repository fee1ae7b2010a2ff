"""The Prices page: the price table (searched, filtered, paged) and, for the owner and
admins, overrides set in a dialog (inline errors) and deleted after a confirmation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import reflex as rx
from reflex_base.event import EventSpec

from app.models.price_schemas import PriceOverrideCreate, PricePublic, PricesPage
from app.services import price_overrides
from app.services.db_threads import run_db
from app.services.errors import InvalidInputError, ServiceError
from app.services.principal import Principal
from app.services.unit_of_work import session_scope
from app.ui.state.auth_state import acting_principal
from app.ui.state.delete_confirm import DeleteConfirmMixin
from app.ui.state.display import error_message, iso
from app.ui.state.paging import PAGE_SIZE, PagingMixin

ALL = "all"
SINCE_ALWAYS_YEAR = 1970
PROVIDERS = ("openai", "anthropic", "gemini", "openai_compatible")
# Which form field a service message is about (it names the field first).
FIELD_OF = (
    ("Input price", "input"),
    ("Output price", "output"),
    ("Cached input price", "cached"),
    ("Model", "model"),
    ("Effective from", "start"),
)


@dataclass
class PriceRow:
    """One price row as the table shows it."""

    id: int
    provider: str
    model: str
    input_usd: str
    output_usd: str
    cached_usd: str
    source: str
    status: str
    effective_from: str
    since_always: bool


def price_row(price: PricePublic) -> PriceRow:
    """How a price row is listed ("—" for a cached price charged as input)."""
    return PriceRow(
        id=price.id,
        provider=price.provider,
        model=price.model,
        input_usd=price.input_usd,
        output_usd=price.output_usd,
        cached_usd=price.cached_usd or "—",
        source=price.source,
        status=price.status.value,
        effective_from=iso(price.effective_from),
        since_always=price.effective_from.year <= SINCE_ALWAYS_YEAR,
    )


def start_of(day_text: str, today: date) -> datetime | None:
    """When an override typed with a start day begins: None (now) for empty or today,
    midnight UTC for a later day.

    Raises:
        InvalidInputError: not a date, or a day in the past.
    """
    if not day_text.strip():
        return None
    try:
        day = date.fromisoformat(day_text.strip())
    except ValueError:
        raise InvalidInputError("Effective from: a date such as 2027-01-31") from None
    if day < today:
        raise InvalidInputError("Effective from: today or later (past calls keep what they cost)")
    return None if day == today else datetime.combine(day, time(0), tzinfo=UTC)


def read_prices(principal: Principal, search: str, source: str, offset: int) -> PricesPage:
    """One page of the price table (run on a db thread)."""
    with session_scope(read_only=True) as session:
        return price_overrides.list_prices(
            session,
            principal=principal,
            search=search,
            source=None if source == ALL else source,
            offset=offset,
            limit=PAGE_SIZE,
        )


def save_override(principal: Principal, data: PriceOverrideCreate) -> PricePublic:
    """Set an override (run on a db thread)."""
    with session_scope() as session:
        return price_overrides.set_override(session, principal=principal, data=data)


def remove_override(principal: Principal, price_id: int) -> None:
    """Delete an override (run on a db thread)."""
    with session_scope() as session:
        price_overrides.delete_override(session, principal=principal, price_id=price_id)


class PricesState(DeleteConfirmMixin, PagingMixin, rx.State):
    """State of the Prices page: filters, the page of rows and the override dialog."""

    rows: list[PriceRow] = []
    search: str = ""
    source_filter: str = ALL
    can_change: bool = False
    form_open: bool = False
    form_provider: str = "openai"
    form_model: str = ""
    form_input: str = ""
    form_output: str = ""
    form_cached: str = ""
    form_start: str = ""
    errors: dict[str, str] = {}

    @rx.var
    def filtered(self) -> bool:
        """Whether a search or source filter is set (the empty state then says so)."""
        return bool(self.search.strip()) or self.source_filter != ALL

    async def _reload(self) -> None:
        principal = await acting_principal(self)
        self.can_change = principal.is_admin
        page = await run_db(read_prices, principal, self.search, self.source_filter, self.offset)
        self.total = page.total
        if self._clamp_offset():
            await self._reload()
            return
        self.rows = [price_row(p) for p in page.items]
        self.loading = False

    @rx.event
    async def load(self) -> None:
        """The first page (on page load)."""
        await self._reload()

    @rx.event
    async def set_search(self, value: str) -> None:
        """Filter by part of a model or provider name."""
        self.search = value[: price_overrides.MAX_SEARCH]
        self.offset = 0
        await self._reload()

    @rx.event
    async def set_source_filter(self, value: str) -> None:
        """Show one source's rows ("all": every source)."""
        self.source_filter = value
        self.offset = 0
        await self._reload()

    @rx.event
    async def clear_filters(self) -> None:
        """Show every row again."""
        self.search, self.source_filter, self.offset = "", ALL, 0
        await self._reload()

    @rx.event
    def open_form(self, row: dict[str, str] | None = None) -> None:
        """Open the override dialog, empty or filled with a row's model and prices."""
        row = row or {}
        cached = row.get("cached_usd", "")
        self.form_provider = row.get("provider", "openai")
        self.form_model = row.get("model", "")
        self.form_input = row.get("input_usd", "")
        self.form_output = row.get("output_usd", "")
        self.form_cached = "" if cached == "—" else cached
        self.form_start = ""
        self.errors = {}
        self.form_open = True

    @rx.event
    def set_form_open(self, value: bool) -> None:
        """Open or close the override dialog."""
        self.form_open = value

    @rx.event
    def set_form_provider(self, value: str) -> None:
        """The override's provider."""
        self.form_provider = value

    @rx.event
    def set_form_model(self, value: str) -> None:
        """The override's model."""
        self.form_model = value

    @rx.event
    def set_form_input(self, value: str) -> None:
        """USD per million input tokens, as typed."""
        self.form_input = value

    @rx.event
    def set_form_output(self, value: str) -> None:
        """USD per million output tokens, as typed."""
        self.form_output = value

    @rx.event
    def set_form_cached(self, value: str) -> None:
        """USD per million cached input tokens, as typed (empty: the input price)."""
        self.form_cached = value

    @rx.event
    def set_form_start(self, value: str) -> None:
        """The day the override starts (empty: now)."""
        self.form_start = value

    def _form_data(self) -> PriceOverrideCreate:
        start = start_of(self.form_start, datetime.now(UTC).date())
        if self.form_provider not in PROVIDERS:
            raise InvalidInputError("Provider: choose one")
        return PriceOverrideCreate.model_validate(
            {
                "provider": self.form_provider,
                "model": self.form_model[:300],
                "input_usd": self.form_input[:32],
                "output_usd": self.form_output[:32],
                "cached_usd": self.form_cached[:32] or None,
                "effective_from": start,
            }
        )

    @rx.event
    async def save(self) -> EventSpec | None:
        """Set the override; a refused field gets its message under it."""
        self.errors = {}
        try:
            data = self._form_data()
            saved = await run_db(save_override, await acting_principal(self), data)
        except InvalidInputError as exc:
            field = next((f for prefix, f in FIELD_OF if exc.message.startswith(prefix)), "form")
            self.errors = {field: exc.message}
            return None
        except ServiceError as exc:
            self.errors = {"form": error_message(exc)}
            return None
        except ValueError:  # the schema's bounds (a too-long model name)
            self.errors = {"model": "Model: at most 200 characters"}
            return None
        self.form_open = False
        self.search, self.source_filter, self.offset = saved.model, ALL, 0
        await self._reload()
        when = "from now on" if saved.status == "in_force" else "from its start day"
        return rx.toast.success(f"{saved.provider}/{saved.model} priced {when}", duration=2000)

    @rx.event
    async def confirm_delete(self) -> EventSpec:
        """Delete the override asked about."""
        price_id = self.take_delete_id()
        try:
            await run_db(remove_override, await acting_principal(self), price_id)
        except ServiceError as exc:
            return rx.toast.error(error_message(exc))
        await self._reload()
        return rx.toast.success(f"Deleted the override of {self.delete_name}", duration=1500)
