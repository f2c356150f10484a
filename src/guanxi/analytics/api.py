"""REST endpoints for reports: each report's table as JSON or CSV."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema

from guanxi.analytics import export, reports
from guanxi.core.api import ErrorOut
from guanxi.sales.periods import chosen_period

router = Router()


class ReportParams(Schema):
    period: str | None = Field(
        None,
        max_length=10,
        description="A month (`2026-03`) or quarter (`2026-Q1`); default: the running quarter",
    )
    pipeline: int | None = Field(None, description="Funnel only: a pipeline id (default one)")


class ReportInfo(Schema):
    name: str
    title: str
    description: str


class ColumnOut(Schema):
    key: str
    label: str
    kind: str


class ReportOut(Schema):
    name: str
    title: str
    period: str
    currency: str
    note: str
    columns: list[ColumnOut]
    rows: list[dict[str, Any]]


def _build(request, name: str, params: ReportParams):
    actor = request.user
    period = chosen_period(params.period, actor.organisation.time_zone)
    return reports.build(actor, name, period, pipeline=params.pipeline)


@router.get(
    "/reports",
    response=list[ReportInfo],
    tags=["reports"],
    summary="List the reports you can read",
    operation_id="report_list",
)
def report_list(request):
    return [
        {"name": s.name, "title": str(s.title), "description": str(s.description)}
        for s in reports.available(request.user)
    ]


@router.get(
    "/reports/{name}",
    response={200: ReportOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    tags=["reports"],
    summary="Read a report",
    operation_id="report_get",
)
def report_get(request, name: str, params: ReportParams = Query(...)):
    """One report of a period, computed over the records you can see (a rep: their own;
    a manager: their team and its sub-teams). Money is a decimal string in `currency`."""
    report = _build(request, name, params)
    return {
        "name": report.name,
        "title": str(report.title),
        "period": report.period.code,
        "currency": report.currency,
        "note": str(report.note),
        "columns": [{"key": c.key, "label": str(c.label), "kind": c.kind} for c in report.columns],
        "rows": [{c.key: row.get(c.key) for c in report.columns} for row in report.rows],
    }


@router.get(
    "/reports/{name}/csv",
    response={200: None, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    tags=["reports"],
    summary="Download a report as CSV",
    operation_id="report_csv",
)
def report_csv(request, name: str, params: ReportParams = Query(...)):
    """Needs the "export" right on reports. Cells that a spreadsheet would read as a
    formula (starting with = + - @) are prefixed with an apostrophe."""
    report = _build(request, name, params)
    response = HttpResponse(
        export.report_csv(request.user, report), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{export.filename(report)}"'
    return response
