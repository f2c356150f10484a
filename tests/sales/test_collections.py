"""Aging buckets in one grouped query, and collections measuring the collections target."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from guanxi.sales import collections, payment_selectors, payments, targets
from guanxi.sales.models import Receipt
from guanxi.sales.periods import parse_period
from tests.sales.factories import make_order

pytestmark = pytest.mark.django_db

D = Decimal
TODAY = date(2026, 6, 30)


def test_aging_buckets_at_their_edges(world, django_assert_num_queries):
    rep = world.users["rep_a"]
    account = world.records["rep_a"].account
    # days past due -> bucket
    cases = {0: "current", -3: "current", 1: "1_30", 30: "1_30", 31: "31_60", 60: "31_60"}
    cases |= {61: "61_90", 90: "61_90", 91: "over_90", 400: "over_90"}
    for n, (days, _bucket) in enumerate(cases.items(), start=1):
        order = make_order(rep, account, str(n))
        payments.plan_set(
            actor=rep,
            parent=order,
            instalments=[{"due_date": TODAY - timedelta(days=days), "amount": str(n)}],
        )
    # a part payment counts only what is left
    payments.receipt_create(actor=rep, parent=order, data={"amount": "4", "received_on": TODAY})
    manager = world.users["manager"]
    _ = manager.organisation  # read before the queries are counted
    with django_assert_num_queries(1):
        rows = payment_selectors.aging_by(manager, "owner", "region", today=TODAY)
    got = {r["bucket"]: (r["amount"], r["count"]) for r in rows}
    expected: dict[str, list] = {}
    for n, bucket in enumerate(cases.values(), start=1):
        amount = D(n) - (4 if n == len(cases) else 0)
        old = expected.get(bucket, [D(0), 0])
        expected[bucket] = [old[0] + amount, old[1] + 1]
    assert got == {k: (v[0], v[1]) for k, v in expected.items()}
    assert {r["owner"] for r in rows} == {rep.pk} and {r["currency"] for r in rows} == {"CNY"}
    summary = payment_selectors.aging_summary(manager, today=TODAY)
    assert [b["bucket"] for b in summary] == [
        "current",
        "1_30",
        "31_60",
        "61_90",
        "over_90",
        "total",
    ]
    assert summary[-1]["amounts"] == {"CNY": D(sum(range(1, len(cases) + 1)) - 4)}
    # out of scope: nothing
    assert payment_selectors.aging_by(world.users["rep_c"], today=TODAY) == []


def test_collections_measure_the_collections_target(world):
    admin, rep_a, rep_b = world.users["admin"], world.users["rep_a"], world.users["rep_b"]
    march = parse_period("2026-03")
    order_a = make_order(rep_a, world.records["rep_a"].account, "5000")
    order_b = make_order(rep_b, world.records["rep_b"].account, "5000")
    usd = make_order(rep_a, world.records["rep_a"].account, "5000", currency="USD")
    for order, amount, day in (
        (order_a, "1200", date(2026, 3, 3)),
        (order_a, "300", date(2026, 3, 31)),
        (order_a, "999", date(2026, 4, 1)),  # another month
        (order_b, "800", date(2026, 3, 15)),
        (usd, "700", date(2026, 3, 15)),  # another currency
    ):
        payments.receipt_create(
            actor=order.owner, parent=order, data={"amount": amount, "received_on": day}
        )
    voided = payments.receipt_create(
        actor=rep_b, parent=order_b, data={"amount": "50", "received_on": date(2026, 3, 20)}
    )
    payments.receipt_void(actor=admin, receipt=voided, reason="bounced")
    east = rep_a.team
    for kwargs in ({"user": rep_a.pk}, {"user": rep_b.pk}, {"team": east.pk}):
        targets.target_set(actor=admin, period=march, metric="collections", amount="2000", **kwargs)
    items = targets.attainment(admin, march, targets.target_list(admin, march))
    got = {(i["target"].user_id, i["target"].team_id): (i["actual"], i["percent"]) for i in items}
    assert got == {
        (rep_a.pk, None): (D("1500.00"), D("75.0")),
        (rep_b.pk, None): (D("800.00"), D("40.0")),
        (None, east.pk): (D("2300.00"), D("115.0")),
    }
    # a rep measures only what they may see
    mine = targets.attainment(rep_a, march, targets.target_list(rep_a, march))
    assert [(i["actual"]) for i in mine] == [D("1500.00")]
    rows = collections.collections_by(admin, march, "owner")
    assert {r["owner"]: r["count"] for r in rows} == {rep_a.pk: 2, rep_b.pk: 1}
    assert Receipt.objects.filter(voided_at__isnull=False).count() == 1
