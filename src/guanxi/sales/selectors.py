"""Reads for pipelines and deals: lists, the kanban board, per-account figures."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Count, Max, Sum

from guanxi.core import access
from guanxi.core.filters import ID, OWNER, apply_filters, check_sort, parse_id
from guanxi.core.pagination import Page, paginate
from guanxi.core.search import NEWEST, search
from guanxi.core.selectors import only_fields, with_included
from guanxi.sales.models import Opportunity, OpportunityStatus, Pipeline, Stage, StageTotal

OPPORTUNITY_SORTS = ("-updated_at", "name", "-amount", "-created_at", NEWEST)
OPPORTUNITY_FILTERS = {
    "owner": OWNER,
    "account": ID,
    "pipeline": ID,
    "stage": ID,
    "status": OpportunityStatus,
}
KANBAN_CARDS_PER_STAGE = 30
CARD_FIELDS = (
    "id",
    "version",
    "name",
    "amount",
    "currency",
    "stage_id",
    "updated_at",
    "account__id",
    "account__name",
    "owner__id",
    "owner__username",
    "owner__first_name",
    "owner__last_name",
)


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
    actor,
    *,
    q: str | None = None,
    filters: Mapping[str, Any] | None = None,
    newest_first: bool = False,
) -> models.QuerySet[Opportunity]:
    qs = access.scoped(
        actor,
        Opportunity.objects.select_related("owner", "account", "contact", "stage"),
        "opportunity",
    )
    qs = apply_filters(qs, actor, filters, OPPORTUNITY_FILTERS)
    if q:
        qs = search(qs, q, newest_first=newest_first)
    return qs


def opportunity_list(
    actor,
    *,
    q: str | None = None,
    filters: Mapping[str, Any] | None = None,
    sort: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
    fields: tuple[str, ...] | None = None,
) -> Page:
    """A page of deals; ``fields``: read only those (see ``core.selectors.only_fields``)."""
    sort = check_sort(sort, OPPORTUNITY_SORTS, default=NEWEST if q else None)
    qs = opportunity_queryset(actor, q=q, filters=filters, newest_first=sort == NEWEST)
    if fields:
        qs = only_fields(qs, fields)
    return paginate(qs, sort=sort, cursor=cursor, limit=limit)


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
    # A card shows the deal's name and amount, its account and its owner: read only those
    # (the board shows up to 30 cards a stage; whole rows of four tables cost more than
    # the queries).
    base = (
        opportunity_queryset(actor, q=q, filters={"owner": owner})
        .filter(pipeline=pipeline)
        .select_related(None)
        .select_related("owner", "account")
        .only(*CARD_FIELDS)
    )
    totals = kanban_totals(actor, pipeline, q=q, owner=owner)
    columns = []
    for stage in stages:
        cards = list(
            base.filter(stage=stage).order_by("-updated_at", "-id")[:KANBAN_CARDS_PER_STAGE]
        )
        row = totals.get(stage.pk, {"count": 0, "total": Decimal("0")})
        columns.append({"stage": stage, "cards": cards, **row})
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


# --- Reads for the web interface -------------------------------------------------------------


def stage_choices(actor) -> list[tuple[Pipeline, list[Stage]]]:
    """Every pipeline the actor sees with its stages, in two queries (for drop-downs)."""
    pipelines = pipeline_list(actor)
    stages = (
        access.scoped(actor, Stage.objects.all(), "pipeline")
        .filter(pipeline__in=[p.pk for p in pipelines])
        .order_by("position", "id")
    )
    by_pipeline: dict[int, list[Stage]] = {p.pk: [] for p in pipelines}
    for stage in stages:
        by_pipeline[stage.pipeline_id].append(stage)
    return [(p, by_pipeline[p.pk]) for p in pipelines]


def opportunity_choices(
    actor, *, account: Any = None, include: Any = None, limit: int = 50
) -> list[Opportunity]:
    """Deals to offer in a drop-down (those of ``account`` when given), plus ``include``."""
    qs = opportunity_queryset(actor).select_related(None)
    if parse_id(account) is not None:
        qs = qs.filter(account_id=parse_id(account))
    rows = list(qs.order_by("-updated_at", "-id").only("id", "name", "account_id")[:limit])
    return with_included(rows, include, opportunity_queryset(actor))


def kanban_totals(
    actor, pipeline: Pipeline, *, q: str | None = None, owner: str | None = None
) -> dict[int, dict[str, Any]]:
    """Count and total amount per stage of a board, as ``kanban`` computes them."""
    if q:
        base = opportunity_queryset(actor, q=q, filters={"owner": owner}).filter(pipeline=pipeline)
        return {
            row["stage_id"]: {"count": row["n"], "total": row["total"] or Decimal("0")}
            for row in base.order_by()
            .values("stage_id")
            .annotate(n=Count("id"), total=Sum("amount"))
        }
    # Without a search, from the per-owner totals the database keeps (sales.totals): the
    # same scope and owner filter as the deals, a few rows instead of every deal.
    qs = access.scoped(actor, StageTotal.objects.all(), "opportunity")
    qs = apply_filters(qs, actor, {"owner": owner}, {"owner": OWNER})
    rows = (
        qs.filter(stage__pipeline=pipeline)
        .order_by()
        .values("stage_id")
        .annotate(n=Sum("deals"), cents=Sum("cents"))
    )
    return {
        row["stage_id"]: {"count": row["n"], "total": _from_cents(row["cents"])}
        for row in rows
        if row["n"]
    }


def _from_cents(cents) -> Decimal:
    return (Decimal(cents or 0) / 100).quantize(Decimal("0.01"))


def open_pipeline_summary(actor, *, owner=None) -> list[dict[str, Any]]:
    """Open deals grouped by pipeline, stage and currency: count, total and weighted total.

    ``owner`` narrows it to one user's deals (the home page shows the actor's own).
    """
    qs = access.scoped(actor, Opportunity.objects.all(), "opportunity").filter(
        status=OpportunityStatus.OPEN
    )
    if owner is not None:
        qs = qs.filter(owner=owner)
    # Group by the deal's own columns only, so the (organisation, owner, status, stage,
    # currency, amount) index answers it without reading the table; stage and pipeline
    # names come from the few stage rows.
    rows = qs.order_by().values("stage_id", "currency").annotate(n=Count("*"), total=Sum("amount"))
    rows = list(rows)
    stages = {
        st.pk: st
        for st in Stage.objects.filter(pk__in={r["stage_id"] for r in rows}).select_related(
            "pipeline"
        )
    }
    out = []
    for row in rows:
        stage = stages[row["stage_id"]]
        total = row["total"] or Decimal("0")
        out.append(
            {
                "pipeline": stage.pipeline.name,
                "pipeline_id": stage.pipeline_id,
                "stage": stage.name,
                "stage_id": stage.pk,
                "position": stage.position,
                "probability": stage.probability,
                "currency": row["currency"],
                "count": row["n"],
                "total": total,
                "weighted": (total * stage.probability / 100).quantize(Decimal("0.01")),
            }
        )
    out.sort(key=lambda r: (r["pipeline_id"], r["position"], r["stage_id"], r["currency"]))
    return out
