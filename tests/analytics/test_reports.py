"""Reports checked against figures worked out by hand, the stage history behind the funnel,
and the CSV export.

The world (tests/conftest.py): Sales > East (east_manager, rep_a, rep_b), North (rep_c);
each person owns one 1000.00 deal at Qualification. Here rep_a wins theirs (account in East
China), rep_b loses theirs and wins a new 500.00 one (account in North China), rep_c takes
theirs to Negotiation, and admin wins a 2000.00 deal in US dollars (not revenue in CNY).
None of them has an order, so the won deals are the revenue (tests/sales/test_revenue.py
has orders).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from guanxi.analytics import reports
from guanxi.analytics.export import report_csv, safe_cell
from guanxi.analytics.models import StageSpell
from guanxi.core.errors import PermissionDenied
from guanxi.customers.services import account_create, account_update
from guanxi.sales import targets
from guanxi.sales.models import Stage
from guanxi.sales.periods import PeriodKind, current_period
from guanxi.sales.services import opportunity_create, opportunity_move

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def period(world):
    return current_period(PeriodKind.QUARTER, world.org.time_zone)


@pytest.fixture
def sold(world):
    u, r = world.users, world.records
    s = {st.name: st for st in Stage.objects.filter(organisation=world.org)}
    account_update(actor=u["rep_a"], account=r["rep_a"].account, data={"region": "east"})
    opportunity_move(actor=u["rep_a"], opportunity=r["rep_a"].opportunity, stage=s["Won"].pk)
    opportunity_move(
        actor=u["rep_b"], opportunity=r["rep_b"].opportunity, stage=s["Lost"].pk, lost_reason="P"
    )
    north = account_create(actor=u["rep_b"], data={"name": "Beifang", "region": "north"})
    deal = opportunity_create(
        actor=u["rep_b"], data={"name": "New", "account": north, "amount": "500"}
    )
    opportunity_move(actor=u["rep_b"], opportunity=deal, stage=s["Won"].pk)
    for stage in ("Proposal", "Negotiation"):
        opportunity_move(actor=u["rep_c"], opportunity=r["rep_c"].opportunity, stage=s[stage].pk)
    usd = opportunity_create(
        actor=u["admin"],
        data={"name": "USD", "account": r["admin"].account, "amount": "2000", "currency": "USD"},
    )
    opportunity_move(actor=u["admin"], opportunity=usd, stage=s["Won"].pk)
    # Stays in Qualification that ended: rep_c's lasted two days, the other four none.
    StageSpell.objects.filter(stage=s["Qualification"], seconds__isnull=False).update(seconds=0)
    StageSpell.objects.filter(stage=s["Qualification"], opportunity=r["rep_c"].opportunity).update(
        seconds=2 * 86400
    )
    return s


def _table(report, *keys):
    return [tuple(row.get(k) for k in keys) for row in report.rows]


def test_stage_history_is_kept_as_deals_move(world, sold):
    spells = StageSpell.objects.filter(opportunity=world.records["rep_c"].opportunity)
    assert [(sp.stage.name, sp.left_at is None) for sp in spells.order_by("id")] == [
        ("Qualification", False),
        ("Proposal", False),
        ("Negotiation", True),
    ]


def test_funnel_by_hand(world, period, sold):
    """Furthest stage reached (lost stages left out): admin's and manager's deals and rep_b's
    lost one stay at Qualification; rep_c reached Negotiation; rep_a's, rep_b's new and
    admin's USD deal were won. So 7, 4, 4, 4, 3 deals reach the five stages."""
    report = reports.build(world.users["manager"], "funnel", period)
    assert _table(report, "stage", "reached", "conversion", "days") == [
        ("Qualification", 7, D("57.1"), D("0.4")),
        ("Needs analysis", 4, D("100.0"), None),
        ("Proposal", 4, D("100.0"), D("0.0")),
        ("Negotiation", 4, D("75.0"), None),
        ("Won", 3, None, None),
    ]
    mine = reports.build(world.users["rep_c"], "funnel", period)
    assert [r["reached"] for r in mine.rows] == [1, 1, 1, 1, 0]


def test_win_rate_and_sales_by_hand(world, period, sold):
    manager = world.users["manager"]
    assert _table(reports.build(manager, "win_rate", period), "owner", "won", "lost", "rate") == [
        ("admin", 1, 0, D("100.0")),
        ("rep_a", 1, 0, D("100.0")),
        ("rep_b", 1, 1, D("50.0")),
        ("All", 3, 1, D("75.0")),
    ]
    assert _table(reports.build(manager, "sales_by_rep", period), "name", "amount", "count") == [
        ("rep_a", D("1000.00"), 1),
        ("rep_b", D("500.00"), 1),
        ("All", D("1500.00"), 2),
    ]
    assert _table(reports.build(manager, "sales_by_team", period), "name", "amount") == [
        ("East", D("1500.00")),
        ("All", D("1500.00")),
    ]
    assert _table(reports.build(manager, "sales_by_region", period), "name", "amount") == [
        ("East China", D("1000.00")),
        ("North China", D("500.00")),
        ("All", D("1500.00")),
    ]
    # rep_b sees their own sale only; nothing of rep_a's.
    assert _table(reports.build(world.users["rep_b"], "sales_by_rep", period), "name") == [
        ("rep_b",),
        ("All",),
    ]


def test_target_attainment_by_hand(world, period, sold):
    u = world.users
    east = u["rep_a"].team
    admin = u["admin"]
    targets.target_set(
        actor=admin, period=period, metric="revenue", user=u["rep_a"].pk, amount="2000"
    )
    targets.target_set(actor=admin, period=period, metric="revenue", team=east.pk, amount="3000")
    targets.target_set(actor=admin, period=period, metric="revenue", region="north", amount="1000")
    targets.target_set(
        actor=admin, period=period, metric="new_customers", user=u["rep_b"].pk, amount="4"
    )
    targets.target_set(
        actor=admin, period=period, metric="collections", user=u["rep_b"].pk, amount="9"
    )
    report = reports.build(admin, "attainment", period)
    assert sorted(_table(report, "subject", "metric_code", "actual", "percent")) == [
        ("East", "revenue", D("1500.00"), D("50.0")),
        ("North China", "revenue", D("500.00"), D("50.0")),
        ("rep_a", "revenue", D("1000.00"), D("50.0")),
        ("rep_b", "collections", D("0.00"), D("0.0")),
        ("rep_b", "new_customers", D("2"), D("50.0")),
    ]
    # rep_a reads only their own target.
    mine = reports.build(u["rep_a"], "attainment", period)
    assert _table(mine, "subject", "actual") == [("rep_a", D("1000.00"))]


def test_csv_export_needs_the_right_and_neutralises_formulas(world, period, sold):
    u = world.users
    u["rep_b"].first_name = "=HYPERLINK(1)"
    u["rep_b"].save()
    text = report_csv(u["manager"], reports.build(u["manager"], "sales_by_rep", period))
    assert "'=HYPERLINK(1)" in text and "\n=HYPERLINK" not in text
    with pytest.raises(PermissionDenied):
        report_csv(u["rep_b"], reports.build(u["rep_b"], "sales_by_rep", period))
    assert [safe_cell(v) for v in ("+1", "-2", "@x", "ok", None, D("-1.5"))] == [
        "'+1",
        "'-2",
        "'@x",
        "ok",
        "",
        "-1.5",
    ]
