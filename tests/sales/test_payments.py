"""Payment plans, receipts and voids: the services and their rules."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from guanxi.core.errors import (
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    VersionConflict,
)
from guanxi.core.models import Event
from guanxi.core.records import assign_owner
from guanxi.sales import payments
from guanxi.sales.models import Instalment, Order, OrderStatus, Receipt, ReceiptAllocation
from tests.sales.factories import make_contract, make_order

pytestmark = pytest.mark.django_db

D = Decimal


def _plan(*rows):
    return [{"due_date": d, "amount": a, "note": ""} for d, a in rows]


@pytest.fixture
def rep(world):
    return world.users["rep_a"]


@pytest.fixture
def order(world, rep):
    return make_order(rep, world.records["rep_a"].account, "1000.00")


def _paid(parent):
    parent.refresh_from_db()
    return parent.paid_total


def _instalments(parent):
    return list(Instalment.objects.filter(order=parent).order_by("due_date", "position", "id"))


# --- Plans ----------------------------------------------------------------------------------


def test_plan_must_add_up_to_the_total(rep, order):
    with pytest.raises(ValidationFailed) as exc:
        payments.plan_set(
            actor=rep, parent=order, instalments=_plan(("2026-04-01", "300"), ("2026-05-01", "600"))
        )
    assert "instalments" in exc.value.fields
    assert "900.00 CNY" in exc.value.fields["instalments"][0]
    assert not Instalment.objects.exists()
    plan = payments.plan_set(
        actor=rep,
        parent=order,
        instalments=_plan(("2026-04-01", "300.00"), ("2026-05-01", "700")),
    )
    assert [(i.due_date, i.amount) for i in plan] == [
        (date(2026, 4, 1), D("300.00")),
        (date(2026, 5, 1), D("700.00")),
    ]
    assert {(i.owner_id, i.account_id, i.currency) for i in plan} == {
        (order.owner_id, order.account_id, "CNY")
    }
    assert Event.objects.filter(verb="payment.plan_set", object_type="order").count() == 1


def test_plan_rows_are_checked_field_by_field(rep, order):
    with pytest.raises(ValidationFailed) as exc:
        payments.plan_set(
            actor=rep,
            parent=order,
            instalments=[
                {"due_date": "2026-02-30", "amount": "500"},
                {"due_date": "2026-04-01", "amount": "-1"},
                {"due_date": "2026-04-01", "amount": "0.001"},
                {"due_date": "2026-04-01", "amount": "10", "colour": "red"},
            ],
        )
    fields = exc.value.fields
    assert {"instalments.0.due_date", "instalments.1.amount", "instalments.2.amount"} <= set(fields)
    assert "instalments.3.colour" in fields
    with pytest.raises(ValidationFailed):
        payments.plan_set(actor=rep, parent=order, instalments="all at once")


@pytest.mark.parametrize(
    ("preset", "count", "expected"),
    [
        ("on_delivery", None, [(date(2026, 3, 15), "1000.00")]),
        ("deposit_30", None, [(date(2026, 3, 1), "300.00"), (date(2026, 3, 15), "700.00")]),
        (
            "monthly",
            3,
            [
                (date(2026, 3, 15), "333.33"),
                (date(2026, 4, 15), "333.33"),
                (date(2026, 5, 15), "333.34"),
            ],
        ),
    ],
)
def test_presets(rep, order, preset, count, expected):
    plan = payments.plan_apply_preset(actor=rep, parent=order, preset=preset, count=count)
    assert [(i.due_date, i.amount) for i in plan] == [(d, D(a)) for d, a in expected]


def test_monthly_preset_from_the_31st_and_its_limits(world, rep):
    order = make_order(rep, world.records["rep_a"].account, "0.05", delivery_date=None)
    plan = payments.plan_apply_preset(
        actor=rep, parent=order, preset="monthly", count="4", first_due="2026-01-31"
    )
    assert [i.due_date for i in plan] == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
    ]
    assert [i.amount for i in plan] == [D("0.01"), D("0.01"), D("0.01"), D("0.02")]
    for count in ("6", "1", "61", "x"):
        with pytest.raises(ValidationFailed) as exc:
            payments.plan_apply_preset(actor=rep, parent=order, preset="monthly", count=count)
        assert "count" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        payments.plan_apply_preset(actor=rep, parent=order, preset="weekly")
    assert "preset" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        payments.plan_apply_preset(actor=rep, parent=order, preset="on_delivery", first_due="soon")
    assert "first_due" in exc.value.fields


def test_contract_plan_follows_the_contract_value(world, rep):
    contract = make_contract(rep, world.records["rep_a"].account, "12000.00")
    plan = payments.plan_apply_preset(actor=rep, parent=contract, preset="monthly", count=12)
    assert len(plan) == 12 and sum(i.amount for i in plan) == D("12000.00")
    assert plan[0].due_date == date(2026, 1, 1) and plan[0].contract_id == contract.pk
    deposit = payments.plan_apply_preset(
        actor=world.users["manager"], parent=contract, preset="deposit_30"
    )
    assert [(i.due_date, i.amount) for i in deposit] == [
        (date(2025, 12, 20), D("3600.00")),
        (date(2026, 1, 1), D("8400.00")),
    ]


def test_paid_instalments_cannot_be_removed_or_reduced(world, rep, order):
    manager = world.users["manager"]
    first, second = payments.plan_set(
        actor=rep, parent=order, instalments=_plan(("2026-04-01", "400"), ("2026-05-01", "600"))
    )
    payments.receipt_create(
        actor=rep, parent=order, data={"amount": "250", "received_on": "2026-03-20"}
    )
    first.refresh_from_db()
    assert first.paid == D("250.00")
    # removing the paid one
    with pytest.raises(ValidationFailed) as exc:
        payments.plan_set(actor=manager, parent=order, instalments=_plan(("2026-06-01", "1000")))
    assert "instalments" in exc.value.fields
    # reducing it below what was paid
    with pytest.raises(ValidationFailed) as exc:
        payments.plan_set(
            actor=manager,
            parent=order,
            instalments=[
                {"id": first.pk, "due_date": "2026-04-01", "amount": "200"},
                {"id": second.pk, "due_date": "2026-05-01", "amount": "800"},
            ],
        )
    assert "instalments.0.amount" in exc.value.fields
    # an id of another plan
    other = make_order(rep, order.account, "50")
    (foreign,) = payments.plan_apply_preset(actor=rep, parent=other, preset="on_delivery")
    with pytest.raises(ValidationFailed) as exc:
        payments.plan_set(
            actor=manager,
            parent=order,
            instalments=[
                {"id": first.pk, "due_date": "2026-04-01", "amount": "400"},
                {"id": foreign.pk, "due_date": "2026-05-01", "amount": "600"},
            ],
        )
    assert "instalments.1.id" in exc.value.fields
    # a stale version
    with pytest.raises(VersionConflict):
        payments.plan_set(
            actor=manager,
            parent=order,
            instalments=[
                {"id": first.pk, "due_date": "2026-04-01", "amount": "400", "version": 1},
                {"id": second.pk, "due_date": "2026-05-01", "amount": "600"},
            ],
        )
    # kept above what was paid, the rest split anew: allowed
    plan = payments.plan_set(
        actor=manager,
        parent=order,
        instalments=[
            {"id": first.pk, "due_date": "2026-04-10", "amount": "250"},
            {"due_date": "2026-05-01", "amount": "375"},
            {"due_date": "2026-06-01", "amount": "375"},
        ],
    )
    assert [(i.pk == first.pk, i.amount, i.paid) for i in plan] == [
        (True, D("250.00"), D("250.00")),
        (False, D("375.00"), D("0.00")),
        (False, D("375.00"), D("0.00")),
    ]
    assert not Instalment.objects.filter(pk=second.pk).exists()


def test_who_may_set_and_change_a_plan(world, rep, order):
    # a rep sets the first plan of their order but cannot change it afterwards
    payments.plan_apply_preset(actor=rep, parent=order, preset="on_delivery")
    with pytest.raises(PermissionDenied):
        payments.plan_apply_preset(actor=rep, parent=order, preset="deposit_30")
    # nobody outside the order's scope: not found, not forbidden
    with pytest.raises(NotFound):
        payments.plan_apply_preset(actor=world.users["rep_b"], parent=order, preset="deposit_30")
    with pytest.raises(NotFound):
        payments.plan_apply_preset(actor=world.users["stranger"], parent=order, preset="deposit_30")
    payments.plan_apply_preset(actor=world.users["east_manager"], parent=order, preset="deposit_30")
    assert Instalment.objects.filter(order=order).count() == 2


def test_cancelled_order_takes_no_plan(world, rep):
    order = make_order(rep, world.records["rep_a"].account, status=OrderStatus.CANCELLED)
    with pytest.raises(InvalidTransition):
        payments.plan_apply_preset(actor=rep, parent=order, preset="on_delivery")


def test_an_empty_plan_removes_an_unpaid_one(world, rep, order):
    payments.plan_apply_preset(actor=rep, parent=order, preset="deposit_30")
    assert payments.plan_set(actor=world.users["manager"], parent=order, instalments=[]) == []


# --- Receipts ---------------------------------------------------------------------------------


def test_receipts_settle_the_oldest_due_first(rep, order):
    payments.plan_set(
        actor=rep,
        parent=order,
        instalments=_plan(("2026-05-01", "500"), ("2026-04-01", "300"), ("2026-06-01", "200")),
    )
    r1 = payments.receipt_create(
        actor=rep,
        parent=order,
        data={
            "amount": "450",
            "received_on": "2026-03-20",
            "method": "alipay",
            "reference": " 2026-A1 ",
        },
    )
    assert r1.reference == "2026-A1" and r1.owner_id == rep.pk and r1.currency == "CNY"
    assert [i.paid for i in _instalments(order)] == [D("300.00"), D("150.00"), D("0.00")]
    assert _paid(order) == D("450.00")
    assert sorted(ReceiptAllocation.objects.values_list("amount", flat=True)) == [
        D("150.00"),
        D("300.00"),
    ]
    # a chosen instalment: only that one
    third = _instalments(order)[2]
    payments.receipt_create(actor=rep, parent=order, data={"amount": "200"}, instalment=third.pk)
    assert [i.paid for i in _instalments(order)] == [D("300.00"), D("150.00"), D("200.00")]
    event = Event.objects.filter(verb="payment.received").latest("id")
    assert event.object_type == "order" and event.object_id == order.pk
    assert event.account_id == order.account_id and event.data["amount"] == "200.00"


def test_paying_more_than_is_outstanding_is_refused(rep, order):
    payments.plan_apply_preset(actor=rep, parent=order, preset="deposit_30")
    with pytest.raises(ValidationFailed) as exc:
        payments.receipt_create(actor=rep, parent=order, data={"amount": "1000.01"})
    assert "amount" in exc.value.fields and "1,000.00 CNY" in exc.value.fields["amount"][0]
    deposit = _instalments(order)[0]
    with pytest.raises(ValidationFailed) as exc:
        payments.receipt_create(
            actor=rep, parent=order, data={"amount": "300.01"}, instalment=deposit.pk
        )
    assert "300.00 CNY" in exc.value.fields["amount"][0]
    payments.receipt_create(actor=rep, parent=order, data={"amount": "1000"})
    with pytest.raises(ValidationFailed) as exc:
        payments.receipt_create(actor=rep, parent=order, data={"amount": "0.01"})
    assert "amount" in exc.value.fields
    assert Receipt.objects.count() == 1 and _paid(order) == D("1000.00")


def test_bad_receipts_write_nothing(world, rep, order):
    tomorrow = payments.today_for(world.org) + timedelta(days=1)
    cases = [
        ({"amount": "0"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "12.345"}, "amount"),
        ({"amount": "10", "received_on": tomorrow.isoformat()}, "received_on"),
        ({"amount": "10", "method": "bitcoin"}, "method"),
        ({"amount": "10", "owner": world.users["rep_b"].pk}, "owner"),
        ({"amount": "10", "reference": "x" * 101}, "reference"),
    ]
    for data, field in cases:
        with pytest.raises(ValidationFailed) as exc:
            payments.receipt_create(actor=rep, parent=order, data=data)
        assert field in exc.value.fields, (data, exc.value.fields)
    with pytest.raises(ValidationFailed) as exc:
        payments.receipt_create(actor=rep, parent=order, data={"amount": "10"}, instalment="999999")
    assert "instalment" in exc.value.fields
    assert not Receipt.objects.exists() and _paid(order) == 0


def test_no_plan_means_all_on_delivery(rep, order):
    payments.receipt_create(actor=rep, parent=order, data={"amount": "100"})
    (inst,) = _instalments(order)
    assert inst.due_date == date(2026, 3, 15) and inst.amount == D("1000.00")
    assert inst.paid == D("100.00")


@pytest.mark.parametrize("status", [OrderStatus.DRAFT, OrderStatus.CANCELLED])
def test_draft_and_cancelled_orders_take_no_money(world, rep, status):
    order = make_order(rep, world.records["rep_a"].account, status=status)
    with pytest.raises(InvalidTransition):
        payments.receipt_create(actor=rep, parent=order, data={"amount": "10"})
    assert not Receipt.objects.exists()


def test_receipts_on_contracts(world, rep):
    contract = make_contract(rep, world.records["rep_a"].account, "1200")
    payments.plan_apply_preset(actor=rep, parent=contract, preset="monthly", count=12)
    payments.receipt_create(actor=rep, parent=contract, data={"amount": "250"})
    contract.refresh_from_db()
    assert contract.paid_total == D("250.00")
    paid = list(
        Instalment.objects.filter(contract=contract)
        .order_by("due_date")
        .values_list("paid", flat=True)
    )
    assert paid[:3] == [D("100.00"), D("100.00"), D("50.00")] and not any(paid[3:])
    draft = make_contract(rep, contract.account, "10", status="draft")
    with pytest.raises(InvalidTransition):
        payments.receipt_create(actor=rep, parent=draft, data={"amount": "10"})


def test_void_gives_the_money_back(world, rep, order):
    manager = world.users["manager"]
    payments.plan_apply_preset(actor=rep, parent=order, preset="deposit_30")
    receipt = payments.receipt_create(actor=rep, parent=order, data={"amount": "500"})
    # reps record payments but do not void them
    with pytest.raises(PermissionDenied):
        payments.receipt_void(actor=rep, receipt=receipt, reason="typo")
    with pytest.raises(NotFound):
        payments.receipt_void(actor=world.users["rep_b"], receipt=receipt, reason="typo")
    with pytest.raises(ValidationFailed) as exc:
        payments.receipt_void(actor=manager, receipt=receipt, reason="   ")
    assert "reason" in exc.value.fields
    with pytest.raises(VersionConflict):
        payments.receipt_void(actor=manager, receipt=receipt, reason="typo", version=7)
    voided = payments.receipt_void(actor=manager, receipt=receipt, reason="Wrong amount keyed in")
    assert voided.voided_at is not None and voided.void_reason == "Wrong amount keyed in"
    assert [i.paid for i in _instalments(order)] == [D("0.00"), D("0.00")]
    assert _paid(order) == 0 and not ReceiptAllocation.objects.exists()
    with pytest.raises(InvalidTransition):
        payments.receipt_void(actor=manager, receipt=voided, reason="again")
    event = Event.objects.get(verb="payment.voided")
    assert event.data["reason"] == "Wrong amount keyed in" and event.account_id == order.account_id
    # the plan can now be changed freely
    payments.plan_apply_preset(actor=manager, parent=order, preset="on_delivery")


def test_payments_follow_the_order_owner(world, rep, order):
    admin, rep_b = world.users["admin"], world.users["rep_b"]
    payments.plan_apply_preset(actor=rep, parent=order, preset="deposit_30")
    payments.receipt_create(actor=rep, parent=order, data={"amount": "100"})
    # the order services hand the order over through core.records: the event moves payments
    with __import__("django.db").db.transaction.atomic():
        assign_owner(admin, order, "order", rep_b.pk, None)
    assert set(Instalment.objects.values_list("owner_id", flat=True)) == {rep_b.pk}
    assert set(Receipt.objects.values_list("owner_id", flat=True)) == {rep_b.pk}
    # and the function the services may call directly
    Order.objects.filter(pk=order.pk).update(owner=rep)
    order.refresh_from_db()
    assert payments.follow_parent(order) == 3
    assert payments.follow_parent(order) == 0
    assert set(Instalment.objects.values_list("owner_id", flat=True)) == {rep.pk}


def test_payment_events_are_on_the_account_timeline(world, api, rep, order):
    payments.receipt_create(actor=rep, parent=order, data={"amount": "120"})
    account = order.account
    status, body, _ = api(rep).get(f"/accounts/{account.pk}/timeline")
    assert status == 200
    verbs = [e["verb"] for e in body]
    assert "payment.received" in verbs and "payment.plan_set" in verbs
    status, body, _ = api(world.users["rep_b"]).get(f"/accounts/{account.pk}/timeline")
    assert status == 404
