"""Sales by product and category and the collections aging, worked out by hand; their figures
reconcile to the cent with the other sales reports; scope, export right and CSV safety.

The world (tests/conftest.py): Sales > East (east_manager, rep_a, rep_b), North (rep_c);
admin and manager in Sales. Products (tests/sales/conftest.py): rice 100.00 at 9 % tax in
粮油, tea 300.00 at 13 % in 茶叶.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

import pytest

from guanxi.analytics import order_reports, reports
from guanxi.analytics.export import report_csv
from guanxi.core.errors import PermissionDenied
from guanxi.customers.services import account_create, account_update
from guanxi.sales import collections, pricing
from guanxi.sales.models import Stage
from guanxi.sales.periods import PeriodKind, current_period
from guanxi.sales.services import opportunity_move
from tests.sales.conftest import make_catalogue
from tests.sales.order_rows import make_instalment, make_order, make_receipt

pytestmark = pytest.mark.django_db
D = Decimal
BUCKETS = ["not_due", "days_1_30", "days_31_60", "days_61_90", "days_over_90"]


@pytest.fixture
def cat(world):
    return make_catalogue(world.users["admin"])


@pytest.fixture
def period(world):
    return current_period(PeriodKind.QUARTER, world.org.time_zone)


def _table(report, *keys):
    return [tuple(row.get(k) for k in keys) for row in report.rows]


@pytest.fixture
def ordered(world, cat):
    """rep_a: 10 rice (1090.00) and 2 tea (678.00); rep_b: a won deal without an order
    (1000.00); rep_c: 1 tea (339.00); admin: 3 rice less 10 % on the order (294.30)."""
    u, r = world.users, world.records
    make_order(u["rep_a"], r["rep_a"].account, [(cat.rice, 10, 100)])
    make_order(u["rep_a"], r["rep_a"].account, [(cat.tea, 2, 300)])
    won = Stage.objects.get(organisation=world.org, name="Won")
    opportunity_move(actor=u["rep_b"], opportunity=r["rep_b"].opportunity, stage=won.pk)
    make_order(u["rep_c"], r["rep_c"].account, [(cat.tea, 1, 300)])
    make_order(u["admin"], r["admin"].account, [(cat.rice, 3, 100)], discount_percent="10")
    return world


def test_sales_by_product_and_category_by_hand(ordered, period):
    admin = ordered.users["admin"]
    report = reports.build(admin, "sales_by_product", period)
    assert _table(report, "name", "sku", "category", "quantity", "amount", "count") == [
        ("五常有机大米 5kg", "RICE-5", "粮油", D("13.00"), D("1384.30"), 2),
        ("Longjing green tea", "TEA-1", "茶叶", D("3.00"), D("1017.00"), 2),
        ("Won deals without an order", "", "", None, D("1000.00"), 1),
        ("All", None, None, None, D("3401.30"), None),
    ]
    # The chart leaves the deals' row (it has no product) and the total out.
    assert report.chart["labels"] == ["五常有机大米 5kg", "Longjing green tea"]
    assert report.chart["series"][0]["values"] == ["1384.30", "1017.00"]
    report = reports.build(admin, "sales_by_category", period)
    assert _table(report, "name", "amount", "count") == [
        ("粮油", D("1384.30"), 2),
        ("茶叶", D("1017.00"), 2),
        ("Won deals without an order", D("1000.00"), 1),
        ("All", D("3401.30"), None),
    ]
    # rep_c sees their own tea order and nothing else.
    mine = reports.build(ordered.users["rep_c"], "sales_by_product", period)
    assert _table(mine, "name", "amount") == [
        ("Longjing green tea", D("339.00")),
        ("All", D("339.00")),
    ]
    assert reports.build(ordered.users["stranger"], "sales_by_product", period).rows == []


def test_every_sales_report_adds_up_to_the_same_revenue_to_the_cent(world, cat, period):
    """Forty orders of random lines, quantities, prices, line and order discounts: every
    breakdown's rows add up to its total row and to the orders' totals."""
    rng = random.Random(4)
    u, r = world.users, world.records
    owners = ["admin", "manager", "rep_a", "rep_b", "rep_c"]
    regions = ["east", "north", "south", ""]
    for name in owners:
        account_update(actor=u[name], account=r[name].account, data={"region": rng.choice(regions)})
    extra = account_create(actor=u["rep_a"], data={"name": "无地区客户"})
    expected = D("0")
    for _i in range(40):
        name = rng.choice(owners)
        account = extra if name == "rep_a" and rng.random() < 0.3 else r[name].account
        lines = [
            (rng.choice([cat.rice, cat.tea]), rng.randint(1, 40), D(rng.randint(1, 99999)) / 100)
            for _ in range(rng.randint(1, 5))
        ]
        order = make_order(
            u[name], account, lines, discount_percent=str(rng.choice([0, 3, 7.5, 12.25]))
        )
        expected += order.total
    admin = u["admin"]
    for name in ("sales_by_rep", "sales_by_team", "sales_by_region", "sales_by_product"):
        report = reports.build(admin, name, period)
        body, total = report.rows[:-1], report.rows[-1]
        assert sum(row["amount"] for row in body) == total["amount"] == expected, name
    # And every figure is the sum of the lines' rounded figures, cent for cent.
    assert expected == expected.quantize(pricing.CENT)


@pytest.fixture
def owed(world, cat):
    """rep_a's order has instalments in every bucket (one partly paid, one fully paid, one
    in US dollars); rep_b's order one not yet due."""
    u, r = world.users, world.records
    today = collections.today_for(world.org)
    a = make_order(u["rep_a"], r["rep_a"].account, [(cat.tea, 10, 300)])
    for days_late, amount, paid in [
        (0, "100.00", "0"),  # due today: not yet due
        (1, "200.00", "50.00"),
        (30, "300.00", "0"),
        (31, "400.00", "0"),
        (60, "10.00", "0"),
        (61, "20.00", "0"),
        (90, "30.00", "0"),
        (91, "40.00", "0"),
        (200, "500.00", "500.00"),  # paid: owes nothing
    ]:
        make_instalment(a, today - timedelta(days=days_late), amount, paid=paid)
    make_instalment(a, today - timedelta(days=5), "70.00", currency="USD")
    b = make_order(u["rep_b"], r["rep_b"].account, [(cat.rice, 10, 100)])
    make_instalment(b, today + timedelta(days=10), "1000.00")
    return world


