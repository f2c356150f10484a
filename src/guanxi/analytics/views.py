"""The reports page (charts and tables of one period) and each report's CSV download."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from guanxi.analytics import export, reports
from guanxi.core import access
from guanxi.sales import selectors
from guanxi.sales.periods import chosen_period, period_choices
from guanxi.web.ui import page


@page
def report_index(request):
    actor = request.user
    access.require_right(actor, "report", "read")
    period = chosen_period(request.GET.get("period"), actor.organisation.time_zone)
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


@page
def report_export(request, name: str):
    actor = request.user
    access.require_right(actor, "report", "export")
    period = chosen_period(request.GET.get("period"), actor.organisation.time_zone)
    report = reports.build(actor, name, period, pipeline=request.GET.get("pipeline", ""))
    response = HttpResponse(
        export.report_csv(actor, report), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{export.filename(report)}"'
    return response
