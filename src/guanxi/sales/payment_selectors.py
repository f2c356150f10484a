"""Reads for payments: open instalments (receivables), aging, receipts, collections, panels.

Every read goes through ``access.scoped(actor, …, "payment")``; instalments and receipts
carry the owner of their order or contract, so the scope needs no join. ``aging_by`` groups
in the database (one query) for the receivables page; the reports and the collections
target read ``guanxi.sales.collections``.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, CharField, Count, DecimalField, F, Q, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core import access
from guanxi.core.errors import ValidationFailed
from guanxi.core.filters import ID, OWNER, apply_filters, check_sort
from guanxi.core.models import Organisation
from guanxi.core.pagination import Page, paginate
from guanxi.sales.models import (
    BOOKED_ORDER_STATUSES,
    Contract,
    ContractStatus,
    Instalment,
    Order,
    Receipt,
)
from guanxi.sales.sums import money, sum_cents

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=18, decimal_places=2)
# Orders and contracts that take money: a draft is not agreed yet, a cancelled order is off.
# A terminated contract may still owe what was delivered before it ended.
PAYABLE_STATUSES = {
    "order": tuple(BOOKED_ORDER_STATUSES),
    "contract": (
        ContractStatus.ACTIVE,
        ContractStatus.EXPIRED,
        ContractStatus.TERMINATED,
        ContractStatus.RENEWED,
    ),
}
PARENT_MODELS: dict[str, type[models.Model]] = {"order": Order, "contract": Contract}

RECEIVABLE_FILTERS = {"owner": OWNER, "account": ID, "order": ID, "contract": ID}
RECEIVABLE_SORTS = ("due_date", "-due_date")
RECEIPT_FILTERS = {"owner": OWNER, "account": ID, "order": ID, "contract": ID}
RECEIPT_SORTS = ("-received_on", "-id")

# Aging buckets by days past due: (key, label). "current" is not yet due (or due today).
AGING_BUCKETS = (
    ("current", gettext_lazy("Not yet due")),
    ("1_30", gettext_lazy("1–30 days overdue")),
    ("31_60", gettext_lazy("31–60 days overdue")),
    ("61_90", gettext_lazy("61–90 days overdue")),
    ("over_90", gettext_lazy("Over 90 days overdue")),
)
# How aging and collections can be broken down: dimension -> column.
DIMENSIONS = {
    "owner": "owner_id",
    "team": "owner__team_id",
    "team_path": "owner__team__path",
    "region": "account__region",
    "account": "account_id",
    "currency": "currency",
}


def today_for(organisation: Organisation) -> date:
    """Today in the organisation's time zone: due dates are calendar days there."""
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(organisation.time_zone))


def receivable(qs: models.QuerySet[Instalment]) -> models.QuerySet[Instalment]:
    """The instalments of ``qs`` still owed: not fully paid, on an order or contract that
    takes money (not a draft, not a cancelled order)."""
    return qs.filter(paid__lt=F("amount")).filter(
        Q(order__status__in=PAYABLE_STATUSES["order"])
        | Q(contract__status__in=PAYABLE_STATUSES["contract"])
    )


def outstanding_expr():
    return models.ExpressionWrapper(F("amount") - F("paid"), output_field=MONEY)


# --- Receivables ------------------------------------------------------------------------------


