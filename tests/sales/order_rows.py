"""Orders, instalments and receipts written straight through the ORM, for the tests of what
reads them (revenue, collections, reports); the order and payment services have their own.

Line figures come from ``sales.pricing`` as the services compute them, so an order's total
is the sum of its lines' totals to the cent.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone

from guanxi.sales import pricing
from guanxi.sales.models import (
    Instalment,
    Order,
    OrderLine,
    OrderStatus,
    Receipt,
)

_numbers = itertools.count(1)
D = Decimal


def make_order(
    owner,
    account,
    lines=(),
    *,
    status: str = OrderStatus.CONFIRMED,
    confirmed_at: datetime | None = None,
    currency: str = "CNY",
    opportunity=None,
    discount_percent: str = "0",
) -> Order:
    """An order of ``lines`` — (product, quantity, unit price) — in ``status``.

    A booked or cancelled order was confirmed at ``confirmed_at`` (default: now); a draft
    was never confirmed.
    """
    now = timezone.now()
    confirmed_at = None if status == OrderStatus.DRAFT else (confirmed_at or now)
    inputs = [
        pricing.LineInput(quantity=D(str(q)), unit_price=D(str(p)), tax_rate=product.tax_rate)
        for product, q, p in lines
    ]
    totals = pricing.quote_totals(inputs, D(discount_percent))
    order = Order.objects.create(
        organisation_id=owner.organisation_id,
        owner=owner,
        created_by=owner,
        updated_by=owner,
        number=f"SO-T-{next(_numbers):05d}",
        opportunity=opportunity,
        account=account,
        status=status,
        currency=currency,
        order_date=(confirmed_at or now).date(),
        discount_percent=D(discount_percent),
        gross=totals.gross,
        discount_total=totals.discount_total,
        net_total=totals.net,
        tax_total=totals.tax,
        total=totals.total,
        confirmed_at=confirmed_at,
        cancelled_at=now if status == OrderStatus.CANCELLED else None,
    )
    OrderLine.objects.bulk_create(
        OrderLine(
            organisation_id=owner.organisation_id,
            order=order,
            position=i,
            product=product,
            description=product.name,
            unit=product.unit,
            quantity=inp.quantity,
            unit_price=inp.unit_price,
            tax_rate=inp.tax_rate,
            gross=res.gross,
            promotion_discount=res.promotion_discount,
            manual_discount=res.manual_discount,
            net=res.net,
            tax=res.tax,
            total=res.total,
        )
        for i, ((product, _q, _p), inp, res) in enumerate(
            zip(lines, inputs, totals.lines, strict=True)
        )
    )
    return order


def make_instalment(
    order, due_date: date, amount: str, *, paid: str = "0", currency: str | None = None
) -> Instalment:
    return Instalment.objects.create(
        organisation_id=order.organisation_id,
        owner_id=order.owner_id,
        order=order,
        account_id=order.account_id,
        due_date=due_date,
        amount=D(amount),
        paid=D(paid),
        currency=currency or order.currency,
    )


def make_receipt(
    order,
    received_on: date,
    amount: str,
    *,
    voided: bool = False,
    currency: str | None = None,
) -> Receipt:
    return Receipt.objects.create(
        organisation_id=order.organisation_id,
        owner_id=order.owner_id,
        order=order,
        account_id=order.account_id,
        received_on=received_on,
        amount=D(amount),
        currency=currency or order.currency,
        voided_at=timezone.now() if voided else None,
        void_reason="typed twice" if voided else "",
    )
