"""The demo's payments: plans and receipts for whatever orders and contracts exist."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum

from guanxi.demo.payments import add_payments
from guanxi.sales.models import Instalment, Order, Receipt
from guanxi.sales.payment_selectors import aging_summary, today_for
from tests.sales.factories import make_contract, make_order

pytestmark = pytest.mark.django_db


def test_add_payments_works_on_the_orders_there_are(world):
    today = today_for(world.org)
    orders = []
    for n, owner in enumerate(("rep_a", "rep_b", "rep_c", "manager") * 4):
        user = world.users[owner]
        orders.append(
            make_order(
                user,
                world.records[owner].account,
                Decimal(1000 + 137 * n) + Decimal("0.35"),
                order_date=today - timedelta(days=20 + 9 * n),
                delivery_date=today - timedelta(days=5 + 6 * n),
                status=("confirmed", "shipped", "completed")[n % 3],
            )
        )
    draft = make_order(world.users["rep_a"], world.records["rep_a"].account, status="draft")
    contract = make_contract(
        world.users["rep_b"],
        world.records["rep_b"].account,
        "24000",
        start_date=today - timedelta(days=200),
        end_date=today + timedelta(days=165),
    )
    made = add_payments(world.org)
    assert made > 5
    for order in [*orders, draft]:
        order.refresh_from_db()
        plan = Instalment.objects.filter(order=order)
        if order is draft:
            assert not plan.exists()
            continue
        assert plan.aggregate(s=Sum("amount"))["s"] == order.total
        assert order.paid_total == (
            Receipt.objects.filter(order=order).aggregate(s=Sum("amount"))["s"] or 0
        )
    assert Instalment.objects.filter(contract=contract).count() == 12
    summary = {b["bucket"]: b["count"] for b in aging_summary(world.users["admin"], today=today)}
    assert summary["total"] > 0 and summary["1_30"] + summary["31_60"] + summary["61_90"] > 0
    assert Order.objects.filter(paid_total__gt=0).exists()
    # a second run adds nothing
    assert add_payments(world.org) == 0
