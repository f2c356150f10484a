"""Revenue from booked orders, won deals that have no confirmed order, and collections.

The world (tests/conftest.py): Sales > East (east_manager, rep_a, rep_b), North (rep_c);
admin and manager in Sales. Each person owns one 1000.00 deal. Products: rice (100.00,
tax 9 %) and tea (300.00, tax 13 %), see tests/sales/conftest.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from guanxi.sales import collections, revenue, targets
from guanxi.sales.models import Opportunity, OrderStatus, Stage
from guanxi.sales.periods import PeriodKind, current_period, parse_period
from guanxi.sales.services import opportunity_create, opportunity_move
from tests.sales.order_rows import make_order, make_receipt

pytestmark = pytest.mark.django_db
D = Decimal


def _win(user, deal):
    won = Stage.objects.get(organisation=user.organisation, name="Won")
    return opportunity_move(actor=user, opportunity=deal, stage=won.pk)


@pytest.fixture
def period(world):
    return current_period(PeriodKind.QUARTER, world.org.time_zone)


@pytest.fixture
def sales(world, cat):
    """rep_a: deal won with its order confirmed (10 rice = 1090.00); rep_b: deal won, no
    order (1000.00); rep_c: deal won with a draft order (the deal counts, 1000.00) and an
    order without a deal (2 tea = 678.00); manager: deal won, its order confirmed then
    cancelled (nothing); admin: a shipped (1 rice = 109.00) and a completed (1 tea =
    339.00) order, a draft one and one in US dollars (none of those three). The stranger
    organisation's order counts for nobody here."""
    u, r = world.users, world.records
    for name in ("rep_a", "rep_b", "rep_c", "manager"):
        _win(u[name], r[name].opportunity)
    make_order(
        u["rep_a"], r["rep_a"].account, [(cat.rice, 10, 100)], opportunity=r["rep_a"].opportunity
    )
    make_order(
        u["rep_c"],
        r["rep_c"].account,
        [(cat.rice, 5, 100)],
        status=OrderStatus.DRAFT,
        opportunity=r["rep_c"].opportunity,
    )
    make_order(u["rep_c"], r["rep_c"].account, [(cat.tea, 2, 300)])
    make_order(
        u["manager"],
        r["manager"].account,
        [(cat.tea, 9, 300)],
        status=OrderStatus.CANCELLED,
        opportunity=r["manager"].opportunity,
    )
    admin_account = r["admin"].account
    make_order(u["admin"], admin_account, [(cat.rice, 1, 100)], status=OrderStatus.SHIPPED)
    make_order(u["admin"], admin_account, [(cat.tea, 1, 300)], status=OrderStatus.COMPLETED)
    make_order(u["admin"], admin_account, [(cat.tea, 7, 300)], status=OrderStatus.DRAFT)
    make_order(u["admin"], admin_account, [(cat.tea, 7, 300)], currency="USD")
    stranger = u["stranger"]
    make_order(stranger, r["stranger"].account, [(cat.tea, 1, 300)])
    return world


def _by_owner(actor, period) -> dict[str, tuple]:
    names = {u.pk: u.username for u in actor.organisation.users.all()}
    return {
        names[row["owner"]]: (row["amount"], row["count"], row["deals"])
        for row in revenue.revenue_by(actor, period, "owner")
    }


def test_orders_are_the_revenue_and_won_deals_count_only_without_a_confirmed_order(sales, period):
    admin = sales.users["admin"]
    assert _by_owner(admin, period) == {
        "rep_a": (D("1090.00"), 1, 0),
        "rep_b": (D("1000.00"), 1, 1),
        "rep_c": (D("1678.00"), 2, 1),
        "admin": (D("448.00"), 2, 0),
    }
    assert revenue.revenue_total(admin, period) == {
        "amount": D("4216.00"),
        "count": 6,
        "deals": 2,
    }


def test_confirming_the_order_of_a_won_deal_moves_its_revenue_to_the_order(sales, period, cat):
    """rep_b's deal counted while it had no order; once an order of it is confirmed, the
    order counts instead, at its own amount."""
    u, r = sales.users, sales.records
    order = make_order(
        u["rep_b"],
        r["rep_b"].account,
        [(cat.rice, 3, 100)],
        status=OrderStatus.DRAFT,
        opportunity=r["rep_b"].opportunity,
    )
    assert _by_owner(u["rep_b"], period) == {"rep_b": (D("1000.00"), 1, 1)}
    order.status, order.confirmed_at = OrderStatus.CONFIRMED, datetime.now(UTC)
    order.save()
    assert _by_owner(u["rep_b"], period) == {"rep_b": (D("327.00"), 1, 0)}


