"""Forecasts: categories on deals, each rep's submission, managers' adjustments, roll-ups.

Every sale counts in one forecast category: what was sold in the period is *closed* (its
booked revenue: confirmed orders, and won deals without one); an open deal takes the
category its owner chose, or else one that follows its stage's probability (commit from
75 %, best case from 50 %, pipeline below); lost deals count nowhere. A rep submits, per
month or quarter, the figures they stand behind — *commit* and *best case*, offered
pre-filled from their deals — and managers above them in the team hierarchy adjust each
figure with a comment. Every change is kept (``ForecastChange``: who, which figure,
old → new, when, why). A team's roll-up adds the final figures (adjusted, or as submitted)
of everyone in the team and its sub-teams.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.db.models import Case, CharField, Count, F, Q, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core import access, events
from guanxi.core.errors import NotFound, PermissionDenied, ValidationFailed
from guanxi.core.models import Scope, Team, User
from guanxi.core.records import apply, lock, stamp, validate
from guanxi.sales.models import (
    ForecastCategory,
    ForecastChange,
    ForecastSubmission,
    Opportunity,
    OpportunityStatus,
)
from guanxi.sales.periods import Period

COMMIT_FROM = 75  # stage probability (%) from which an open deal counts as commit
BEST_CASE_FROM = 50
FIGURES = ("commit", "best_case")
ZERO = Decimal("0.00")


def default_category(probability: int) -> str:
    """The category an open deal takes from its stage when its owner chose none."""
    if probability >= COMMIT_FROM:
        return ForecastCategory.COMMIT
    if probability >= BEST_CASE_FROM:
        return ForecastCategory.BEST_CASE
    return ForecastCategory.PIPELINE


def category_expression() -> Case:
    """The deal's forecast category as SQL, so totals are one GROUP BY in the database."""
    return Case(
        When(status=OpportunityStatus.WON, then=Value(ForecastCategory.CLOSED.value)),
        When(status=OpportunityStatus.LOST, then=Value("")),
        When(~Q(forecast_category=""), then=F("forecast_category")),
        When(stage__probability__gte=COMMIT_FROM, then=Value(ForecastCategory.COMMIT.value)),
        When(stage__probability__gte=BEST_CASE_FROM, then=Value(ForecastCategory.BEST_CASE.value)),
        default=Value(ForecastCategory.PIPELINE.value),
        output_field=CharField(),
    )


def empty_figures() -> dict[str, Decimal]:
    return {c: ZERO for c in ForecastCategory.values} | {"weighted": ZERO}


def deal_figures(
    actor, period: Period, *, owner: User | None = None, owners: list[int] | None = None
) -> dict[int, dict]:
    """Per owner: closed, commit, best case and pipeline amounts of the period, and the
    weighted pipeline (amount × stage probability of open deals).

    *Closed* is what was sold: the booked revenue of the period (``sales.revenue``: the
    orders confirmed in it, and deals won in it that never had an order), the same figure
    the targets and the reports show. A deal won by confirming its order counts at the
    order's total, not at the amount estimated on the deal. Open deals count for the period
    their expected close falls in, in the category of ``category_expression``. Amounts in
    the organisation's currency only. ``owner`` or ``owners`` (ids) narrow it to some of
    the people the actor sees. One GROUP BY over the open deals and one per source of
    revenue.
    """
    from guanxi.sales.revenue import revenue_by

    org = actor.organisation
    if owner is not None:
        owners = [owner.pk]
    qs = access.scoped(actor, Opportunity.objects.all(), "opportunity", for_totals=True).filter(
        status=OpportunityStatus.OPEN,
        expected_close__gte=period.start,
        expected_close__lt=period.end,
        currency=org.currency,
    )
    if owners is not None:
        qs = qs.filter(owner_id__in=owners)
    rows = (
        qs.annotate(category=category_expression())
        .order_by()
        .values("owner_id", "category")
        .annotate(
            total=Sum("amount"),
            weighted=Sum(
                F("amount") * F("stage__probability"),
                output_field=models.DecimalField(max_digits=20, decimal_places=2),
            ),
        )
    )
    out: dict[int, dict] = {}
    for row in rows:
        figures = out.setdefault(row["owner_id"], empty_figures())
        figures[row["category"]] = Decimal(row["total"] or 0).quantize(ZERO)
        figures["weighted"] += (Decimal(row["weighted"] or 0) / 100).quantize(ZERO)
    for row in revenue_by(actor, period, "owner", owners=owners):
        if row["count"]:
            out.setdefault(row["owner"], empty_figures())[ForecastCategory.CLOSED] = row["amount"]
    return out


