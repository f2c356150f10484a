"""Targets and forecasts for the demo company: revenue and new-customer targets for every
rep, each region team and the sales team for this quarter and the last, a few forecast
submissions and a manager's adjustment — written through the services, like real ones.
Also starts the stage history of the bulk-loaded deals, so the funnel has figures.
"""

from __future__ import annotations

import random
from decimal import Decimal

from django.db import transaction

from guanxi.analytics import history
from guanxi.core.models import Organisation, Team, User
from guanxi.sales import forecasts, targets
from guanxi.sales.periods import PeriodKind, current_period


def load_planning(org: Organisation, seed: int = 2026) -> int:
    """Create the demo's targets and submissions; returns how many targets were set."""
    rng = random.Random(seed)
    users = {
        u.username: u for u in User.objects.filter(organisation=org).select_related("role", "team")
    }
    admin, manager = users["admin"], users.get("manager")
    reps = [u for name, u in sorted(users.items()) if name.startswith("rep")]
    teams = list(Team.objects.filter(organisation=org).order_by("path"))
    this_quarter = current_period(PeriodKind.QUARTER, org.time_zone)
    set_count = 0
    with transaction.atomic():
        history.rebuild(org.pk)
        for period in (this_quarter.previous(), this_quarter):
            for rep in reps:
                amount = Decimal(rng.randrange(30, 120) * 10_000)
                targets.target_set(
                    actor=admin, period=period, metric="revenue", user=rep.pk, amount=amount
                )
                targets.target_set(
                    actor=admin,
                    period=period,
                    metric="new_customers",
                    user=rep.pk,
                    amount=rng.randrange(5, 30),
                )
                set_count += 2
            for team in teams:
                targets.target_set(
                    actor=admin,
                    period=period,
                    metric="revenue",
                    team=team.pk,
                    amount=Decimal(rng.randrange(100, 600) * 10_000),
                )
                set_count += 1
        for rep in reps[:3]:
            figures = forecasts.deal_figures(rep, this_quarter, owner=rep).get(rep.pk)
            start = forecasts.suggested(figures)
            commit = start["commit"] or Decimal(rng.randrange(10, 60) * 10_000)
            sub = forecasts.forecast_submit(
                actor=rep,
                period=this_quarter,
                commit=commit,
                best_case=max(start["best_case"], commit * Decimal("1.3")).quantize(
                    Decimal("0.01")
                ),
                comment="按当前商机预估",
            )
            if manager is not None and rep is reps[0]:
                forecasts.forecast_adjust(
                    actor=manager,
                    submission=sub,
                    commit=(sub.commit * Decimal("0.9")).quantize(Decimal("0.01")),
                    comment="大客户签约可能推迟到下季度",
                )
    return set_count
