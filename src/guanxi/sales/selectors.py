"""Reads for pipelines and deals: lists, the kanban board, per-account figures."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Count, Max, Sum

from guanxi.core import access
from guanxi.core.filters import ID, OWNER, apply_filters, check_sort
from guanxi.core.pagination import Page, paginate
from guanxi.core.search import search
from guanxi.sales.models import Opportunity, OpportunityStatus, Pipeline, Stage

OPPORTUNITY_SORTS = ("-updated_at", "name", "-amount", "-created_at")
OPPORTUNITY_FILTERS = {
    "owner": OWNER,
    "account": ID,
    "pipeline": ID,
    "stage": ID,
    "status": OpportunityStatus,
}
KANBAN_CARDS_PER_STAGE = 30


def pipeline_list(actor) -> list[Pipeline]:
    return list(access.scoped(actor, Pipeline.objects.all(), "pipeline").order_by("position", "id"))


def pipeline_get(actor, pk: Any) -> Pipeline:
    return access.get_visible(actor, Pipeline.objects.all(), "pipeline", pk)


def stage_list(actor, pipeline: Pipeline) -> list[Stage]:
    return list(
        access.scoped(actor, Stage.objects.all(), "pipeline")
        .filter(pipeline=pipeline)
        .order_by("position", "id")
    )


def opportunity_queryset(
    actor, *, q: str | None = None, filters: Mapping[str, Any] | None = None
) -> models.QuerySet[Opportunity]:
    qs = access.scoped(
        actor, Opportunity.objects.select_related("owner", "account", "stage"), "opportunity"
    )
    qs = apply_filters(qs, actor, filters, OPPORTUNITY_FILTERS)
    if q:
        qs = search(qs, q)
    return qs


def opportunity_list(
    actor,
    *,
    q: str | None = None,
    filters: Mapping[str, Any] | None = None,
    sort: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    sort = check_sort(sort, OPPORTUNITY_SORTS)
    return paginate(
        opportunity_queryset(actor, q=q, filters=filters), sort=sort, cursor=cursor, limit=limit
    )


def opportunity_get(actor, pk: Any) -> Opportunity:
    return access.get_visible(
        actor,
        Opportunity.objects.select_related("owner", "account", "contact", "stage", "pipeline"),
        "opportunity",
        pk,
    )


def kanban(
    actor, pipeline: Pipeline, *, q: str | None = None, owner: str | None = None
) -> list[dict[str, Any]]:
    """Columns of the board: each stage with its count, total and most recent cards."""
    stages = stage_list(actor, pipeline)
    base = opportunity_queryset(actor, q=q, filters={"owner": owner}).filter(pipeline=pipeline)
    totals = {
        row["stage_id"]: row
        for row in base.order_by().values("stage_id").annotate(n=Count("id"), total=Sum("amount"))
    }
    columns = []
    for stage in stages:
        cards = list(
            base.filter(stage=stage).order_by("-updated_at", "-id")[:KANBAN_CARDS_PER_STAGE]
        )
        row = totals.get(stage.pk, {})
        columns.append(
            {
                "stage": stage,
                "cards": cards,
                "count": row.get("n", 0),
                "total": row.get("total") or Decimal("0"),
            }
        )
    return columns


def account_deal_figures(actor, account) -> dict[str, Any]:
    """Won revenue, open pipeline and deal counts of one account, in one query."""
    qs = access.scoped(actor, Opportunity.objects.all(), "opportunity").filter(account=account)
    rows = (
        qs.order_by()
        .values("status", "currency")
        .annotate(n=Count("id"), total=Sum("amount"), last=Max("closed_at"))
    )
    figures: dict[str, Any] = {
        "won": {},
        "open": {},
        "won_count": 0,
        "open_count": 0,
        "lost_count": 0,
    }
    for row in rows:
        if row["status"] == OpportunityStatus.WON:
            figures["won"][row["currency"]] = row["total"]
            figures["won_count"] += row["n"]
        elif row["status"] == OpportunityStatus.OPEN:
            figures["open"][row["currency"]] = row["total"]
            figures["open_count"] += row["n"]
        else:
            figures["lost_count"] += row["n"]
    return figures


def account_deals(actor, account, limit: int = 20) -> dict[str, list[Opportunity]]:
    qs = access.scoped(
        actor, Opportunity.objects.select_related("stage", "owner"), "opportunity"
    ).filter(account=account)
    open_deals = list(
        qs.filter(status=OpportunityStatus.OPEN).order_by("expected_close", "-id")[:limit]
    )
    closed = list(qs.exclude(status=OpportunityStatus.OPEN).order_by("-closed_at", "-id")[:limit])
    return {"open": open_deals, "closed": closed}
