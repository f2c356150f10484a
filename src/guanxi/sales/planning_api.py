"""REST endpoints for forecasts and targets.

Forecasts: reps submit their own; managers read and adjust those of the people below them
(never their own); every change is kept. Targets: admins set any, managers those of the
people and teams below them; everyone reads the targets they are allowed to (a rep their
own).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema

from guanxi.core.api import ErrorOut, Input, Ref, etag, expected_version, user_ref
from guanxi.sales import forecasts, targets
from guanxi.sales.models import Currency, TargetMetric
from guanxi.sales.periods import Period, chosen_period, parse_period

router = Router()

Money = Field(..., ge=0, max_digits=16, decimal_places=2)
PERIOD_HELP = "A month (`2026-03`) or quarter (`2026-Q1`)"


class PeriodParams(Schema):
    period: str | None = Field(
        None, max_length=10, description=PERIOD_HELP + "; default: the running quarter"
    )


def _period(actor, value: str | None):
    return chosen_period(value, actor.organisation.time_zone)


# --- Forecasts ------------------------------------------------------------------------------


class DealFiguresOut(Schema):
    closed: Decimal = Field(
        ...,
        description="What was sold in the period, as revenue counts it: the orders confirmed "
        "in it at their totals, and deals won in it without an order",
    )
    commit: Decimal
    best_case: Decimal
    pipeline: Decimal
    weighted: Decimal


class ForecastOut(Schema):
    id: int
    owner: Ref
    period: str
    currency: str
    commit: Decimal
    best_case: Decimal
    commit_adjusted: Decimal | None
    best_case_adjusted: Decimal | None
    commit_final: Decimal
    best_case_final: Decimal
    comment: str
    submitted_at: datetime | None
    updated_at: datetime
    version: int


def dump_forecast(sub) -> dict:
    return {
        **{
            f: getattr(sub, f)
            for f in (
                "id",
                "currency",
                "commit",
                "best_case",
                "commit_adjusted",
                "best_case_adjusted",
                "commit_final",
                "best_case_final",
                "comment",
                "submitted_at",
                "updated_at",
                "version",
            )
        },
        "owner": user_ref(sub.owner),
        "period": Period(sub.period_kind, sub.period_start).code,
    }


class MyForecastOut(Schema):
    period: str
    submission: ForecastOut | None
    deals: DealFiguresOut
    suggested: dict[str, Decimal]


@router.get(
    "/forecasts",
    response={200: list[ForecastOut], 422: ErrorOut},
    tags=["forecasts"],
    summary="List the forecast submissions of a period you can see",
    operation_id="forecast_list",
)
def forecast_list(request, params: PeriodParams = Query(...)):
    """A rep sees their own; a manager their team's and its sub-teams'; an admin all."""
    period = _period(request.user, params.period)
    return [dump_forecast(s) for s in forecasts.forecast_list(request.user, period)]


@router.get(
    "/forecasts/mine",
    response={200: MyForecastOut, 422: ErrorOut},
    tags=["forecasts"],
    summary="Your forecast of a period, with the figures of your deals",
    operation_id="forecast_mine",
)
def forecast_mine(request, params: PeriodParams = Query(...)):
    """`deals`: your won, commit, best-case and pipeline amounts and the weighted pipeline;
    `suggested`: what a new submission starts from."""
    actor = request.user
    period = _period(actor, params.period)
    sub = forecasts.forecast_mine(actor, period)
    figures = forecasts.deal_figures(actor, period, owner=actor).get(actor.pk)
    deals = figures or forecasts.empty_figures()
    return {
        "period": period.code,
        "submission": dump_forecast(sub) if sub else None,
        "deals": deals,
        "suggested": forecasts.suggested(figures),
    }


class SubmitIn(Input):
    period: str = Field(..., max_length=10, description=PERIOD_HELP)
    commit: Decimal = Money
    best_case: Decimal = Money
    comment: str = Field("", max_length=500)
    version: int | None = None


@router.put(
    "/forecasts/mine",
    response={200: ForecastOut, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    tags=["forecasts"],
    summary="Submit your forecast of a period",
    operation_id="forecast_submit",
)
def forecast_submit(request, response: HttpResponse, payload: SubmitIn):
    """Creates or replaces your submission (each change is kept in its history). The best
    case cannot be lower than the commit. Emits `forecast.submitted`."""
    sub = forecasts.forecast_submit(
        actor=request.user,
        period=parse_period(payload.period),
        commit=payload.commit,
        best_case=payload.best_case,
        comment=payload.comment,
        version=payload.version,
    )
    sub = forecasts.forecast_get(request.user, sub.pk)
    response.headers["ETag"] = etag(sub.version)
    return dump_forecast(sub)


class TeamRollupOut(Schema):
    team: Ref
    depth: int
    submissions: int
    commit: Decimal
    best_case: Decimal
    commit_final: Decimal
    best_case_final: Decimal


@router.get(
    "/forecasts/rollup",
    response={200: list[TeamRollupOut], 422: ErrorOut},
    tags=["forecasts"],
    summary="Forecast roll-up per team",
    operation_id="forecast_rollup",
)
def forecast_rollup(request, params: PeriodParams = Query(...)):
    """Per team you see (yours and below; all for an admin): the submitted and final
    (adjusted) figures of everyone in it and its sub-teams. Empty for a rep."""
    period = _period(request.user, params.period)
    return [
        {**row, "team": {"id": row["team"].pk, "name": row["team"].name}}
        for row in forecasts.forecast_rollup(request.user, period)
    ]


@router.get(
    "/forecasts/{id}",
    response={200: ForecastOut, 404: ErrorOut},
    tags=["forecasts"],
    summary="Read a forecast submission",
    operation_id="forecast_get",
)
def forecast_get(request, response: HttpResponse, id: int):
    sub = forecasts.forecast_get(request.user, id)
    response.headers["ETag"] = etag(sub.version)
    return dump_forecast(sub)


class AdjustIn(Input):
    commit: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    best_case: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    comment: str = Field(..., max_length=500)
    version: int | None = None


@router.post(
    "/forecasts/{id}/adjust",
    response={
        200: ForecastOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        412: ErrorOut,
        422: ErrorOut,
    },
    tags=["forecasts"],
    summary="Adjust someone's forecast (managers)",
    operation_id="forecast_adjust",
)
def forecast_adjust(request, response: HttpResponse, id: int, payload: AdjustIn):
    """A manager sets the commit and/or best case they stand behind for someone in their
    team or below, with a comment (required). Your own forecast is adjusted by your
    manager, not by you (403). Emits `forecast.adjusted`."""
    sub = forecasts.forecast_get(request.user, id)
    version = expected_version(request, payload.version, sub.version)
    forecasts.forecast_adjust(
        actor=request.user,
        submission=sub,
        commit=payload.commit,
        best_case=payload.best_case,
        comment=payload.comment,
        version=version,
    )
    sub = forecasts.forecast_get(request.user, id)
    response.headers["ETag"] = etag(sub.version)
    return dump_forecast(sub)


class ChangeOut(Schema):
    field: str
    old: Decimal | None
    new: Decimal | None
    comment: str
    actor: Ref | None
    changed_at: datetime


@router.get(
    "/forecasts/{id}/history",
    response={200: list[ChangeOut], 404: ErrorOut},
    tags=["forecasts"],
    summary="Every change to a forecast submission",
    operation_id="forecast_history",
)
def forecast_history(request, id: int):
    """Who changed which figure, from what to what, when and why; newest first."""
    sub = forecasts.forecast_get(request.user, id)
    return [
        {
            "field": c.field,
            "old": c.old,
            "new": c.new,
            "comment": c.comment,
            "actor": user_ref(c.actor),
            "changed_at": c.changed_at,
        }
        for c in forecasts.forecast_history(request.user, sub)
    ]


# --- Targets --------------------------------------------------------------------------------


class TargetOut(Schema):
    id: int
    period: str
    period_start: date
    metric: str
    user: Ref | None
    team: Ref | None
    region: str
    amount: Decimal
    currency: str
    actual: Decimal | None
    percent: Decimal | None
    version: int


def dump_target(item: dict) -> dict:
    t = item["target"]
    return {
        "id": t.pk,
        "period": Period(t.period_kind, t.period_start).code,
        "period_start": t.period_start,
        "metric": t.metric,
        "user": user_ref(t.user),
        "team": {"id": t.team.pk, "name": t.team.name} if t.team_id else None,
        "region": t.region,
        "amount": t.amount,
        "currency": t.currency,
        "actual": item["actual"],
        "percent": item["percent"],
        "version": t.version,
    }


@router.get(
    "/targets",
    response={200: list[TargetOut], 422: ErrorOut},
    tags=["targets"],
    summary="List the targets of a period, with attainment",
    operation_id="target_list",
)
def target_list(request, params: PeriodParams = Query(...)):
    """A rep sees their own targets; a manager those of their team, its sub-teams and their
    people; an admin all. `actual` counts only records you can see: revenue, new customers, or
    collections (money received in the period, voided receipts left out)."""
    actor = request.user
    period = _period(actor, params.period)
    items = targets.attainment(actor, period, targets.target_list(actor, period))
    return [dump_target(i) for i in items]


class TargetIn(Input):
    period: str = Field(..., max_length=10, description=PERIOD_HELP)
    metric: TargetMetric
    user: int | None = Field(None, description="A person's id (or give team or region)")
    team: int | None = None
    region: str | None = Field(None, max_length=16, description="A region code, e.g. `east`")
    amount: Decimal = Money
    currency: Currency | None = None


@router.put(
    "/targets",
    response={200: TargetOut, 403: ErrorOut, 422: ErrorOut},
    tags=["targets"],
    summary="Set a target",
    operation_id="target_set",
)
def target_set(request, payload: TargetIn):
    """Set or change the target of one person, team or region for a month or quarter.
    Admins set any; managers those of the people and teams below them. Emits `target.set`."""
    actor = request.user
    period = parse_period(payload.period)
    target = targets.target_set(
        actor=actor,
        period=period,
        metric=payload.metric,
        amount=payload.amount,
        user=payload.user,
        team=payload.team,
        region=payload.region,
        currency=payload.currency,
    )
    target = targets.target_get(actor, target.pk)
    return dump_target(targets.attainment(actor, period, [target])[0])


@router.delete(
    "/targets/{id}",
    response={204: None, 403: ErrorOut, 404: ErrorOut},
    tags=["targets"],
    summary="Remove a target",
    operation_id="target_delete",
)
def target_delete(request, id: int):
    targets.target_delete(actor=request.user, target=targets.target_get(request.user, id))
    return 204, None