def test_a_deal_is_decided_by_all_its_orders_whoever_sees_them(sales, period, cat):
    """rep_b's won deal has an order confirmed by rep_c, which rep_b cannot see: rep_b's
    figure drops the deal all the same, so rep_b's revenue is the same for rep_b and for
    the manager, and the order counts once, for rep_c."""
    u, r = sales.users, sales.records
    make_order(
        u["rep_c"], r["rep_b"].account, [(cat.tea, 1, 300)], opportunity=r["rep_b"].opportunity
    )
    assert _by_owner(u["rep_b"], period) == {}
    assert "rep_b" not in _by_owner(u["manager"], period)
    assert _by_owner(u["manager"], period)["rep_c"] == (D("2017.00"), 3, 1)


@pytest.mark.parametrize(
    ("actor", "owners"),
    [
        ("admin", {"admin", "rep_a", "rep_b", "rep_c"}),
        ("manager", {"admin", "rep_a", "rep_b", "rep_c"}),
        ("east_manager", {"rep_a", "rep_b"}),
        ("rep_a", {"rep_a"}),
        ("rep_c", {"rep_c"}),
        ("stranger", {"stranger"}),
    ],
)
def test_revenue_holds_only_what_the_actor_sees(sales, period, actor, owners):
    user = sales.users[actor]
    names = {x.pk: x.username for x in user.organisation.users.all()}
    rows = revenue.revenue_by(user, period, "owner")
    assert {names[row["owner"]] for row in rows} == owners


def test_only_the_organisation_currency_counts(sales, period):
    org = sales.org
    org.currency = "USD"
    org.save()
    admin = sales.users["admin"]
    admin.organisation.refresh_from_db()
    # The US dollar order (7 tea = 2373.00) alone; every deal and order in yuan is left out.
    assert _by_owner(admin, period) == {"admin": (D("2373.00"), 1, 0)}


def test_period_bounds_are_midnight_in_the_organisation_time_zone(world, cat):
    """31 March 23:59:59 in Shanghai is 15:59:59 UTC: March. One second later is April."""
    u, r = world.users, world.records
    rep = u["rep_a"]
    last = datetime(2026, 3, 31, 15, 59, 59, tzinfo=UTC)
    first = last + timedelta(seconds=1)
    make_order(rep, r["rep_a"].account, [(cat.rice, 1, 100)], confirmed_at=last)
    make_order(rep, r["rep_a"].account, [(cat.tea, 1, 300)], confirmed_at=first)
    deal = opportunity_create(
        actor=rep, data={"name": "Late", "account": r["rep_a"].account, "amount": "50"}
    )
    _win(rep, deal)
    Opportunity.objects.filter(pk=deal.pk).update(closed_at=last)
    amount = {
        code: revenue.revenue_total(rep, parse_period(code))["amount"]
        for code in ("2026-03", "2026-04", "2026-Q1", "2026-Q2")
    }
    assert amount == {
        "2026-03": D("159.00"),
        "2026-04": D("339.00"),
        "2026-Q1": D("159.00"),
        "2026-Q2": D("339.00"),
    }
    # In New York the same moments are both on 31 March, 11:59 and 12:00.
    world.org.time_zone = "America/New_York"
    world.org.save()
    rep.organisation.refresh_from_db()
    assert revenue.revenue_total(rep, parse_period("2026-03"))["amount"] == D("498.00")
    assert revenue.revenue_total(rep, parse_period("2026-04"))["count"] == 0


