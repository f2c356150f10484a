"""Booked revenue: the one place reports, targets and the home page read "how much was sold".

**Orders.** Revenue is what customers ordered: orders that are confirmed, shipped or completed
(``BOOKED_ORDER_STATUSES``), at their total — tax included, what the customer pays, the
same basis as the money collected against them — booked when they were confirmed
(``confirmed_at``). A period runs from midnight to midnight in the organisation's time zone
(``Period.bounds``). An order cancelled after it was confirmed no longer counts, in any
period: a cancelled sale is no sale.

**Won deals without an order.** Many small companies never record orders: for them winning
the deal is the sale. So a won deal counts too — its amount, when it was won — as long as
no order of that deal has ever been confirmed. Once one is, the deal's orders are its
revenue and the deal no longer counts: nothing is counted twice, an order cancelled after
confirmation does not bring the deal's amount back, and a draft order changes nothing until
it is confirmed. Whether a deal has a confirmed order is a fact about the deal, decided over
all its orders, so the same owner shows the same figure to everyone who sees them.

**Currencies.** Only orders and deals in the organisation's currency count. Exchange rates
(``CurrencyRate``) are today's, for pricing quotes; converting past sales with them would
change a closed quarter whenever a rate is updated. Reports say so in their note.

Everything is read through the actor's visibility scope (``access.scoped``: orders as
"order", deals as "opportunity"), so a figure never includes a sale the actor may not see,
and summed in the database (one GROUP BY per source), exact to the cent (``sales.sums``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Count, Exists, F, Max, Min, OuterRef

from guanxi.core import access
from guanxi.sales.models import (
    BOOKED_ORDER_STATUSES,
    Opportunity,
    OpportunityStatus,
    Order,
    OrderLine,
)
from guanxi.sales.periods import Period
from guanxi.sales.sums import money, sum_cents

# How revenue can be broken down: dimension -> column of an order (or a won deal).
DIMENSIONS = {
    "owner": "owner_id",
    "team": "owner__team_id",
    "team_path": "owner__team__path",
    "region": "account__region",
    "product": "product_id",
    "category": "product__category",
}
# Dimensions only order lines have; a won deal without an order has None there.
LINE_DIMENSIONS = frozenset({"product", "category"})
# Dimensions that follow from another: a person's team, a product's category. The database
# groups by the owner or the product (straight from an index, a few hundred groups) and
# each one's team or category comes from one look-up, instead of a join with every sale.
DERIVED = {"team": "owner", "team_path": "owner", "category": "product"}


def base_dimensions(dimensions) -> list[str]:
    """The dimensions the database groups by for ``dimensions`` (see DERIVED)."""
    out: list[str] = []
    for d in dimensions:
        base = DERIVED.get(d, d)
        if base not in out:
            out.append(base)
    return out


def _plus(a, b):
    return b if a is None else a if b is None else a + b


def regroup(rows: list[dict[str, Any]], dimensions, sums: tuple[str, ...]) -> list[dict]:
    """Rows grouped by ``base_dimensions(dimensions)`` grouped by ``dimensions`` instead,
    adding up ``sums``: one look-up of the owners' teams or the products' categories."""
    wanted = set(dimensions)
    derive = {}
    if wanted & {"team", "team_path"}:
        from guanxi.core.models import User

        owners = {r["owner"] for r in rows if r.get("owner") is not None}
        teams = {
            pk: (team, path)
            for pk, team, path in User.objects.filter(pk__in=owners).values_list(
                "pk", "team_id", "team__path"
            )
        }
        derive["team"] = lambda r: teams.get(r["owner"], (None, None))[0]
        derive["team_path"] = lambda r: teams.get(r["owner"], (None, None))[1]
    if "category" in wanted:
        from guanxi.sales.models import Product

        products = {r["product"] for r in rows if r.get("product") is not None}
        categories = dict(Product.objects.filter(pk__in=products).values_list("pk", "category"))
        # A row without a product (won deals without an order) has no category either.
        derive["category"] = lambda r: (
            None if r["product"] is None else categories.get(r["product"], "")
        )
    out: dict[tuple, dict[str, Any]] = {}
    for r in rows:
        key = tuple(derive[d](r) if d in derive else r[d] for d in dimensions)
        row = out.get(key)
        if row is None:
            out[key] = {**dict(zip(dimensions, key, strict=True)), **{k: r[k] for k in sums}}
        else:
            for k in sums:
                row[k] = _plus(row[k], r[k])
    return list(out.values())


def _of_owners(qs: models.QuerySet, owners: list[int] | None) -> models.QuerySet:
    return qs if owners is None else qs.filter(owner_id__in=owners)


def booked_orders(actor, period: Period, owners: list[int] | None = None) -> models.QuerySet[Order]:
    """Orders the actor may see that were booked in ``period``, in the organisation's
    currency (and owned by one of ``owners``, ids, when given)."""
    org = actor.organisation
    start, end = period.bounds(org.time_zone)
    qs = access.scoped(actor, Order.objects.all(), "order", for_totals=True).filter(
        status__in=BOOKED_ORDER_STATUSES,
        confirmed_at__gte=start,
        confirmed_at__lt=end,
        currency=org.currency,
    )
    return _of_owners(qs, owners)


def won_deals_without_order(
    actor, period: Period, owners: list[int] | None = None
) -> models.QuerySet[Opportunity]:
    """Deals the actor may see that were won in ``period`` and never had an order
    confirmed, in the organisation's currency (and owned by one of ``owners``)."""
    org = actor.organisation
    start, end = period.bounds(org.time_zone)
    confirmed = Order.objects.filter(
        organisation_id=OuterRef("organisation_id"),
        opportunity_id=OuterRef("pk"),
        confirmed_at__isnull=False,
    )
    qs = (
        access.scoped(actor, Opportunity.objects.all(), "opportunity", for_totals=True)
        .filter(
            status=OpportunityStatus.WON,
            closed_at__gte=start,
            closed_at__lt=end,
            currency=org.currency,
        )
        .filter(~Exists(confirmed))
    )
    return _of_owners(qs, owners)


