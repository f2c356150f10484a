"""Properties of payment plans and receipts, checked on many generated cases: presets add up
to the cent, and any sequence of receipts and voids keeps every figure in step."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guanxi.core.errors import InvalidTransition, ValidationFailed
from guanxi.customers.services import account_create
from guanxi.sales import payments
from guanxi.sales.models import Instalment, Order, Receipt, ReceiptAllocation
from guanxi.sales.payment_plans import PlanPreset, allocate, preset_schedule, split_equally
from tests.conftest import make_user
from tests.sales.factories import make_order

CENT = Decimal("0.01")
totals = st.decimals(
    min_value=Decimal("0.01"), max_value=Decimal("9999999999.99"), places=2, allow_nan=False
)


def _is_cents(value: Decimal) -> bool:
    return value == value.quantize(CENT) and value.as_tuple().exponent >= -2


@given(total=totals, count=st.integers(min_value=2, max_value=60))
def test_equal_shares_add_up_with_the_remainder_last(total, count):
    if total < CENT * count:
        return  # refused by the service: not a cent per instalment
    shares = split_equally(total, count)
    assert len(shares) == count and sum(shares) == total
    assert all(s > 0 and _is_cents(s) for s in shares)
    assert len(set(shares[:-1])) <= 1
    assert Decimal(0) <= shares[-1] - shares[0] < CENT * count


@given(
    total=totals,
    preset=st.sampled_from(PlanPreset.values),
    count=st.integers(min_value=2, max_value=60),
    start=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)),
    gap=st.integers(min_value=0, max_value=400),
)
def test_presets_always_sum_exactly_to_the_total(total, preset, count, start, gap):
    if preset == PlanPreset.MONTHLY and total < CENT * count:
        return
    delivery = date.fromordinal(start.toordinal() + gap)
    rows = preset_schedule(preset, total=total, start=start, delivery=delivery, count=count)
    assert sum(amount for _d, amount, _n in rows) == total
    assert all(amount > 0 and _is_cents(amount) for _d, amount, _n in rows)
    dates = [d for d, _a, _n in rows]
    assert dates == sorted(dates)
    if preset == PlanPreset.MONTHLY:
        assert len(rows) == count


@given(
    outstanding=st.lists(totals, min_size=1, max_size=8),
    fraction=st.fractions(min_value=0, max_value=1),
)
def test_allocation_fills_the_oldest_first(outstanding, fraction):
    whole = sum(outstanding)
    amount = (whole * Decimal(fraction.numerator) / Decimal(fraction.denominator)).quantize(
        CENT, rounding="ROUND_DOWN"
    )
    if amount <= 0:
        return
    shares = allocate(list(enumerate(outstanding)), amount)
    assert sum(a for _k, a in shares) == amount
    keys = [k for k, _a in shares]
    assert keys == list(range(len(keys)))  # in order, none skipped
    for k, a in shares[:-1]:
        assert a == outstanding[k]  # every one before the last is settled in full
    with pytest.raises(ValueError):
        allocate(list(enumerate(outstanding)), whole + CENT)


# --- Receipts and voids, against the database -------------------------------------------------

operations = st.lists(
    st.one_of(
        st.tuples(
            st.just("pay"),
            st.integers(min_value=1, max_value=150_000),  # cents
            st.one_of(st.none(), st.integers(min_value=0, max_value=5)),
        ),
        st.tuples(st.just("void"), st.integers(min_value=0, max_value=20)),
    ),
    min_size=1,
    max_size=12,
)


def _check(order: Order) -> None:
    order.refresh_from_db()
    instalments = list(Instalment.objects.filter(order=order))
    receipts = Receipt.objects.filter(order=order, voided_at__isnull=True)
    paid = sum((i.paid for i in instalments), Decimal(0))
    allocated = ReceiptAllocation.objects.filter(receipt__order=order).aggregate(s=Sum("amount"))[
        "s"
    ] or Decimal(0)
    received = receipts.aggregate(s=Sum("amount"))["s"] or Decimal(0)
    assert order.paid_total == paid == allocated == received
    assert Decimal(0) <= order.paid_total <= order.total
    assert _is_cents(order.paid_total)
    for inst in instalments:
        assert Decimal(0) <= inst.paid <= inst.amount and _is_cents(inst.paid)
    assert not ReceiptAllocation.objects.filter(receipt__voided_at__isnull=False).exists()


@pytest.fixture
def people(org):
    admin = make_user(org, "admin", username="boss")
    account = account_create(actor=admin, data={"name": "上海华东贸易"})
    return admin, account


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    total_cents=st.integers(min_value=1, max_value=300_000),
    count=st.integers(min_value=1, max_value=5),
    ops=operations,
)
def test_any_receipts_and_voids_keep_the_figures_in_step(people, total_cents, count, ops):
    admin, account = people
    total = Decimal(total_cents) / 100
    count = min(count, total_cents)
    with transaction.atomic():
        order = make_order(admin, account, total)
        if count == 1:
            payments.plan_apply_preset(actor=admin, parent=order, preset="on_delivery")
        else:
            payments.plan_apply_preset(actor=admin, parent=order, preset="monthly", count=count)
        plan = list(Instalment.objects.filter(order=order).order_by("due_date", "position"))
        made: list[Receipt] = []
        for op in ops:
            order.refresh_from_db()
            if op[0] == "pay":
                amount = Decimal(op[1]) / 100
                chosen = plan[op[2]] if op[2] is not None and op[2] < len(plan) else None
                if chosen is not None:
                    chosen.refresh_from_db()
                room = (chosen.amount - chosen.paid) if chosen else order.total - order.paid_total
                try:
                    made.append(
                        payments.receipt_create(
                            actor=admin,
                            parent=order,
                            data={"amount": amount},
                            instalment=chosen.pk if chosen else None,
                        )
                    )
                except ValidationFailed as exc:
                    assert amount > room and "amount" in exc.fields  # refused only when too much
                else:
                    assert amount <= room
            elif made:
                receipt = made[op[1] % len(made)]
                try:
                    payments.receipt_void(actor=admin, receipt=receipt, reason="generated")
                except InvalidTransition:
                    assert Receipt.objects.get(pk=receipt.pk).voided_at is not None
            _check(order)
        transaction.set_rollback(True)