def test_revenue_by_product_and_category_adds_up_to_the_revenue(sales, period, cat):
    admin = sales.users["admin"]
    by_product = {
        row["product"]: (row["amount"], row["quantity"], row["count"])
        for row in revenue.revenue_by(admin, period, "product")
    }
    assert by_product == {
        cat.rice.pk: (D("1199.00"), D("11.00"), 2),
        cat.tea.pk: (D("1017.00"), D("3.00"), 2),
        None: (D("2000.00"), None, 2),  # the won deals without an order: no product
    }
    by_category = {
        row["category"]: row["amount"] for row in revenue.revenue_by(admin, period, "category")
    }
    assert by_category == {"粮油": D("1199.00"), "茶叶": D("1017.00"), None: D("2000.00")}
    total = revenue.revenue_total(admin, period)["amount"]
    assert sum(by_category.values()) == total == sum(a for a, _q, _n in by_product.values())
    # Grouped by owner and product at once: rep_c's tea order and rep_c's won deal.
    rows = revenue.revenue_by(sales.users["rep_c"], period, "owner", "product")
    assert sorted((r["product"] or 0, r["amount"]) for r in rows) == [
        (0, D("1000.00")),
        (cat.tea.pk, D("678.00")),
    ]


def test_unknown_dimension_is_refused(world, period):
    with pytest.raises(ValueError):
        revenue.revenue_by(world.users["admin"], period, "colour")


def test_collections_count_receipts_of_the_period_not_voided_in_the_currency(sales, period, cat):
    u, r = sales.users, sales.records
    order = make_order(u["rep_a"], r["rep_a"].account, [(cat.tea, 10, 300)])
    make_receipt(order, period.start, "1000.00")
    make_receipt(order, period.end - timedelta(days=1), "234.56")
    make_receipt(order, period.start, "99.00", voided=True)
    make_receipt(order, period.start, "40.00", currency="USD")
    make_receipt(order, period.start - timedelta(days=1), "500.00")  # the quarter before
    rows = collections.collections_by(u["manager"], period, "owner")
    assert [(row["owner"], row["amount"], row["count"]) for row in rows] == [
        (u["rep_a"].pk, D("1234.56"), 2)
    ]
    assert collections.collections_by(u["rep_b"], period) == []


def test_attainment_measures_revenue_and_collections(sales, period, cat):
    u, r = sales.users, sales.records
    admin = u["admin"]
    order = make_order(u["rep_c"], r["rep_c"].account, [(cat.rice, 1, 100)], status="completed")
    make_receipt(order, period.start, "54.50")
    targets.target_set(
        actor=admin, period=period, metric="revenue", user=u["rep_c"].pk, amount="2000"
    )
    targets.target_set(
        actor=admin, period=period, metric="collections", user=u["rep_c"].pk, amount="109"
    )
    targets.target_set(
        actor=admin, period=period, metric="revenue", team=u["rep_a"].team_id, amount="4180"
    )
    items = targets.attainment(admin, period, targets.target_list(admin, period))
    got = sorted(
        (targets.subject_label(i["target"]), i["target"].metric, i["actual"], i["percent"])
        for i in items
    )
    assert got == [
        ("East", "revenue", D("2090.00"), D("50.0")),
        ("rep_c", "collections", D("54.50"), D("50.0")),
        ("rep_c", "revenue", D("1787.00"), D("89.4")),
    ]


@pytest.mark.parametrize("actor", ["admin", "manager", "east_manager", "rep_b", "stranger"])
def test_team_as_a_list_scopes_the_same_rows(sales, actor):
    """Reports read the team's members as values (so SQLite plans from the period's index):
    the same orders as the subquery every other read uses."""
    from guanxi.core import access
    from guanxi.sales.models import Order

    user = sales.users[actor]
    as_subquery = set(
        access.scoped(user, Order.objects.all(), "order").values_list("pk", flat=True)
    )
    as_list = access.scoped(user, Order.objects.all(), "order", for_totals=True)
    assert set(as_list.values_list("pk", flat=True)) == as_subquery


@pytest.mark.django_db(transaction=True)
def test_big_sorts_switch_sqlite_to_small_sorted_runs_and_back():
    from django.db import connection

    from guanxi.sales.sums import big_sorts

    def pragmas():
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA temp_store")
            temp_store = cursor.fetchone()[0]
            cursor.execute("PRAGMA cache_size")
            return temp_store, cursor.fetchone()[0]

    if connection.vendor != "sqlite":
        with big_sorts():
            pass
        return
    assert pragmas() == (2, -65536)  # MEMORY and 64 MB, from the settings
    with big_sorts():
        assert pragmas() == (1, -2000)  # temporary files, SQLite's default cache
    assert pragmas() == (2, -65536)