def suggested(figures: dict[str, Decimal] | None) -> dict[str, Decimal]:
    """What a rep's submission starts from: commit = won + commit deals; best case adds
    the best-case deals."""
    f = figures or empty_figures()
    commit = f[ForecastCategory.CLOSED] + f[ForecastCategory.COMMIT]
    return {"commit": commit, "best_case": commit + f[ForecastCategory.BEST_CASE]}


# --- Writes ---------------------------------------------------------------------------------


def _check_order(commit: Decimal, best_case: Decimal, prefix: str = "") -> None:
    if best_case < commit:
        raise ValidationFailed.on(
            f"best_case{prefix}", _("The best case cannot be lower than the commit.")
        )


def _log_changes(actor, sub: ForecastSubmission, changes: dict, comment: str) -> None:
    ForecastChange.objects.bulk_create(
        ForecastChange(
            organisation_id=sub.organisation_id,
            submission=sub,
            actor=actor,
            changed_at=sub.updated_at,
            field=name,
            old=old,
            new=new,
            comment=comment,
        )
        for name, (old, new) in changes.items()
        if name != "comment"
    )


@transaction.atomic
def forecast_submit(
    *,
    actor,
    period: Period,
    commit: Any,
    best_case: Any,
    comment: str = "",
    version: int | None = None,
) -> ForecastSubmission:
    """Submit (or resubmit) the actor's own forecast for ``period``."""
    access.require_right(actor, "forecast", "create")
    existing = (
        ForecastSubmission.objects.filter(
            organisation_id=actor.organisation_id,
            owner=actor,
            period_kind=period.kind,
            period_start=period.start,
        )
        .values_list("pk", flat=True)
        .first()
    )
    if existing is None:
        sub = ForecastSubmission(
            owner=actor,
            period_kind=period.kind,
            period_start=period.start,
            currency=actor.organisation.currency,
        )
        stamp(sub, actor, creating=True)
    else:
        sub = lock(ForecastSubmission, existing, version)
    changes = apply(sub, {"commit": commit, "best_case": best_case, "comment": comment or ""})
    validate(sub)
    _check_order(sub.commit, sub.best_case)
    if existing is not None and not changes:
        return sub
    if existing is not None:
        stamp(sub, actor)
    sub.submitted_at = timezone.now()
    sub.save()
    _log_changes(actor, sub, changes, sub.comment)
    events.record(
        actor,
        "forecast.submitted",
        sub,
        changes={k: v for k, v in changes.items() if k in FIGURES},
        data={"period": period.code, "commit": sub.commit, "best_case": sub.best_case},
    )
    return sub


@transaction.atomic
def forecast_adjust(
    *,
    actor,
    submission: ForecastSubmission,
    commit: Any = None,
    best_case: Any = None,
    comment: str,
    version: int | None = None,
) -> ForecastSubmission:
    """A manager sets the figures they stand behind for someone below them, with a reason."""
    if not access.can_adjust_forecast(actor, submission):
        if access.can_see(actor, submission, "forecast"):
            raise PermissionDenied()
        raise NotFound()
    comment = (comment or "").strip()
    if not comment:
        raise ValidationFailed.on("comment", _("Say why you adjust the forecast."))
    data = {}
    if commit not in (None, ""):
        data["commit_adjusted"] = commit
    if best_case not in (None, ""):
        data["best_case_adjusted"] = best_case
    if not data:
        raise ValidationFailed.on("commit", _("Give the adjusted commit or best case."))
    sub = lock(ForecastSubmission, submission.pk, version)
    changes = apply(sub, data)
    validate(sub)
    _check_order(sub.commit_final, sub.best_case_final, "_adjusted")
    if not changes:
        return sub
    stamp(sub, actor)
    sub.save()
    _log_changes(actor, sub, changes, comment)
    events.record(
        actor,
        "forecast.adjusted",
        sub,
        changes=changes,
        data={"period": Period(sub.period_kind, sub.period_start).code, "comment": comment},
    )
    return sub


# --- Reads ----------------------------------------------------------------------------------


def _period_q(period: Period) -> Q:
    return Q(period_kind=period.kind, period_start=period.start)


