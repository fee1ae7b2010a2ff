"""The Prices page's use cases: list the price table, set and delete overrides.

Everyone signed in reads the prices; the owner and admins change them. Amounts arrive as
decimal strings in USD per million tokens and are stored as exact integer micro-dollars;
an override starts now or later (never in the past, so past calls keep what they cost).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import delete, func, or_
from sqlmodel import Session, select

from app.models.cost import MICROS_PER_USD, PriceSource, ProviderPrice
from app.models.price_schemas import (
    MODEL_NAME_MAX,
    PricedProvider,
    PriceOverrideCreate,
    PricePublic,
    PricesPage,
    PriceStatus,
)
from app.models.types import utc_now
from app.services.audit import record_audit
from app.services.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from app.services.pricing import PRICING, prices_changed_on_commit
from app.services.principal import Principal

# No model costs anywhere near this per million tokens: a bigger number is a typo.
MAX_USD_PER_MTOK = Decimal(10_000)
# Clock skew between the form and the server: "now" typed a moment ago is still now.
PAST_TOLERANCE = timedelta(minutes=5)
MAX_SEARCH = 200


def usd_to_micros(label: str, text: str) -> int:
    """Exact micro-dollars from a decimal USD string ("2.50" -> 2_500_000).

    Args:
        label: how to name the field in an error ("Input price").
        text: what was typed.

    Raises:
        InvalidInputError: not a plain decimal number, negative, finer than a micro-dollar,
            or absurdly large.
    """
    cleaned = text.strip().removeprefix("$").strip()
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise InvalidInputError(f"{label}: enter a number of dollars, such as 2.50") from None
    if not amount.is_finite():
        raise InvalidInputError(f"{label}: enter a number of dollars, such as 2.50")
    if amount < 0:
        raise InvalidInputError(f"{label} cannot be negative")
    if amount > MAX_USD_PER_MTOK:
        raise InvalidInputError(
            f"{label} over ${MAX_USD_PER_MTOK:,} per million tokens looks like a typo"
        )
    micros = amount * MICROS_PER_USD
    if micros != micros.to_integral_value():
        raise InvalidInputError(f"{label}: at most 6 decimal places (one micro-dollar)")
    return int(micros)


def micros_to_usd(micros: int) -> str:
    """A USD string with at least two decimals and nothing after the last digit that counts
    (2_500_000 -> "2.50", 70_000 -> "0.07", 1_234_567 -> "1.234567")."""
    whole, _, fraction = f"{Decimal(micros).scaleb(-6):f}".partition(".")
    return f"{whole}.{fraction.rstrip('0').ljust(2, '0')}"


def _require_price_admin(principal: Principal) -> None:
    if not principal.is_admin:
        raise PermissionDeniedError("Only the owner and admins can change prices")


def _statuses(rows: list[ProviderPrice], now: datetime) -> dict[int, PriceStatus]:
    """Each row's standing: the first row in force per model (overrides first) is in force."""
    by_model: dict[tuple[str, str], list[ProviderPrice]] = {}
    for row in rows:
        by_model.setdefault((row.provider, row.model), []).append(row)
    statuses: dict[int, PriceStatus] = {}
    for group in by_model.values():
        group.sort(
            key=lambda r: (r.source != PriceSource.OVERRIDE.value, -r.effective_from.timestamp())
        )
        in_force = next((r for r in group if r.effective_from <= now), None)
        for row in group:
            assert row.id is not None
            if row.effective_from > now:
                statuses[row.id] = PriceStatus.SCHEDULED
            elif row is in_force:
                statuses[row.id] = PriceStatus.IN_FORCE
            else:
                statuses[row.id] = PriceStatus.SUPERSEDED
    return statuses


def _public(row: ProviderPrice, status: PriceStatus) -> PricePublic:
    assert row.id is not None
    cached = row.cached_micros_per_mtok
    return PricePublic(
        id=row.id,
        provider=row.provider,
        model=row.model,
        input_usd=micros_to_usd(row.input_micros_per_mtok),
        output_usd=micros_to_usd(row.output_micros_per_mtok),
        cached_usd=None if cached is None else micros_to_usd(cached),
        input_micros_per_mtok=row.input_micros_per_mtok,
        output_micros_per_mtok=row.output_micros_per_mtok,
        cached_micros_per_mtok=cached,
        currency=row.currency,
        source=row.source,
        effective_from=row.effective_from,
        status=status,
        created_at=row.created_at,
    )


