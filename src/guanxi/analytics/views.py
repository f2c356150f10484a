"""The reports page, each report's card (loaded on its own by the page) and CSV download.

The page itself only lists the reports the actor may read; each card then asks for its
report (htmx, on load), so the page shows at once and a slower report holds up no other.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from guanxi.analytics import export, reports
from guanxi.core import access
from guanxi.sales import selectors
from guanxi.sales.periods import chosen_period, period_choices
from guanxi.web.ui import page


def _query(period, pipeline: str) -> str:
    return f"period={period.code}" + (f"&pipeline={pipeline}" if pipeline else "")


@page
def report_index(request):
    actor = request.user
    access.require_right(actor, "report", "read")
    period = chosen_period(request.GET.get("period"), actor.organisation.time_zone)
    pipeline = request.GET.get("pipeline", "")
    return render(
        request,
        "analytics/reports.html",
        {
            "period": period,
            "specs": reports.available(actor),
            "query": _query(period, pipeline),
            "pipelines": selectors.pipeline_list(actor),
            "pipeline": pipeline,
            "periods": period_choices(period, actor.organisation.time_zone),
        },
    )


@page
def report_card(request, name: str):
    """One report's card: chart, table and export link."""
    actor = request.user
    period = chosen_period(request.GET.get("period"), actor.organisation.time_zone)
    pipeline = request.GET.get("pipeline", "")
    report = reports.build(actor, name, period, pipeline=pipeline)
    return render(
        request,
        "analytics/_report.html",
        {
            "report": report,
            "query": _query(period, pipeline),
            "can_export": access.has_right(actor, "report", "export"),
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