def test_collections_aging_by_hand(owed, period):
    manager = owed.users["manager"]
    report = reports.build(manager, "collections_aging", period)
    assert _table(report, "name", *BUCKETS, "total", "count") == [
        ("rep_a", D("100.00"), D("450.00"), D("410.00"), D("50.00"), D("40.00"), D("1050.00"), 8),
        ("rep_b", D("1000.00"), D("0.00"), D("0.00"), D("0.00"), D("0.00"), D("1000.00"), 1),
        ("All", D("1100.00"), D("450.00"), D("410.00"), D("50.00"), D("40.00"), D("2050.00"), 9),
    ]
    # Stacked bars, one series per bucket, owners largest first.
    assert report.chart["labels"] == ["rep_a", "rep_b"]
    assert [s["values"] for s in report.chart["series"]][1] == ["450.00", "0.00"]
    # A rep sees what their own customers owe; another organisation sees nothing of it.
    mine = reports.build(owed.users["rep_b"], "collections_aging", period)
    assert _table(mine, "name", "total") == [("rep_b", D("1000.00")), ("All", D("1000.00"))]
    east = reports.build(owed.users["east_manager"], "collections_aging", period)
    assert _table(east, "name") == [("rep_a",), ("rep_b",), ("All",)]
    assert reports.build(owed.users["stranger"], "collections_aging", period).rows == []


