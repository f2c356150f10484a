"""Orders: from an accepted quote or by hand, lines, the way of an order, the deal won."""

from __future__ import annotations

import pytest

from guanxi.core.errors import InvalidTransition
from guanxi.core.models import Event
from guanxi.sales import orders, quotes
from guanxi.sales.models import Order, OrderStatus
from tests.sales.order_helpers import accepted_quote

pytestmark = pytest.mark.django_db


def test_an_accepted_quote_becomes_one_order_copied_exactly(world, cat):
    rep = world.users["rep_a"]
    quote = accepted_quote(world, cat)
    order = orders.order_from_quote(actor=rep, quote=quote)
    assert order.number.startswith("SO-") and order.number.endswith("-00001")
    assert (order.quote_id, order.opportunity_id, order.account_id) == (
        quote.pk,
        quote.opportunity_id,
        quote.account_id,
    )
    assert order.status == OrderStatus.DRAFT and order.owner == rep
    for name in ("gross", "discount_total", "net_total", "tax_total", "total", "discount_percent"):
        assert getattr(order, name) == getattr(quote, name), name
    q_lines, o_lines = (
        quotes.quote_lines(quote),
        orders.order_lines(orders.order_get(rep, order.pk)),
    )
    assert len(o_lines) == len(q_lines) == 2
    for ql, ol in zip(q_lines, o_lines, strict=True):
        for name in (
            "product_id",
            "quantity",
            "unit_price",
            "discount_percent",
            "tax_rate",
            "gross",
            "promotion_discount",
            "promotions",
            "manual_discount",
            "net",
            "tax",
            "total",
        ):
            assert getattr(ol, name) == getattr(ql, name), name
    assert sum(line.total for line in o_lines) == order.total
    event = Event.objects.get(verb="order.created", object_id=order.pk)
    assert event.data["quote"] == quote.pk and event.account_id == quote.account_id
    with pytest.raises(InvalidTransition) as exc:
        orders.order_from_quote(actor=rep, quote=quote)
    assert order.number in str(exc.value.message)
    assert Order.objects.filter(quote=quote).count() == 1
