"""The demo's orders and contracts load through the services."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from guanxi.core.models import Event
from guanxi.demo import loader
from guanxi.demo.orders import load_orders
from guanxi.demo.quotes import load_quotes
from guanxi.sales.models import Contract, ContractStatus, Opportunity, Order, OrderLine, Quote

pytestmark = pytest.mark.django_db


def test_demo_orders_in_every_status():
    org = loader.load(accounts=60, seed=3, now=datetime(2026, 3, 2, tzinfo=UTC)).organisation
    load_quotes(org)
    assert load_orders(org) == 5
    found = Order.objects.filter(organisation=org)
    assert set(found.values_list("status", flat=True)) == {
        "draft",
        "confirmed",
        "shipped",
        "completed",
        "cancelled",
    }
    for order in found:
        quote = Quote.objects.get(pk=order.quote_id)
        assert quote.status == "accepted" and order.total == quote.total > 0
        lines = OrderLine.objects.filter(order=order)
        assert sum(line.total for line in lines) == order.total
    booked = found.exclude(status="draft")
    assert set(
        Opportunity.objects.filter(pk__in=booked.values("opportunity_id")).values_list(
            "status", flat=True
        )
    ) == {"won"}
    statuses = set(Contract.objects.filter(organisation=org).values_list("status", flat=True))
    assert {ContractStatus.ACTIVE, ContractStatus.DRAFT, ContractStatus.RENEWED} <= statuses
    assert Event.objects.filter(organisation=org, verb="order.confirmed").count() == 4


def test_the_demo_command_loads_orders(capsys):
    from django.core.management import call_command

    call_command("demo", accounts=60, seed=5)
    assert "orders" in capsys.readouterr().out
    assert Order.objects.count() == 5
