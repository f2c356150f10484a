"""Sales reports: each a table and a chart of one period, computed in the database.

Every report is one function ``(actor, period, **options) -> Report``, registered in
``REPORTS``; the reports page (one card each, loaded on its own), the API and the CSV export
all go through ``build``. A report reads only through the actor's visibility scope
(``access.scoped`` via the sales selectors, ``revenue`` and ``collections``), so a rep's
report holds their own sales and a manager's their team's. Figures are aggregate SQL (GROUP
BY in the database, one to three queries a report), never a loop over rows, so they stay
quick at millions of orders.

Adding a report is one function and one entry. The deal reports (funnel, win rate) and the
sales reports by rep, team and region are here; those by product and category and the
collections aging are in ``order_reports``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Avg, Case, Count, IntegerField, Max, Q, Value, When
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.analytics import order_reports
from guanxi.analytics.models import StageSpell
from guanxi.analytics.report_base import (
    CHART_BARS,
    ZERO,
    Column,
    Report,
    ReportSpec,
    bar_chart,
    percent,
    sales_note,
    user_names,
)
from guanxi.core import access
from guanxi.core.errors import NotFound, ValidationFailed
from guanxi.core.filters import parse_id
from guanxi.core.models import Team
from guanxi.customers.models import Region
from guanxi.sales import revenue, selectors, targets
from guanxi.sales.models import Opportunity, OpportunityStatus, StageKind, TargetMetric
from guanxi.sales.periods import Period
from guanxi.sales.sums import big_sorts

__all__ = ["REPORTS", "Column", "Report", "ReportSpec", "available", "build"]

SECONDS_PER_DAY = Decimal(86400)


# --- Funnel ---------------------------------------------------------------------------------


def funnel(actor, period: Period, *, pipeline: Any = None) -> Report:
    """Deals created in the period: how many reached each stage, the share that went on to
    the next, and the average days spent in each stage (stays that ended)."""
    pipelines = selectors.pipeline_list(actor)
    chosen = next((p for p in pipelines if p.pk == parse_id(pipeline)), None)
    if pipeline not in (None, "") and chosen is None:
        raise ValidationFailed.on("pipeline", _("Select a record you can see."))
    chosen = chosen or next((p for p in pipelines if p.is_default), None)
    chosen = chosen or (pipelines[0] if pipelines else None)
    stages = [
        s
        for s in (selectors.stage_list(actor, chosen) if chosen else [])
        if s.kind != StageKind.LOST
    ]
    start, end = period.bounds(actor.organisation.time_zone)
    cohort = (
        access.scoped(actor, Opportunity.objects.all(), "opportunity", for_totals=True)
        .filter(pipeline=chosen, created_at__gte=start, created_at__lt=end)
        .values("id")
    )
    # The stages are known (open and won ones of the pipeline): filter and rank the spells
    # by their stage ids instead of joining every spell with its stage, which PostgreSQL
    # planned as every deal times every stage.
    spells = StageSpell.objects.filter(
        opportunity__in=cohort, stage_id__in=[st.pk for st in stages]
    )
    position = Case(
        *(When(stage_id=st.pk, then=Value(st.position)) for st in stages),
        output_field=IntegerField(),
    )
    # The furthest stage each deal reached, counted per stage: one GROUP BY over a GROUP BY.
    inner = spells.order_by().values("opportunity_id").annotate(top=Max(position))
    sql, params = inner.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT top, COUNT(*) FROM ({sql}) furthest GROUP BY top", params)  # noqa: S608
        furthest = dict(cursor.fetchall())
    days = {
        row["stage_id"]: row["seconds"]
        for row in spells.filter(seconds__isnull=False)
        .order_by()
        .values("stage_id")
        .annotate(seconds=Avg("seconds"))
    }
    rows = []
    for i, stage in enumerate(stages):
        reached = sum(n for top, n in furthest.items() if top >= stage.position)
        rows.append({"stage": stage.name, "reached": reached, "stage_id": stage.pk})
        if i:
            rows[i - 1]["conversion"] = percent(reached, rows[i - 1]["reached"])
        seconds = days.get(stage.pk)
        rows[-1]["days"] = (
            (Decimal(seconds) / SECONDS_PER_DAY).quantize(Decimal("0.1"))
            if seconds is not None
            else None
        )
    if rows:
        rows[-1]["conversion"] = None
    return Report(
        name="funnel",
        title=_("Funnel by stage"),
        period=period,
        columns=[
            Column("stage", _("Stage")),
            Column("reached", _("Deals reaching it"), "int"),
            Column("conversion", _("On to the next stage"), "percent"),
            Column("days", _("Average days in stage"), "days"),
        ],
        rows=rows,
        currency=actor.organisation.currency,
        chart={
            "kind": "funnel",
            "labels": [r["stage"] for r in rows],
            "series": [{"name": str(_("Deals")), "values": [r["reached"] for r in rows]}],
        },
        note=_("Deals created in %(period)s in the pipeline %(pipeline)s.")
        % {"period": period.label, "pipeline": chosen.name if chosen else "—"},
    )


# --- Win rate -------------------------------------------------------------------------------


def win_rate(actor, period: Period) -> Report:
    """Deals closed in the period, won against lost, per owner and in all."""
    start, end = period.bounds(actor.organisation.time_zone)
    rows_db = list(
        access.scoped(actor, Opportunity.objects.all(), "opportunity", for_totals=True)
        # Won and lost by name (not "not open"): two ranges of the status and close date
        # index instead of every deal of the organisation.
        .filter(
            status__in=[OpportunityStatus.WON, OpportunityStatus.LOST],
            closed_at__gte=start,
            closed_at__lt=end,
        )
        .order_by()
        .values("owner_id")
        .annotate(
            won=Count("id", filter=Q(status=OpportunityStatus.WON)),
            lost=Count("id", filter=Q(status=OpportunityStatus.LOST)),
        )
    )
    names = user_names({r["owner_id"] for r in rows_db})
    rows = sorted(
        (
            {
                "owner": names.get(r["owner_id"], "—"),
                "won": r["won"],
                "lost": r["lost"],
                "rate": percent(r["won"], r["won"] + r["lost"]),
            }
            for r in rows_db
        ),
        key=lambda r: (-(r["rate"] or 0), r["owner"]),
    )
    won, lost = sum(r["won"] for r in rows), sum(r["lost"] for r in rows)
    total = {"owner": str(_("All")), "won": won, "lost": lost, "rate": percent(won, won + lost)}
    return Report(
        name="win_rate",
        title=_("Win rate"),
        period=period,
        columns=[
            Column("owner", _("Owner")),
            Column("won", _("Won"), "int"),
            Column("lost", _("Lost"), "int"),
            Column("rate", _("Win rate"), "percent"),
        ],
        rows=[*rows, total] if rows else [],
        currency=actor.organisation.currency,
        chart={
            "kind": "bar",
            "labels": [r["owner"] for r in rows],
            "series": [
                {"name": str(_("Won")), "values": [r["won"] for r in rows], "stack": "n"},
                {"name": str(_("Lost")), "values": [r["lost"] for r in rows], "stack": "n"},
            ],
        },
        note=_("Deals won or lost in %(period)s.") % {"period": period.label},
    )


# --- Sales by rep, team, region -------------------------------------------------------------


def sales_report(actor, period: Period, name: str, title, label, keyed: list[tuple]) -> Report:
    """``keyed``: (label, amount, count) per row, shown largest first, then their total."""
    rows = [
        {"name": lbl, "amount": Decimal(amount).quantize(ZERO), "count": count}
        for lbl, amount, count in sorted(keyed, key=lambda r: (-r[1], str(r[0])))
    ]
    currency = actor.organisation.currency
    total = {
        "name": str(_("All")),
        "amount": sum((r["amount"] for r in rows), ZERO),
        "count": sum(r["count"] for r in rows),
    }
    return Report(
        name=name,
        title=title,
        period=period,
        columns=[
            Column("name", label),
            Column("amount", _("Revenue"), "money"),
            Column("count", _("Orders and deals"), "int"),
        ],
        rows=[*rows, total] if rows else [],
        currency=currency,
        chart=bar_chart(rows, "name", [(_("Revenue"), "amount")]),
        note=sales_note(currency, period),
        page_limit=50,
        total=bool(rows),
    )


def sales_by_rep(actor, period: Period) -> Report:
    rows = revenue.revenue_by(actor, period, "owner")
    names = user_names({r["owner"] for r in rows})
    keyed = [(names.get(r["owner"], "—"), r["amount"], r["count"]) for r in rows]
    return sales_report(actor, period, "sales_by_rep", _("Sales by rep"), _("Owner"), keyed)


def sales_by_team(actor, period: Period) -> Report:
    rows = revenue.revenue_by(actor, period, "team")
    teams = dict(
        Team.objects.filter(pk__in={r["team"] for r in rows if r["team"]}).values_list("pk", "name")
    )
    keyed = [(teams.get(r["team"], str(_("No team"))), r["amount"], r["count"]) for r in rows]
    return sales_report(actor, period, "sales_by_team", _("Sales by team"), _("Team"), keyed)


def sales_by_region(actor, period: Period) -> Report:
    rows = revenue.revenue_by(actor, period, "region")
    labels = dict(Region.choices)
    keyed = [(str(labels.get(r["region"], _("No region"))), r["amount"], r["count"]) for r in rows]
    return sales_report(actor, period, "sales_by_region", _("Sales by region"), _("Region"), keyed)


# --- Target attainment ----------------------------------------------------------------------


def target_attainment(actor, period: Period) -> Report:
    items = targets.attainment(actor, period, targets.target_list(actor, period))
    metrics = {value: str(label) for value, label in TargetMetric.choices}
    rows = [
        {
            "subject": targets.subject_label(item["target"]),
            "metric": metrics[item["target"].metric],
            "metric_code": item["target"].metric,
            "target": item["target"].amount,
            "actual": item["actual"],
            "percent": item["percent"],
        }
        for item in items
    ]
    return Report(
        name="attainment",
        title=_("Target attainment"),
        period=period,
        columns=[
            Column("subject", _("For")),
            Column("metric", _("Measure")),
            Column("target", _("Target"), "figure"),
            Column("actual", _("Reached"), "figure"),
            Column("percent", _("Attainment"), "percent"),
        ],
        rows=rows,
        currency=actor.organisation.currency,
        chart={
            "kind": "bar",
            "labels": [f"{r['subject']} · {r['metric']}" for r in rows[:CHART_BARS]],
            "series": [
                {
                    "name": str(_("Attainment (%)")),
                    "values": [str(r["percent"] or 0) for r in rows[:CHART_BARS]],
                }
            ],
        },
        note=_(
            "Revenue counts booked orders and won deals that have no confirmed order; "
            "collections count the money received in the period."
        ),
        page_limit=50,
    )


REPORTS: dict[str, ReportSpec] = {
    spec.name: spec
    for spec in (
        ReportSpec(
            "funnel",
            gettext_lazy("Funnel by stage"),
            gettext_lazy("Deals reaching each stage, conversion and days in stage."),
            funnel,
        ),
        ReportSpec(
            "win_rate",
            gettext_lazy("Win rate"),
            gettext_lazy("Deals won against deals lost, per owner."),
            win_rate,
        ),
        ReportSpec(
            "sales_by_rep",
            gettext_lazy("Sales by rep"),
            gettext_lazy("Revenue per owner."),
            sales_by_rep,
        ),
        ReportSpec(
            "sales_by_team",
            gettext_lazy("Sales by team"),
            gettext_lazy("Revenue per team."),
            sales_by_team,
        ),
        ReportSpec(
            "sales_by_region",
            gettext_lazy("Sales by region"),
            gettext_lazy("Revenue per customer region."),
            sales_by_region,
        ),
        ReportSpec(
            "sales_by_product",
            gettext_lazy("Sales by product"),
            gettext_lazy("Revenue and quantity per product, from the order lines."),
            order_reports.sales_by_product,
        ),
        ReportSpec(
            "sales_by_category",
            gettext_lazy("Sales by product category"),
            gettext_lazy("Revenue per product category, from the order lines."),
            order_reports.sales_by_category,
        ),
        ReportSpec(
            "attainment",
            gettext_lazy("Target attainment"),
            gettext_lazy("Each target against what was reached."),
            target_attainment,
        ),
        ReportSpec(
            "collections_aging",
            gettext_lazy("Collections aging by owner"),
            gettext_lazy("What customers owe today, by days past due, per owner."),
            order_reports.collections_aging,
        ),
        ReportSpec(
            "collections_aging_by_account",
            gettext_lazy("Collections aging by account"),
            gettext_lazy("What customers owe today, by days past due, per account."),
            order_reports.collections_aging_by_account,
        ),
    )
}


def available(actor) -> list[ReportSpec]:
    return list(REPORTS.values()) if access.has_right(actor, "report", "read") else []


def build(actor, name: str, period: Period, **options: Any) -> Report:
    """The report ``name`` for the actor and period; NotFound for an unknown name or
    without the right to read reports."""
    access.require_right(actor, "report", "read")
    spec = REPORTS.get(name)
    if spec is None:
        raise NotFound()
    if name != "funnel":
        options = {}
    with big_sorts():
        return spec.build(actor, period, **options)
