"""Targets per person, team or region and month or quarter, and how far each is reached.

Measures: revenue (``guanxi.sales.revenue``), new customers (accounts added in the period
by their owner) and collections (money received in the period, ``guanxi.sales.collections``).
Who sets and reads which target is decided in ``core.access`` (``can_set_target``,
``targets_visible_q``); the figures come through the actor's visibility scope, so
attainment never counts a sale the actor may not see.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from guanxi.core import access, events
from guanxi.core.errors import NotFound, PermissionDenied, ValidationFailed
from guanxi.core.filters import parse_id
from guanxi.core.models import Team, User
from guanxi.core.records import apply, lock, stamp, validate
from guanxi.customers.models import Account, Region
from guanxi.sales import collections, revenue
from guanxi.sales.models import Target, TargetMetric
from guanxi.sales.periods import Period
from guanxi.sales.sums import big_sorts

ZERO = Decimal("0.00")


def _subject(actor, *, user: Any, team: Any, region: Any) -> dict[str, Any]:
    given = [name for name, v in (("user", user), ("team", team), ("region", region)) if v]
    if len(given) != 1:
        raise ValidationFailed.on("user", _("Set the target for one person, team or region."))
    if user:
        found = User.objects.filter(pk=parse_id(user), organisation_id=actor.organisation_id)
        found = found.select_related("team").first()
        if found is None:
            raise ValidationFailed.on("user", _("Select a record you can see."))
        return {"user": found, "team": None, "region": ""}
    if team:
        found = Team.objects.filter(pk=parse_id(team), organisation_id=actor.organisation_id)
        if not found.exists():
            raise ValidationFailed.on("team", _("Select a record you can see."))
        return {"user": None, "team": found.get(), "region": ""}
    if region not in Region.values:
        raise ValidationFailed.on("region", _("Select a valid choice."))
    return {"user": None, "team": None, "region": region}


@transaction.atomic
def target_set(
    *,
    actor,
    period: Period,
    metric: str,
    amount: Any,
    user: Any = None,
    team: Any = None,
    region: Any = None,
    currency: str | None = None,
) -> Target:
    """Set (or change) the target of one person, team or region for a period."""
    access.require_right(actor, "target", "update")
    if metric not in TargetMetric.values:
        raise ValidationFailed.on("metric", _("Select a valid choice."))
    subject = _subject(actor, user=user, team=team, region=region)
    if not access.can_set_target(actor, **subject):
        raise PermissionDenied(_("You cannot set this target."))
    key = {
        "organisation_id": actor.organisation_id,
        "period_kind": period.kind,
        "period_start": period.start,
        "metric": metric,
        "user": subject["user"],
        "team": subject["team"],
        "region": subject["region"],
    }
    existing = Target.objects.filter(**key).values_list("pk", flat=True).first()
    if existing is None:
        target = Target(
            period_kind=period.kind,
            period_start=period.start,
            metric=metric,
            **subject,
            amount=ZERO,
            currency=actor.organisation.currency,
        )
        stamp(target, actor, creating=True)
        old = None
    else:
        target = lock(Target, existing, None)
        stamp(target, actor)
        old = target.amount
    data = {"amount": amount}
    if currency:
        data["currency"] = currency
    apply(target, data)
    validate(target)
    if old is not None and old == target.amount and "currency" not in data:
        return target
    target.save()
    events.record(
        actor,
        "target.set",
        target,
        changes={"amount": (old, target.amount)},
        data={
            "period": period.code,
            "metric": metric,
            "user": subject["user"],
            "team": subject["team"],
            "region": subject["region"],
        },
    )
    return target


@transaction.atomic
def target_delete(*, actor, target: Target) -> None:
    if not access.can_set_target(actor, user=target.user, team=target.team, region=target.region):
        raise PermissionDenied(_("You cannot set this target."))
    pk, amount = target.pk, target.amount
    target.delete()
    events.record(
        actor,
        "target.deleted",
        None,
        object_type="target",
        organisation_id=actor.organisation_id,
        data={"id": pk, "amount": amount},
    )


# --- Reads ----------------------------------------------------------------------------------

_USER_UNUSED = ("password", "last_login", "email", "date_joined", "language", "time_zone")


def target_queryset(actor) -> models.QuerySet[Target]:
    q = access.targets_visible_q(actor)
    if q is None:
        return Target.objects.none()
    # The people's and teams' names only: an administrator reads a thousand targets.
    return (
        Target.objects.filter(q)
        .select_related("user", "team")
        .defer(*(f"user__{f}" for f in _USER_UNUSED))
    )


def target_get(actor, pk: Any) -> Target:
    target = target_queryset(actor).filter(pk=parse_id(pk) or 0).first()
    if target is None:
        raise NotFound()
    return target


def target_list(actor, period: Period) -> list[Target]:
    return list(
        target_queryset(actor)
        .filter(period_kind=period.kind, period_start=period.start)
        .order_by("metric", "team__path", "user__username", "region", "id")
    )


def new_customers_by(actor, period: Period) -> list[dict[str, Any]]:
    """Accounts added in the period, by owner, owner's team and region: one GROUP BY."""
    start, end = period.bounds(actor.organisation.time_zone)
    rows = (
        access.scoped(actor, Account.objects.all(), "account")
        .filter(created_at__gte=start, created_at__lt=end)
        .order_by()
        .values("owner_id", "owner__team__path", "region")
        .annotate(n=Count("*"))
    )
    return [
        {
            "owner": r["owner_id"],
            "team_path": r["owner__team__path"],
            "region": r["region"],
            "amount": Decimal(r["n"]),
        }
        for r in rows
    ]


