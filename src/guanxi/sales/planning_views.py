"""Pages for forecasts (my submission; a manager's team grid with adjust-in-place) and
targets (with attainment; managers and admins set them)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core import access
from guanxi.core.errors import ValidationFailed
from guanxi.core.filters import parse_id
from guanxi.core.models import Scope, User
from guanxi.customers.models import Region
from guanxi.sales import forecasts, targets
from guanxi.sales.periods import Period, chosen_period, period_choices
from guanxi.sales.planning_forms import AdjustForm, ForecastForm, TargetForm
from guanxi.web.ui import apply_errors, is_htmx, page

TARGETS_PAGE = 100  # targets the targets page shows before "Load more"


def _period(request) -> Period:
    value = request.POST.get("period") or request.GET.get("period")
    return chosen_period(value, request.user.organisation.time_zone)


def _back(name: str, period: Period) -> str:
    return f"{reverse(name)}?period={period.code}"


@page
def forecast(request):
    actor = request.user
    access.require_right(actor, "forecast", "read")
    period = _period(request)
    mine = forecasts.forecast_mine(actor, period)
    figures = forecasts.deal_figures(actor, period, owner=actor).get(actor.pk)
    start = (
        {"commit": mine.commit, "best_case": mine.best_case, "comment": mine.comment}
        if mine
        else forecasts.suggested(figures)
    )
    form = ForecastForm(request.POST or None, initial=start)
    if request.method == "POST" and form.is_valid():
        try:
            forecasts.forecast_submit(
                actor=actor,
                period=period,
                version=mine.version if mine else None,
                **form.cleaned_data,
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request, _("Your forecast for %(period)s is in.") % {"period": period.label}
            )
            return redirect(_back("planning:forecast", period))
    manager = access.scope_of(actor) != Scope.OWN
    grid, following = (
        forecasts.forecast_grid(actor, period, after=request.GET.get("after", ""))
        if manager
        else ([], None)
    )
    grid_context = {
        "grid": grid,
        "currency": actor.organisation.currency,
        "next_url": (
            reverse("planning:forecast")
            + "?"
            + urlencode({"period": period.code, "after": following})
            if following
            else ""
        ),
    }
    if is_htmx(request) and request.GET.get("after"):  # "Load more": the next rows
        return render(request, "sales/_forecast_rows.html", grid_context)
    return render(
        request,
        "sales/forecast.html",
        {
            "period": period,
            "periods": period_choices(period, actor.organisation.time_zone),
            "mine": mine,
            "figures": figures or forecasts.empty_figures(),
            "form": form,
            "rollup": forecasts.forecast_rollup(actor, period) if manager else [],
            **grid_context,
        },
        status=400 if form.errors else 200,
    )


def _grid_row(actor, submission, period: Period) -> dict:
    figures = forecasts.deal_figures(actor, period, owner=submission.owner)
    return {
        "user": submission.owner,
        "submission": submission,
        "deals": figures.get(submission.owner_id, forecasts.empty_figures()),
        "can_adjust": access.can_adjust_forecast(actor, submission),
    }


@require_POST
@page
def forecast_adjust(request, pk: int):
    """Adjust one row of the team grid; answers the row again (htmx) or the page."""
    actor = request.user
    submission = forecasts.forecast_get(actor, pk)
    period = Period(submission.period_kind, submission.period_start)
    form = AdjustForm(request.POST)
    if form.is_valid():
        try:
            submission = forecasts.forecast_adjust(
                actor=actor, submission=submission, version=submission.version, **form.cleaned_data
            )
            form = AdjustForm()
        except ValidationFailed as exc:
            apply_errors(form, exc)
    if not is_htmx(request):
        if form.errors:
            messages.error(request, " ".join(e for es in form.errors.values() for e in es))
        return redirect(_back("planning:forecast", period))
    row = _grid_row(actor, submission, period)
    return render(
        request,
        "sales/_forecast_row.html",
        {"row": row, "adjust_form": form, "currency": actor.organisation.currency},
    )


@page
def forecast_history(request, pk: int):
    actor = request.user
    submission = forecasts.forecast_get(actor, pk)
    return render(
        request,
        "sales/_forecast_history.html" if is_htmx(request) else "sales/forecast_history.html",
        {
            "submission": submission,
            "changes": forecasts.forecast_history(actor, submission),
            "period": Period(submission.period_kind, submission.period_start),
        },
    )


def _target_subjects(actor) -> list:
    """What the actor may set targets for, as grouped choices ("user:4", "team:2", ...)."""
    if not access.has_right(actor, "target", "update"):
        return []
    scope = access.scope_of(actor)
    people = access.assignable(actor, User.objects.all()).exclude(pk=actor.pk)
    teams = [
        t
        for t in forecasts.visible_teams(actor)
        if t.pk != actor.team_id or scope == Scope.ORGANISATION
    ]
    groups = [
        (_("People"), [(f"user:{u.pk}", u.display_name) for u in people.order_by("username")]),
        (_("Teams"), [(f"team:{t.pk}", t.name) for t in teams]),
    ]
    if scope == Scope.ORGANISATION:
        groups.append((_("Regions"), [(f"region:{v}", label) for v, label in Region.choices]))
    return [g for g in groups if g[1]]


@page
def targets_page(request):
    actor = request.user
    access.require_right(actor, "target", "read")
    period = _period(request)
    subjects = _target_subjects(actor)
    form = TargetForm(request.POST or None, subjects=subjects) if subjects else None
    if request.method == "POST":
        if form is None:
            access.require_right(actor, "target", "update")
        elif form.is_valid():
            try:
                targets.target_set(
                    actor=actor,
                    period=period,
                    metric=form.cleaned_data["metric"],
                    amount=form.cleaned_data["amount"],
                    **form.subject_kwargs(),
                )
            except ValidationFailed as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Target saved."))
                return redirect(_back("planning:targets", period))
    # A page of targets at a time ("Load more"): an administrator of a large sales force has
    # a thousand of them a period. The list of a period is bounded, so a plain offset.
    found = targets.target_list(actor, period)
    start = min(max(parse_id(request.GET.get("start")) or 0, 0), len(found))
    items = targets.attainment(actor, period, found[start : start + TARGETS_PAGE])
    following = start + TARGETS_PAGE if start + TARGETS_PAGE < len(found) else None
    # The choices are exactly what the actor may set (access.can_set_target), no query a row.
    settable = {key for _label, choices in subjects for key, _name in choices}
    for item in items:
        t = item["target"]
        item["subject"] = targets.subject_label(t)
        key = (
            f"user:{t.user_id}"
            if t.user_id
            else f"team:{t.team_id}"
            if t.team_id
            else f"region:{t.region}"
        )
        item["can_change"] = key in settable
    rows = {
        "items": items,
        "currency": actor.organisation.currency,
        "next_url": (
            reverse("planning:targets")
            + "?"
            + urlencode({"period": period.code, "start": following})
            if following
            else ""
        ),
    }
    if is_htmx(request) and request.GET.get("start"):  # "Load more": the next rows
        return render(request, "sales/_target_rows.html", rows)
    return render(
        request,
        "sales/targets.html",
        {
            "period": period,
            "periods": period_choices(period, actor.organisation.time_zone),
            **rows,
            "form": form,
        },
        status=400 if form is not None and form.errors else 200,
    )


@require_POST
@page
def target_delete(request, pk: int):
    actor = request.user
    target = targets.target_get(actor, pk)
    period = Period(target.period_kind, target.period_start)
    targets.target_delete(actor=actor, target=target)
    messages.success(request, _("Target removed."))
    return redirect(_back("planning:targets", period))
