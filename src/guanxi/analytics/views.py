"""The reports page (charts and tables of one period) and each report's CSV download."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from guanxi.analytics import export, reports
from guanxi.core import access
from guanxi.sales import selectors
from guanxi.sales.periods import PeriodKind, current_period, parse_period
from guanxi.web.ui import page


def chosen_period(request, default_kind: str = PeriodKind.QUARTER):
    """The ``period`` of the query string, or the running one; a bad value is a field error."""
    value = request.GET.get("period", "").strip()
    if value:
        return parse_period(value)
    return current_period(default_kind, request.user.organisation.time_zone)


@page
def report_index(request):
    actor = request.user
    access.require_right(actor, "report", "read")
    period = chosen_period(request)
    pipeline = request.GET.get("pipeline", "")
    built = []
    for spec in reports.available(actor):
        options = {"pipeline": pipeline} if spec.name == "funnel" else {}
        built.append(reports.build(actor, spec.name, period, **options))
    return render(
        request,
        "analytics/reports.html",
        {
            "period": period,
            "reports": built,
            "pipelines": selectors.pipeline_list(actor),
            "pipeline": pipeline,
            "can_export": access.has_right(actor, "report", "export"),
            "periods": period_choices(period, actor.organisation.time_zone),
        },
    )


def period_choices(period, time_zone: str) -> list:
    """Recent quarters and months (and the chosen one), for the period picker."""
    quarters, p = [], current_period(PeriodKind.QUARTER, time_zone).next()
    for _i in range(6):
        quarters.append(p)
        p = p.previous()
    months, m = [], current_period(PeriodKind.MONTH, time_zone)
    for _i in range(12):
        months.append(m)
        m = m.previous()
    if period not in quarters and period not in months:
        (quarters if period.kind == PeriodKind.QUARTER else months).insert(0, period)
    return [(PeriodKind.QUARTER.label, quarters), (PeriodKind.MONTH.label, months)]


@page
def report_export(request, name: str):
    actor = request.user
    access.require_right(actor, "report", "export")
    period = chosen_period(request)
    report = reports.build(actor, name, period, pipeline=request.GET.get("pipeline", ""))
    response = HttpResponse(
        export.report_csv(actor, report), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{export.filename(report)}"'
    return response