# Each measure: the rows it is counted from (owner and, as asked, team_path and region,
# with the amount). Only the dimensions the targets need are read: a region means a join
# with the accounts of every sale.
MEASURES = {
    TargetMetric.REVENUE: lambda actor, period, dims: revenue.revenue_by(actor, period, *dims),
    TargetMetric.NEW_CUSTOMERS: lambda actor, period, dims: new_customers_by(actor, period),
    TargetMetric.COLLECTIONS: lambda actor, period, dims: collections.collections_by(
        actor, period, *dims
    ),
}


def _dimensions(targets: list[Target]) -> list[str]:
    dims = ["owner"]
    if any(t.team_id for t in targets):
        dims.append("team_path")
    if any(t.region for t in targets):
        dims.append("region")
    return dims


class _Reached:
    """A measure's rows summed per owner, team path and region once, so that a thousand
    targets cost a thousand look-ups, not a thousand passes over the rows."""

    def __init__(self, rows: list[dict[str, Any]]):
        self.owner: dict[Any, Decimal] = defaultdict(lambda: ZERO)
        self.region: dict[Any, Decimal] = defaultdict(lambda: ZERO)
        self.path: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for r in rows:
            self.owner[r["owner"]] += r["amount"]
            self.region[r.get("region")] += r["amount"]
            self.path[r.get("team_path") or ""] += r["amount"]

    def of(self, target: Target) -> Decimal:
        if target.user_id:
            return self.owner.get(target.user_id, ZERO)
        if target.team_id:  # the team and every team below it: a handful of paths
            return sum(
                (v for path, v in self.path.items() if path.startswith(target.team.path)), ZERO
            )
        return self.region.get(target.region, ZERO)


def attainment(actor, period: Period, targets: list[Target]) -> list[dict[str, Any]]:
    """Each target with what was reached and the share of it (None where not measured).

    One grouped query per measure in use, whatever the number of targets.
    """
    with big_sorts():
        reached = {
            metric: _Reached(
                MEASURES[metric](
                    actor, period, _dimensions([t for t in targets if t.metric == metric])
                )
            )
            for metric in {t.metric for t in targets}
            if metric in MEASURES
        }
    out = []
    for target in targets:
        actual = reached[target.metric].of(target) if target.metric in reached else None
        share = (
            (actual / target.amount * 100).quantize(Decimal("0.1"))
            if actual is not None and target.amount
            else None
        )
        out.append({"target": target, "actual": actual, "percent": share})
    return out


def subject_label(target: Target) -> str:
    if target.user_id:
        return target.user.display_name
    if target.team_id:
        return target.team.name
    return str(Region(target.region).label)


def home_attainment(actor) -> list[dict[str, Any]]:
    """The home page's cards: the actor's own targets and their team's, for the running
    month and quarter, with what was reached."""
    from guanxi.sales.periods import PeriodKind, current_period

    zone = actor.organisation.time_zone
    periods = [current_period(kind, zone) for kind in (PeriodKind.MONTH, PeriodKind.QUARTER)]
    mine = models.Q(user_id=actor.pk)
    if actor.team_id:
        mine |= models.Q(team_id=actor.team_id)
    period_q = models.Q()
    for p in periods:
        period_q |= models.Q(period_kind=p.kind, period_start=p.start)
    found = list(target_queryset(actor).filter(mine, period_q).order_by("period_kind", "metric"))
    out = []
    for period in periods:
        in_period = [t for t in found if t.period_kind == period.kind]
        for item in attainment(actor, period, in_period) if in_period else []:
            out.append({**item, "period": period, "subject": subject_label(item["target"])})
    return out
