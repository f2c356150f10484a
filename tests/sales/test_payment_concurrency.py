"""Receipts recorded at the same moment: the lock on the order lets them through one at a
time, so together they never take more than is outstanding."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum

from guanxi.core.errors import ValidationFailed
from guanxi.sales import payments
from guanxi.sales.models import Instalment, Order, Receipt, ReceiptAllocation
from tests.sales.factories import make_order


@pytest.mark.django_db(transaction=True)
def test_concurrent_receipts_never_over_pay(world):
    rep = world.users["rep_a"]
    order = make_order(rep, world.records["rep_a"].account, "1000.00")
    payments.plan_apply_preset(actor=rep, parent=order, preset="monthly", count=4)
    threads_n = 6
    barrier = threading.Barrier(threads_n)
    outcomes: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def pay(n: int) -> None:
        try:
            barrier.wait()
            payments.receipt_create(
                actor=rep, parent=order, data={"amount": "300.00", "reference": f"T{n}"}
            )
            result = "paid"
        except ValidationFailed as exc:
            assert "amount" in exc.fields
            result = "refused"
        except BaseException as exc:
            errors.append(exc)
            result = "error"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=pay, args=(n,)) for n in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert sorted(outcomes) == ["paid"] * 3 + ["refused"] * 3
    order = Order.objects.get(pk=order.pk)
    assert order.paid_total == Decimal("900.00")
    assert Receipt.objects.filter(order=order).aggregate(s=Sum("amount"))["s"] == Decimal("900")
    assert ReceiptAllocation.objects.aggregate(s=Sum("amount"))["s"] == Decimal("900")
    paid = list(
        Instalment.objects.filter(order=order).order_by("due_date").values_list("paid", flat=True)
    )
    assert paid == [Decimal("250.00"), Decimal("250.00"), Decimal("250.00"), Decimal("150.00")]