def _parse_date(value: Any, field: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        parsed = models.DateField().to_python(str(value))
    except ValidationError as exc:
        raise ValidationFailed.on(field, exc.messages[0]) from None
    return parsed


def _parse_bool(value: Any, field: str) -> bool | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        return value
    truth = str(value).lower()
    if truth not in {"true", "false", "1", "0"}:
        raise ValidationFailed.on(field, _("Select a valid choice."))
    return truth in {"true", "1"}


def receivable_queryset(
    actor, *, filters: Mapping[str, Any] | None = None, today: date | None = None
) -> models.QuerySet[Instalment]:
    """Open instalments the actor may see, filtered: ``owner`` (``me`` or an id), ``account``,
    ``order``, ``contract``, ``overdue`` (true: past due; false: not yet), ``due_from``,
    ``due_to`` (dates, inclusive)."""
    filters = dict(filters or {})
    overdue = _parse_bool(filters.pop("overdue", None), "overdue")
    due_from = _parse_date(filters.pop("due_from", None), "due_from")
    due_to = _parse_date(filters.pop("due_to", None), "due_to")
    qs = receivable(access.scoped(actor, Instalment.objects.all(), "payment"))
    qs = apply_filters(qs, actor, filters, RECEIVABLE_FILTERS)
    if overdue is not None:
        today = today or today_for(actor.organisation)
        qs = qs.filter(due_date__lt=today) if overdue else qs.filter(due_date__gte=today)
    if due_from:
        qs = qs.filter(due_date__gte=due_from)
    if due_to:
        qs = qs.filter(due_date__lte=due_to)
    return qs


def receivable_list(
    actor,
    *,
    filters: Mapping[str, Any] | None = None,
    sort: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
    today: date | None = None,
) -> Page:
    """A page of open instalments, the oldest due first, each with ``outstanding`` and
    ``days_overdue`` (0 when not yet due)."""
    sort = check_sort(sort, RECEIVABLE_SORTS)
    today = today or today_for(actor.organisation)
    qs = (
        receivable_queryset(actor, filters=filters, today=today)
        .select_related("owner", "account", "order", "contract")
        .annotate(outstanding_amount=outstanding_expr())
    )
    page = paginate(qs, sort=sort, cursor=cursor, limit=limit)
    for inst in page.items:
        inst.days_overdue = max((today - inst.due_date).days, 0)
    return page


def receivable_get(actor, pk: Any, *, today: date | None = None) -> Instalment:
    """One open instalment the actor may see, as a receivables row (NotFound once paid)."""
    today = today or today_for(actor.organisation)
    inst = access.get_visible(
        actor,
        receivable(
            Instalment.objects.select_related("owner", "account", "order", "contract")
        ).annotate(outstanding_amount=outstanding_expr()),
        "payment",
        pk,
    )
    inst.days_overdue = max((today - inst.due_date).days, 0)
    return inst


def _bucket(today: date) -> Case:
    """The aging bucket of an instalment by its due date, as SQL (CASE on due_date)."""
    return Case(
        When(due_date__gte=today, then=Value("current")),
        When(due_date__gte=today - timedelta(days=30), then=Value("1_30")),
        When(due_date__gte=today - timedelta(days=60), then=Value("31_60")),
        When(due_date__gte=today - timedelta(days=90), then=Value("61_90")),
        default=Value("over_90"),
        output_field=CharField(),
    )


def aging_by(
    actor,
    *dimensions: str,
    filters: Mapping[str, Any] | None = None,
    today: date | None = None,
) -> list[dict[str, Any]]:
    """What is outstanding by aging bucket (and ``dimensions``, keys of DIMENSIONS, e.g.
    ``owner``, ``team_path``, ``region``, ``account``): one GROUP BY over the open
    instalments the actor may see. Amounts of different currencies are never added up: each
    row also has its ``currency``.

    Each row: the dimensions' values, ``bucket`` (a key of AGING_BUCKETS), ``currency``,
    ``amount`` (Decimal, exact to the cent: summed in cents, ``sales.sums``) and ``count``
    (instalments).
    """
    today = today or today_for(actor.organisation)
    names = [d for d in dimensions if d != "currency"] + ["currency"]
    columns = [DIMENSIONS[d] for d in names]
    rows = (
        receivable_queryset(actor, filters=filters, today=today)
        .order_by()
        .annotate(bucket=_bucket(today))
        .values(*columns, "bucket")
        .annotate(cents=sum_cents(outstanding_expr()), count=Count("*"))
    )
    return [
        {
            **{d: row[c] for d, c in zip(names, columns, strict=True)},
            "bucket": row["bucket"],
            "amount": money(row["cents"]),
            "count": row["count"],
        }
        for row in rows
    ]


def aging_summary(
    actor, *, filters: Mapping[str, Any] | None = None, today: date | None = None
) -> list[dict[str, Any]]:
    """Every bucket in order with its amounts per currency and its count (zero when empty),
    plus a last "total" row: the receivables page's cards."""
    rows = aging_by(actor, filters=filters, today=today)
    out = []
    total: dict[str, Decimal] = {}
    total_count = 0
    for key, label in AGING_BUCKETS:
        amounts: dict[str, Decimal] = {}
        count = 0
        for row in rows:
            if row["bucket"] == key:
                amounts[row["currency"]] = amounts.get(row["currency"], ZERO) + row["amount"]
                total[row["currency"]] = total.get(row["currency"], ZERO) + row["amount"]
                count += row["count"]
        total_count += count
        out.append({"bucket": key, "label": label, "amounts": amounts, "count": count})
    out.append(
        {"bucket": "total", "label": _("Outstanding"), "amounts": total, "count": total_count}
    )
    return out


# --- Receipts ---------------------------------------------------------------------------------


def receipt_queryset(actor, *, filters: Mapping[str, Any] | None = None):
    """Receipts the actor may see; ``voided`` (true/false) besides the usual filters."""
    filters = dict(filters or {})
    voided = _parse_bool(filters.pop("voided", None), "voided")
    qs = access.scoped(
        actor,
        Receipt.objects.select_related("owner", "account", "order", "contract"),
        "payment",
    )
    qs = apply_filters(qs, actor, filters, RECEIPT_FILTERS)
    if voided is not None:
        qs = qs.filter(voided_at__isnull=not voided)
    return qs


def receipt_list(
    actor,
    *,
    filters: Mapping[str, Any] | None = None,
    sort: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    sort = check_sort(sort, RECEIPT_SORTS)
    qs = receipt_queryset(actor, filters=filters).prefetch_related("allocations")
    return paginate(qs, sort=sort, cursor=cursor, limit=limit)


def receipt_get(actor, pk: Any) -> Receipt:
    return access.get_visible(
        actor,
        Receipt.objects.select_related("owner", "account", "order", "contract").prefetch_related(
            "allocations"
        ),
        "payment",
        pk,
    )


# --- An order's or contract's payments, and an account's ------------------------------------


def parent_get(actor, kind: str, pk: Any):
    """The order or contract the actor may read (NotFound otherwise)."""
    if kind not in PARENT_MODELS:
        raise ValueError(kind)
    return access.get_visible(
        actor,
        PARENT_MODELS[kind]._default_manager.select_related("account", "owner"),
        kind,
        pk,
    )


def payments_of(actor, parent) -> dict[str, Any]:
    """An order's or contract's plan, receipts and figures (three queries)."""
    from guanxi.sales.payments import kind_of, parent_total

    kind = kind_of(parent)
    today = today_for(actor.organisation)
    instalments = list(
        access.scoped(actor, Instalment.objects.all(), "payment")
        .filter(**{kind: parent})
        .order_by("due_date", "position", "id")
    )
    receipts = list(
        access.scoped(actor, Receipt.objects.all(), "payment")
        .filter(**{kind: parent})
        .prefetch_related("allocations")
        .order_by("-received_on", "-id")[:100]
    )
    positions = {i.pk: n for n, i in enumerate(instalments, start=1)}
    for inst in instalments:
        inst.outstanding_amount = inst.amount - inst.paid
        inst.days_overdue = max((today - inst.due_date).days, 0) if inst.outstanding_amount else 0
    for receipt in receipts:
        receipt.settled = [
            (positions.get(a.instalment_id), a.amount) for a in receipt.allocations.all()
        ]
    total = parent_total(parent)
    planned = sum((i.amount for i in instalments), ZERO)
    return {
        "parent": parent,
        "kind": kind,
        "instalments": instalments,
        "receipts": receipts,
        "total": total,
        "paid": parent.paid_total,
        "outstanding": total - parent.paid_total,
        "overdue": sum((i.outstanding_amount for i in instalments if i.days_overdue), ZERO),
        "planned": planned,
        "plan_matches": not instalments or planned == total,
        "payable": parent.status in PAYABLE_STATUSES[kind],
        "today": today,
    }


def account_receivables(actor, account, *, limit: int = 8) -> dict[str, Any]:
    """The 360° panel: the account's open instalments (the next ones due) and what it owes,
    overdue or not, per currency. One query; a second only when there are more than
    ``limit`` to add up."""
    today = today_for(actor.organisation)
    qs = receivable_queryset(actor, filters={"account": account.pk}, today=today)
    items = list(
        qs.select_related("order", "contract")
        .annotate(outstanding_amount=outstanding_expr())
        .order_by("due_date", "id")[: limit + 1]
    )
    totals: dict[str, dict[str, Decimal]] = {"outstanding": {}, "overdue": {}}
    if len(items) > limit:
        rows = (
            qs.order_by()
            .annotate(is_overdue=Case(When(due_date__lt=today, then=Value(1)), default=Value(0)))
            .values("currency", "is_overdue")
            .annotate(amount=Sum(outstanding_expr(), output_field=MONEY))
        )
        sums = [(r["currency"], bool(r["is_overdue"]), r["amount"] or ZERO) for r in rows]
        items = items[:limit]
    else:
        sums = [(i.currency, i.due_date < today, i.outstanding_amount) for i in items]
    for currency, is_overdue, amount in sums:
        for key in ("outstanding", "overdue") if is_overdue else ("outstanding",):
            totals[key][currency] = totals[key].get(currency, ZERO) + amount
    for inst in items:
        inst.days_overdue = max((today - inst.due_date).days, 0)
    return {"items": items, "today": today, **totals}
