"""Booked revenue: the one place reports and targets read "how much was sold".

Until orders exist, revenue is the amount of won deals, booked when they were won
(``closed_at``), in the organisation's currency (deals in other currencies are left out:
guanxi keeps no exchange rates yet). When confirmed orders land, ``revenue_lines`` reads
them instead and every report and attainment figure follows; the dimension names stay.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Count, Sum

from guanxi.core import access
from guanxi.sales.models import Opportunity, OpportunityStatus
from guanxi.sales.periods import Period

# How revenue can be broken down: dimension -> column of the revenue lines.
DIMENSIONS = {
    "owner": "owner_id",
    "team": "owner__team_id",
    "team_path": "owner__team__path",
    "region": "account__region",
}


def revenue_lines(actor, period: Period) -> models.QuerySet:
    """Revenue the actor may see, booked in ``period``: one row per sale, through the
    deals' visibility scope (``access.scoped``), so a figure never leaks a sale."""
    org = actor.organisation
    start, end = period.bounds(org.time_zone)
    return access.scoped(actor, Opportunity.objects.all(), "opportunity").filter(
        status=OpportunityStatus.WON,
        currency=org.currency,
        closed_at__gte=start,
        closed_at__lt=end,
    )


def revenue_by(actor, period: Period, *dimensions: str) -> list[dict[str, Any]]:
    """Revenue grouped by ``dimensions`` (keys of DIMENSIONS): one GROUP BY in the database.

    Each row: the dimensions' values, ``amount`` (Decimal) and ``count`` (sales).
    """
    columns = [DIMENSIONS[d] for d in dimensions]
    rows = (
        revenue_lines(actor, period)
        .order_by()
        .values(*columns)
        .annotate(amount=Sum("amount"), count=Count("*"))
    )
    return [
        {
            **{d: row[c] for d, c in zip(dimensions, columns, strict=True)},
            "amount": row["amount"] or Decimal("0"),
            "count": row["count"],
        }
        for row in rows
    ]