def test_collections_aging_by_account_lists_the_largest_then_the_others(owed, period, monkeypatch):
    admin = owed.users["admin"]
    r = owed.records
    report = reports.build(admin, "collections_aging_by_account", period)
    assert _table(report, "name", "total") == [
        (r["rep_a"].account.name, D("1050.00")),
        (r["rep_b"].account.name, D("1000.00")),
        ("All", D("2050.00")),
    ]
    monkeypatch.setattr(order_reports, "AGING_ACCOUNTS", 1)
    report = reports.build(admin, "collections_aging_by_account", period)
    assert _table(report, "name", "not_due", "days_1_30", "total", "count") == [
        (r["rep_a"].account.name, D("100.00"), D("450.00"), D("1050.00"), 8),
        ("Other accounts", D("1000.00"), D("0.00"), D("1000.00"), 1),
        ("All", D("1100.00"), D("450.00"), D("2050.00"), 9),
    ]
    assert report.chart["labels"] == [r["rep_a"].account.name]


def test_aging_rows_and_total_reconcile_to_the_cent(world, cat):
    rng = random.Random(7)
    u, r = world.users, world.records
    today = collections.today_for(world.org)
    expected = D("0")
    for _i in range(60):
        name = rng.choice(["rep_a", "rep_b", "rep_c", "admin"])
        order = make_order(u[name], r[name].account, [(cat.rice, 1, 100)])
        amount = D(rng.randint(1, 10**7)) / 100
        paid = (amount * D(rng.choice([0, 0, 0.5, 1]))).quantize(D("0.01"))
        make_instalment(
            order, today + timedelta(days=rng.randint(-200, 60)), str(amount), paid=str(paid)
        )
        expected += amount - paid
    rows = collections.aging_by(u["admin"], "owner")
    assert sum(row["total"] for row in rows) == expected
    for row in rows:
        assert sum(row[b] for b in BUCKETS) == row["total"]
    (everything,) = collections.aging_by(u["admin"])
    assert everything["total"] == expected


def test_csv_export_needs_the_right_and_neutralises_formulas(owed, period, client, api):
    u, r = owed.users, owed.records
    account_update(
        actor=u["rep_a"], account=r["rep_a"].account, data={"name": '=HYPERLINK("http://x")'}
    )
    text = report_csv(
        u["manager"], reports.build(u["manager"], "collections_aging_by_account", period)
    )
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text
    with pytest.raises(PermissionDenied):
        report_csv(u["rep_a"], reports.build(u["rep_a"], "collections_aging", period))
    for user, status in ((u["rep_a"], 403), (u["manager"], 200)):
        client.force_login(user)
        assert client.get("/reports/collections_aging.csv").status_code == status
        assert client.get("/reports/sales_by_product.csv").status_code == status
        token = api(user).token
        response = client.get(
            "/api/v1/reports/collections_aging/csv", HTTP_AUTHORIZATION=f"Bearer {token}"
        )
        assert response.status_code == status
    status, body, _ = api(u["rep_b"]).get("/reports/collections_aging")
    assert status == 200
    assert [row["name"] for row in body["rows"]] == ["rep_b", "All"]
    assert body["rows"][0]["not_due"] == "1000.00"


def test_home_cards_and_report_read_the_same_attainment(world, cat, period, client):
    """The home page's collections card and the attainment report show the same figure."""
    from guanxi.sales import targets

    u, r = world.users, world.records
    order = make_order(u["rep_a"], r["rep_a"].account, [(cat.rice, 1, 100)])
    make_receipt(order, period.start, "54.50")
    targets.target_set(
        actor=u["admin"], period=period, metric="collections", user=u["rep_a"].pk, amount="109"
    )
    report = reports.build(u["rep_a"], "attainment", period)
    assert _table(report, "metric_code", "actual", "percent") == [
        ("collections", D("54.50"), D("50.0"))
    ]
    client.force_login(u["rep_a"])
    home = client.get("/").content.decode()
    assert "¥54.50 / ¥109.00" in home and "50.0%" in home