def forecast_queryset(actor) -> models.QuerySet[ForecastSubmission]:
    return access.scoped(actor, ForecastSubmission.objects.select_related("owner"), "forecast")


def forecast_get(actor, pk: Any) -> ForecastSubmission:
    return access.get_visible(
        actor, ForecastSubmission.objects.select_related("owner"), "forecast", pk
    )


def forecast_list(actor, period: Period) -> list[ForecastSubmission]:
    """The submissions of the period the actor sees: a rep their own, a manager their
    team's and its sub-teams', an admin everyone's."""
    return list(
        forecast_queryset(actor).filter(_period_q(period)).order_by("owner__username", "id")
    )


def forecast_mine(actor, period: Period) -> ForecastSubmission | None:
    return forecast_queryset(actor).filter(_period_q(period), owner=actor).first()


def forecast_history(actor, submission: ForecastSubmission) -> list[ForecastChange]:
    """Every change to a submission the actor sees, newest first."""
    if not access.can_see(actor, submission, "forecast"):
        raise NotFound()
    return list(submission.changes.select_related("actor").order_by("-id"))


# People a page of the manager's grid shows; "Load more" brings the next ones.
GRID_PAGE = 50


def forecast_grid(
    actor, period: Period, *, after: str = "", limit: int | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the manager's grid: the people the actor sees, by username from after
    ``after``, each with their submission (or none), the figures of their deals and whether
    the actor may adjust it; and the username the next page starts after (None: no more).

    Three queries a page, whatever the size of the team: the head of a 500-person sales
    force reads 50 rows at a time, not 500.
    """
    limit = limit or GRID_PAGE
    people = list(
        access.assignable(actor, User.objects.select_related("team"))
        .filter(username__gt=after or "")
        .order_by("username")[: limit + 1]
    )
    following = people[limit - 1].username if len(people) > limit else None
    people = people[:limit]
    ids = [p.pk for p in people]
    subs = {
        s.owner_id: s for s in forecast_queryset(actor).filter(_period_q(period), owner__in=ids)
    }
    figures = deal_figures(actor, period, owners=ids)
    # What access.can_adjust_forecast decides, for rows already known to be in scope.
    may_adjust = access.has_right(actor, "forecast", "update") and (
        access.scope_of(actor) != Scope.OWN
    )
    rows = [
        {
            "user": person,
            "submission": subs.get(person.pk),
            "deals": figures.get(person.pk, empty_figures()),
            "can_adjust": may_adjust and person.pk != actor.pk and person.pk in subs,
        }
        for person in people
    ]
    return rows, following


def visible_teams(actor) -> list[Team]:
    """The teams whose roll-up the actor sees: their own and below it, or all for the
    organisation scope; none for someone who sees only their own records."""
    scope = access.scope_of(actor)
    qs = Team.objects.filter(organisation_id=actor.organisation_id)
    if scope == Scope.TEAM and actor.team_id is not None:
        qs = qs.filter(path__startswith=actor.team.path)
    elif scope != Scope.ORGANISATION:
        return []
    return list(qs.order_by("path"))


def forecast_rollup(actor, period: Period) -> list[dict[str, Any]]:
    """Per team: submitted and final commit and best case of everyone in it and below.

    One GROUP BY over the submissions the actor sees, by the owner's team; each team adds
    the groups at or under its path (a handful of teams, never a loop over rows).
    """
    teams = visible_teams(actor)
    if not teams:
        return []
    rows = list(
        forecast_queryset(actor)
        .filter(_period_q(period))
        .order_by()
        .values("owner__team__path")
        .annotate(
            n=Count("*"),
            commit_sum=Sum("commit"),
            best_case_sum=Sum("best_case"),
            commit_final_sum=Sum(models.functions.Coalesce("commit_adjusted", "commit")),
            best_case_final_sum=Sum(models.functions.Coalesce("best_case_adjusted", "best_case")),
        )
    )
    out = []
    for team in teams:
        below = [r for r in rows if (r["owner__team__path"] or "").startswith(team.path)]
        total = {
            key: sum((Decimal(r[f"{key}_sum"] or 0) for r in below), ZERO).quantize(ZERO)
            for key in ("commit", "best_case", "commit_final", "best_case_final")
        }
        out.append(
            {
                "team": team,
                "depth": team.path.count("/") - 2,
                "submissions": sum(r["n"] for r in below),
                **total,
            }
        )
    return out