def _grouped(qs: models.QuerySet, columns: list[str], **aggregates) -> list[dict[str, Any]]:
    """One GROUP BY ``columns`` (or, without columns, one aggregate row)."""
    if not columns:
        return [qs.aggregate(**aggregates)]
    return list(qs.order_by().values(*columns).annotate(**aggregates))


def revenue_by(
    actor, period: Period, *dimensions: str, owners: list[int] | None = None
) -> list[dict[str, Any]]:
    """Revenue of ``period`` grouped by ``dimensions`` (keys of DIMENSIONS), of the sales
    owned by one of ``owners`` (ids) when given.

    Each row: the dimensions' values, ``amount`` (Decimal, to the cent), ``count`` (orders
    and won deals without an order in the group) and ``deals`` (of which won deals). With
    "product" or "category" the orders are read line by line: ``count`` is then the order
    lines (and won deals), and each row also has ``quantity`` (None for the deals' row,
    which has no product). A GROUP BY per source in the database (and a look-up of teams or
    categories), whatever the number of sales.
    """
    unknown = set(dimensions) - set(DIMENSIONS)
    if unknown:
        raise ValueError(f"unknown revenue dimensions: {sorted(unknown)}")
    asked, dimensions = dimensions, tuple(base_dimensions(dimensions))
    by_line = bool(LINE_DIMENSIONS & set(dimensions))
    orders = booked_orders(actor, period, owners)
    if by_line:
        columns = [
            DIMENSIONS[d] if d in LINE_DIMENSIONS else f"order__{DIMENSIONS[d]}" for d in dimensions
        ]
        # Through the lines' order_id index; the orders carry the organisation and scope.
        # Order ids grow with time, so a period's orders lie in a range of ids: given it as
        # values, the databases read that stretch of the lines' index instead of probing
        # it once an order (SQLite) or reading all the lines (PostgreSQL's estimate).
        # (+ 0: a bare MIN(id) becomes "walk the primary key until a row matches".)
        span = orders.aggregate(first=Min(F("pk") + 0), last=Max(F("pk") + 0))
        lines = OrderLine.objects.filter(
            order__in=orders.values("pk"),
            order_id__gte=span["first"] or 0,
            order_id__lte=span["last"] or 0,
        )
        order_rows = _grouped(
            lines,
            columns,
            cents=sum_cents("total"),
            n=Count("*"),
            quantity_cents=sum_cents("quantity"),
        )
    else:
        columns = [DIMENSIONS[d] for d in dimensions]
        order_rows = _grouped(orders, columns, cents=sum_cents("total"), n=Count("*"))
    deal_columns = [DIMENSIONS[d] for d in dimensions if d not in LINE_DIMENSIONS]
    deal_rows = _grouped(
        won_deals_without_order(actor, period, owners),
        deal_columns,
        cents=sum_cents("amount"),
        n=Count("*"),
    )
    merged: dict[tuple, dict[str, Any]] = {}

    def add(key: tuple, cents: Any, n: int, *, deals: int, quantity: Decimal | None) -> None:
        row = merged.get(key)
        if row is None:
            row = merged[key] = {
                **dict(zip(dimensions, key, strict=True)),
                "cents": Decimal(0),
                "count": 0,
                "deals": 0,
            }
            if by_line:
                row["quantity"] = None
        row["cents"] += Decimal(cents or 0)
        row["count"] += n
        row["deals"] += deals
        if quantity is not None:
            row["quantity"] = (row["quantity"] or Decimal(0)) + quantity

    for r in order_rows:
        if not r["n"]:
            continue
        quantity = money(r["quantity_cents"]) if by_line else None
        add(tuple(r[c] for c in columns), r["cents"], r["n"], deals=0, quantity=quantity)
    for r in deal_rows:
        if not r["n"]:
            continue
        values = iter(r[c] for c in deal_columns)
        key = tuple(None if d in LINE_DIMENSIONS else next(values) for d in dimensions)
        add(key, r["cents"], r["n"], deals=r["n"], quantity=None)
    out = []
    for row in merged.values():
        row["amount"] = money(row.pop("cents"))
        out.append(row)
    if asked == dimensions:
        return out
    return regroup(out, asked, ("amount", "count", "deals", *(("quantity",) if by_line else ())))


def revenue_total(actor, period: Period) -> dict[str, Any]:
    """All the revenue of ``period`` the actor sees: ``amount``, ``count`` and ``deals``."""
    rows = revenue_by(actor, period)
    return rows[0] if rows else {"amount": money(0), "count": 0, "deals": 0}
