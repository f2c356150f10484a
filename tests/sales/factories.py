"""Orders and contracts made straight through the ORM, for the payment tests (their own
services are not what these tests are about)."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

from guanxi.sales.models import Contract, ContractStatus, Order, OrderStatus

_numbers = itertools.count(1)


def make_order(
    owner,
    account,
    total: str | Decimal = "1000.00",
    *,
    status: str = OrderStatus.CONFIRMED,
    order_date: date = date(2026, 3, 1),
    delivery_date: date | None = date(2026, 3, 15),
    currency: str = "CNY",
) -> Order:
    total = Decimal(str(total))
    return Order.objects.create(
        organisation_id=owner.organisation_id,
        owner=owner,
        account=account,
        number=f"SO-{next(_numbers):05d}",
        status=status,
        currency=currency,
        order_date=order_date,
        delivery_date=delivery_date,
        gross=total,
        net_total=total,
        total=total,
        created_by=owner,
        updated_by=owner,
    )


def make_contract(
    owner,
    account,
    value: str | Decimal = "12000.00",
    *,
    status: str = ContractStatus.ACTIVE,
    start_date: date = date(2026, 1, 1),
    end_date: date = date(2026, 12, 31),
    signed_on: date | None = date(2025, 12, 20),
) -> Contract:
    return Contract.objects.create(
        organisation_id=owner.organisation_id,
        owner=owner,
        account=account,
        number=f"CT-{next(_numbers):05d}",
        title="Annual supply",
        status=status,
        value=Decimal(str(value)),
        start_date=start_date,
        end_date=end_date,
        signed_on=signed_on,
        created_by=owner,
        updated_by=owner,
    )
