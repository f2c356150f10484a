"""Forecasts: submissions, adjustments up the team hierarchy, history, roll-up, scope.

The world (tests/conftest.py): Sales > East (east_manager, rep_a, rep_b) and North (rep_c);
manager sits at Sales and sees everyone; admin sees the whole organisation.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from guanxi.core.errors import NotFound, PermissionDenied, ValidationFailed
from guanxi.core.models import Event
from guanxi.sales.forecasts import (
    deal_figures,
    forecast_adjust,
    forecast_history,
    forecast_list,
    forecast_rollup,
    forecast_submit,
    suggested,
)
from guanxi.sales.models import ForecastChange, Stage
from guanxi.sales.periods import PeriodKind, current_period, parse_period
from guanxi.sales.services import opportunity_move, opportunity_update

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def period(world):
    return current_period(PeriodKind.QUARTER, world.org.time_zone)


@pytest.fixture
def submitted(world, period):
    u = world.users
    subs = {
        "rep_a": forecast_submit(actor=u["rep_a"], period=period, commit="100", best_case="150"),
        "rep_b": forecast_submit(actor=u["rep_b"], period=period, commit="200", best_case="300"),
        "rep_c": forecast_submit(actor=u["rep_c"], period=period, commit="50", best_case="80"),
    }
    return subs


def _rollup(actor, period):
    return {
        r["team"].name: (r["commit_final"], r["best_case_final"], r["submissions"])
        for r in forecast_rollup(actor, period)
    }


def test_rollup_adds_the_adjusted_figures_of_every_team_below(world, period, submitted):
    u = world.users
    forecast_adjust(
        actor=u["east_manager"], submission=submitted["rep_a"], commit="90", comment="Slipping"
    )
    assert _rollup(u["manager"], period) == {
        "Sales": (D("340.00"), D("530.00"), 3),
        "East": (D("290.00"), D("450.00"), 2),
        "North": (D("50.00"), D("80.00"), 1),
    }
    # The East manager sees East only; a rep has no roll-up.
    assert _rollup(u["east_manager"], period) == {"East": (D("290.00"), D("450.00"), 2)}
    assert forecast_rollup(u["rep_a"], period) == []


def test_adjustments_keep_every_change_with_who_and_why(world, period, submitted):
    u = world.users
    sub = submitted["rep_a"]
    forecast_adjust(actor=u["east_manager"], submission=sub, commit="90", comment="Slipping")
    forecast_adjust(actor=u["manager"], submission=sub, commit="80", comment="Budget freeze")
    sub = forecast_submit(actor=u["rep_a"], period=period, commit="110", best_case="150")
    history = [
        (c.actor.username, c.field, c.old, c.new, c.comment)
        for c in forecast_history(u["rep_a"], sub)
    ]
    assert history == [
        ("rep_a", "commit", D("100.00"), D("110.00"), ""),
        ("manager", "commit_adjusted", D("90.00"), D("80.00"), "Budget freeze"),
        ("east_manager", "commit_adjusted", None, D("90.00"), "Slipping"),
        ("rep_a", "best_case", None, D("150.00"), ""),
        ("rep_a", "commit", None, D("100.00"), ""),
    ]
    # The manager's figure stands over the rep's resubmission.
    sub.refresh_from_db()
    assert sub.commit_final == D("80.00") and sub.commit == D("110.00")
    verbs = list(
        Event.objects.filter(object_type="forecast", object_id=sub.pk)
        .order_by("id")
        .values_list("verb", flat=True)
    )
    assert verbs == [
        "forecast.submitted",
        "forecast.adjusted",
        "forecast.adjusted",
        "forecast.submitted",
    ]


def test_a_manager_cannot_adjust_another_teams_or_their_own_forecast(world, period, submitted):
    u = world.users
    with pytest.raises(NotFound):  # North is not the East manager's: it does not exist for them
        forecast_adjust(
            actor=u["east_manager"], submission=submitted["rep_c"], commit="1", comment="x"
        )
    own = forecast_submit(actor=u["east_manager"], period=period, commit="5", best_case="5")
    with pytest.raises(PermissionDenied):
        forecast_adjust(actor=u["east_manager"], submission=own, commit="9", comment="x")
    with pytest.raises(PermissionDenied):  # a rep adjusts nothing, not even their own
        forecast_adjust(actor=u["rep_a"], submission=submitted["rep_a"], commit="1", comment="x")
    with pytest.raises(NotFound):
        forecast_adjust(actor=u["rep_a"], submission=submitted["rep_b"], commit="1", comment="x")
    assert ForecastChange.objects.filter(field__endswith="_adjusted").count() == 0


def test_bad_figures_are_field_errors_and_store_nothing(world, period, submitted):
    u = world.users
    with pytest.raises(ValidationFailed) as exc:
        forecast_submit(actor=u["rep_a"], period=period, commit="500", best_case="100")
    assert "best_case" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        forecast_submit(actor=u["rep_a"], period=period, commit="abc", best_case="100")
    assert "commit" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        forecast_adjust(actor=u["manager"], submission=submitted["rep_a"], commit="1", comment="")
    assert "comment" in exc.value.fields
    with pytest.raises(ValidationFailed):
        parse_period("2026-13")
    submitted["rep_a"].refresh_from_db()
    assert submitted["rep_a"].commit == D("100.00")
    assert submitted["rep_a"].commit_adjusted is None


def test_a_rep_sees_only_their_own_submission(world, period, submitted):
    u = world.users
    assert [s.owner.username for s in forecast_list(u["rep_a"], period)] == ["rep_a"]
    assert {s.owner.username for s in forecast_list(u["east_manager"], period)} == {
        "rep_a",
        "rep_b",
    }
    assert len(forecast_list(u["admin"], period)) == 3
    with pytest.raises(NotFound):
        forecast_history(u["rep_b"], submitted["rep_a"])


def test_deal_categories_and_the_suggested_submission(world, period):
    """rep_a's deal (1000) at Qualification (10 %) is pipeline; at Negotiation (75 %) it is
    commit; the owner can call it best case; won it is closed."""
    rep = world.users["rep_a"]
    deal = world.records["rep_a"].opportunity
    stages = {s.name: s for s in Stage.objects.filter(organisation=world.org)}
    opportunity_update(
        actor=rep, opportunity=deal, data={"expected_close": period.start.isoformat()}
    )
    figures = deal_figures(rep, period)[rep.pk]
    assert (figures["pipeline"], figures["weighted"]) == (D("1000.00"), D("100.00"))
    deal = opportunity_move(actor=rep, opportunity=deal, stage=stages["Negotiation"].pk)
    assert deal_figures(rep, period)[rep.pk]["commit"] == D("1000.00")
    deal = opportunity_update(actor=rep, opportunity=deal, data={"forecast_category": "best_case"})
    figures = deal_figures(rep, period)[rep.pk]
    assert (figures["commit"], figures["best_case"]) == (D("0.00"), D("1000.00"))
    assert suggested(figures) == {"commit": D("0.00"), "best_case": D("1000.00")}
    opportunity_move(actor=rep, opportunity=deal, stage=stages["Won"].pk)
    figures = deal_figures(rep, period)[rep.pk]
    assert (figures["closed"], figures["best_case"]) == (D("1000.00"), D("0.00"))
    assert suggested(figures) == {"commit": D("1000.00"), "best_case": D("1000.00")}
    # Nobody else's deals are in a rep's figures.
    assert set(deal_figures(rep, period)) == {rep.pk}
    with pytest.raises(ValidationFailed):
        opportunity_update(actor=rep, opportunity=deal, data={"forecast_category": "closed"})


def test_a_deal_won_by_its_order_closes_at_the_order_total(world, period, cat):
    """Confirming an order wins its deal; the forecast's closed figure is then the order's
    total (what the targets and reports count), not the amount guessed on the deal."""
    from guanxi.sales import orders

    rep = world.users["rep_a"]
    deal = world.records["rep_a"].opportunity  # 1000 estimated
    order = orders.order_create(actor=rep, data={"opportunity": deal.pk})
    orders.order_line_add(actor=rep, order=order, product=cat.rice, quantity="2")
    order = orders.order_confirm(actor=rep, order=order)
    assert order.total != D("1000.00")
    figures = deal_figures(rep, period)[rep.pk]
    assert figures["closed"] == order.total
    assert figures["weighted"] == D("0.00")
    manager = world.users["east_manager"]
    assert deal_figures(manager, period, owners=[rep.pk])[rep.pk]["closed"] == order.total
    assert rep.pk not in deal_figures(manager, period, owners=[world.users["rep_b"].pk])