def list_prices(
    session: Session,
    *,
    principal: Principal,
    search: str = "",
    source: str | None = None,
    offset: int = 0,
    limit: int = 100,
) -> PricesPage:
    """Price rows, by provider and model, newest first within a model, with their standing.

    Args:
        session: a session (only read).
        principal: the caller (anyone signed in may read prices).
        search: part of a model or provider name (case-insensitive).
        source: only rows of this source ("litellm", "default", "override").
        offset: rows to skip.
        limit: rows to return.

    Raises:
        InvalidInputError: an unknown source or an over-long search.
    """
    del principal  # prices are public to every signed-in user
    if source is not None and source not in {s.value for s in PriceSource}:
        raise InvalidInputError(f"Unknown source {source!r} (litellm, default or override)")
    if len(search) > MAX_SEARCH:
        raise InvalidInputError(f"Search text over {MAX_SEARCH} characters")
    query = select(ProviderPrice)
    pattern = search.strip().lower()
    if pattern:
        like = f"%{pattern}%"
        query = query.where(
            or_(
                func.lower(ProviderPrice.model).like(like),
                func.lower(ProviderPrice.provider).like(like),
            )
        )
    # Every row of a matching model is read: a row's standing depends on its siblings.
    rows = list(session.exec(query).all())
    statuses = _statuses(rows, utc_now())
    if source:
        rows = [r for r in rows if r.source == source]
    rows.sort(key=lambda r: (r.provider, r.model, -r.effective_from.timestamp(), r.source))
    page = rows[offset : offset + limit]
    return PricesPage(items=[_public(r, statuses[r.id or 0]) for r in page], total=len(rows))


def _clean_override(data: PriceOverrideCreate, now: datetime) -> tuple[str, str, datetime]:
    provider = PricedProvider(data.provider).value
    model = data.model.strip().removeprefix(f"{provider}/")
    if not model:
        raise InvalidInputError("Model: enter the model's name, such as gpt-4o")
    if len(model) > MODEL_NAME_MAX or any(c.isspace() or not c.isprintable() for c in model):
        raise InvalidInputError("Model: a name without spaces, at most 200 characters")
    start = data.effective_from or now
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    if start < now - PAST_TOLERANCE:
        raise InvalidInputError(
            "Effective from: an override starts now or later (past calls keep what they cost)"
        )
    return provider, model, max(start, now)


def set_override(
    session: Session, *, principal: Principal, data: PriceOverrideCreate
) -> PricePublic:
    """Set a model's price from a moment on (now by default); it wins over the other sources.

    An override for the same model and moment is replaced. The caller commits; cached
    prices are forgotten and the price book refilled once it does.

    Raises:
        PermissionDeniedError: the caller is not the owner or an admin.
        InvalidInputError: a bad model name, an amount that is not a
            plain non-negative number of dollars (6 decimals at most), or a start in the past.
    """
    _require_price_admin(principal)
    now = utc_now()
    provider, model, start = _clean_override(data, now)
    input_micros = usd_to_micros("Input price", data.input_usd)
    output_micros = usd_to_micros("Output price", data.output_usd)
    cached_text = (data.cached_usd or "").strip()
    cached_micros = usd_to_micros("Cached input price", cached_text) if cached_text else None
    replaced = session.execute(
        delete(PRICING)
        .where(
            PRICING.c.provider == provider,
            PRICING.c.model == model,
            PRICING.c.source == PriceSource.OVERRIDE.value,
            PRICING.c.effective_from == start,
        )
        .returning(PRICING.c.id)
    ).all()
    row = ProviderPrice(
        provider=provider,
        model=model,
        input_micros_per_mtok=input_micros,
        output_micros_per_mtok=output_micros,
        cached_micros_per_mtok=cached_micros,
        currency="USD",
        effective_from=start,
        source=PriceSource.OVERRIDE.value,
        created_by=principal.user_id or None,
        created_at=now,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    record_audit(
        session,
        actor=principal,
        action="price.override.set",
        object_type="provider_price",
        object_id=row.id,
        detail={
            "provider": provider,
            "model": model,
            "input_usd": micros_to_usd(input_micros),
            "output_usd": micros_to_usd(output_micros),
            "cached_usd": None if cached_micros is None else micros_to_usd(cached_micros),
            "effective_from": start.isoformat(),
            "replaced": [r.id for r in replaced],
        },
    )
    prices_changed_on_commit(session)
    status = PriceStatus.SCHEDULED if start > now else PriceStatus.IN_FORCE
    return _public(row, status)


def delete_override(session: Session, *, principal: Principal, price_id: int) -> None:
    """Delete an override (LiteLLM's and the default rows stay: they are the record).

    Raises:
        PermissionDeniedError: the caller is not the owner or an admin.
        NotFoundError: no override has this id.
    """
    _require_price_admin(principal)
    row = session.get(ProviderPrice, price_id)
    if row is None or row.source != PriceSource.OVERRIDE.value:
        raise NotFoundError(f"Price override {price_id} not found")
    detail = {
        "provider": row.provider,
        "model": row.model,
        "input_usd": micros_to_usd(row.input_micros_per_mtok),
        "output_usd": micros_to_usd(row.output_micros_per_mtok),
        "effective_from": row.effective_from.isoformat(),
    }
    session.delete(row)
    session.flush()
    record_audit(
        session,
        actor=principal,
        action="price.override.delete",
        object_type="provider_price",
        object_id=price_id,
        detail=detail,
    )
    prices_changed_on_commit(session)
