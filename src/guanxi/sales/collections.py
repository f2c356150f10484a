"""Money owed and money received, as reports and targets read them.

- **Aging** of what customers still owe: every open instalment (``amount - paid`` left to
  pay) falls in one bucket by how late it is today, in the organisation's time zone — not
  yet due, 1–30, 31–60, 61–90 or more than 90 days past its due date — summed in one
  GROUP BY with a CASE on the due date.
- **Collections** (回款) of a period: receipts not voided, by the day they were received.

Both read instalments and receipts through the "payment" visibility scope (they carry the
owner and account of their order or contract), only in the organisation's currency, and sum
exactly to the cent (``sales.sums``).
"""

from __future__ import annotations

import zoneinfo
from datetime import date, timedelta
from typing import Any

from django.db import models
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.core import access
from guanxi.sales.models import Instalment, Receipt
from guanxi.sales.periods import Period
from guanxi.sales.revenue import base_dimensions, regroup
from guanxi.sales.sums import money, sum_cents

# Dimensions of instalments and receipts: dimension -> column.
DIMENSIONS = {
    "owner": "owner_id",
    "team": "owner__team_id",
    "team_path": "owner__team__path",
    "region": "account__region",
    "account": "account_id",
}

# Aging buckets: key, label, and the days past due (first, last; None: open-ended).
BUCKETS = (
    ("not_due", _("Not yet due"), None, 0),
    ("days_1_30", _("1–30 days"), 1, 30),
    ("days_31_60", _("31–60 days"), 31, 60),
    ("days_61_90", _("61–90 days"), 61, 90),
    ("days_over_90", _("Over 90 days"), 91, None),
)


def today_for(organisation) -> date:
    return timezone.localtime(timezone.now(), zoneinfo.ZoneInfo(organisation.time_zone)).date()


def _bucket_q(today: date, first: int | None, last: int | None) -> Q:
    """Instalments ``first``..``last`` days past due on ``today`` (not due: due today or later)."""
    if first is None:
        return Q(due_date__gte=today)
    q = Q(due_date__lte=today - timedelta(days=first))
    if last is not None:
        q &= Q(due_date__gte=today - timedelta(days=last))
    return q


def open_instalments(actor) -> models.QuerySet[Instalment]:
    """Instalments the actor may see with something left to pay, in the organisation's
    currency."""
    return access.scoped(actor, Instalment.objects.all(), "payment", for_totals=True).filter(
        paid__lt=F("amount"), currency=actor.organisation.currency
    )


def aging_by(
    actor, *dimensions: str, today: date | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    """What is owed, by aging bucket, grouped by ``dimensions`` (keys of DIMENSIONS).

    Each row: the dimensions' values, one Decimal per bucket key (BUCKETS), ``total`` and
    ``count`` (open instalments). One GROUP BY; with ``limit``, the groups that owe the
    most. Without dimensions, one row for everything the actor sees.
    """
    today = today or today_for(actor.organisation)
    asked, dimensions = dimensions, tuple(base_dimensions(dimensions))
    columns = [DIMENSIONS[d] for d in dimensions]
    owed = F("amount") - F("paid")
    aggregates = {
        key: sum_cents(owed, filter=_bucket_q(today, first, last))
        for key, _label, first, last in BUCKETS
    }
    aggregates |= {"total": sum_cents(owed), "count": Count("*")}
    qs = open_instalments(actor).order_by()
    if columns:
        rows = qs.values(*columns).annotate(**aggregates)
        if limit is not None:
            rows = rows.order_by("-total", *columns)[:limit]
    else:
        rows = [qs.aggregate(**aggregates)]
    out = []
    for row in rows:
        item = {d: row[c] for d, c in zip(dimensions, columns, strict=True)}
        item |= {key: money(row[key]) for key, *_rest in BUCKETS}
        item |= {"total": money(row["total"]), "count": row["count"]}
        out.append(item)
    if asked == dimensions:
        return out
    return regroup(out, asked, (*(key for key, *_rest in BUCKETS), "total", "count"))


def collections_by(actor, period: Period, *dimensions: str) -> list[dict[str, Any]]:
    """Money received in ``period`` (receipts not voided, by the day received), grouped by
    ``dimensions``. Each row: the dimensions' values, ``amount`` and ``count``."""
    asked, dimensions = dimensions, tuple(base_dimensions(dimensions))
    columns = [DIMENSIONS[d] for d in dimensions]
    qs = access.scoped(actor, Receipt.objects.all(), "payment", for_totals=True).filter(
        voided_at__isnull=True,
        received_on__gte=period.start,
        received_on__lt=period.end,
        currency=actor.organisation.currency,
    )
    aggregates = {"cents": sum_cents("amount"), "count": Count("*")}
    if columns:
        rows = list(qs.order_by().values(*columns).annotate(**aggregates))
    else:
        rows = [qs.aggregate(**aggregates)]
    out = [
        {
            **{d: row[c] for d, c in zip(dimensions, columns, strict=True)},
            "amount": money(row["cents"]),
            "count": row["count"],
        }
        for row in rows
        if row["count"]
    ]
    return out if asked == dimensions else regroup(out, asked, ("amount", "count"))
