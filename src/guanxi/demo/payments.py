"""Payment plans and receipts for the demo company's orders and contracts, written through the
services (as each order's owner) so that plans, allocations and figures are the real thing.

``add_payments(org)`` works on whatever confirmed orders and active contracts exist and have
no plan yet, so it runs after the orders are loaded, and a second run adds nothing.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction

from guanxi.core.models import Organisation
from guanxi.sales import payments
from guanxi.sales.models import Contract, ContractStatus, Instalment, Order
from guanxi.sales.payment_plans import PlanPreset
from guanxi.sales.payment_selectors import PAYABLE_STATUSES, today_for
from guanxi.sales.pricing import cents

# A rotation of ways customers pay: (preset, monthly count, how much of what is due they paid)
PATTERNS = (
    (PlanPreset.DEPOSIT, None, "all_due"),
    (PlanPreset.ON_DELIVERY, None, "all_due"),
    (PlanPreset.MONTHLY, 3, "all_but_last"),
    (PlanPreset.DEPOSIT, None, "first"),
    (PlanPreset.ON_DELIVERY, None, "none"),
    (PlanPreset.MONTHLY, 6, "all_due"),
    (PlanPreset.ON_DELIVERY, None, "half"),
)
METHODS = ("bank_transfer", "bank_transfer", "alipay", "wechat_pay", "acceptance_bill", "cash")


def _pay(parent, today: date, how: str, n: int) -> int:
    """Record receipts for the instalments already due, as ``how`` says; the number made."""
    kind = payments.kind_of(parent)
    due = list(
        Instalment.objects.filter(**{kind: parent}, due_date__lte=today).order_by("due_date", "id")
    )
    if how == "none" or not due:
        return 0
    if how == "first":
        due = due[:1]
    elif how == "all_but_last" and len(due) > 1:
        due = due[:-1]
    made = 0
    for i, inst in enumerate(due):
        amount = inst.amount - inst.paid
        if how == "half":
            amount = cents(amount / 2)
        if amount <= 0:
            continue
        received = min(inst.due_date + timedelta(days=(n + i) % 9), today)
        payments.receipt_create(
            actor=parent.owner,
            parent=parent,
            data={
                "amount": amount,
                "received_on": received,
                "method": METHODS[(n + i) % len(METHODS)],
                "reference": f"{parent.number}-{i + 1}",
            },
            instalment=inst.pk,
        )
        made += 1
    return made


def add_payments(org: Organisation) -> int:
    """Plans for the organisation's confirmed orders and active contracts that have none,
    and receipts for part of what is due; returns the number of receipts recorded."""
    today = today_for(org)
    planned = set(
        Instalment.objects.filter(organisation=org, order__isnull=False).values_list(
            "order_id", flat=True
        )
    )
    orders = (
        Order.objects.filter(organisation=org, status__in=PAYABLE_STATUSES["order"], total__gt=0)
        .exclude(pk__in=planned)
        .select_related("owner")
        .order_by("id")
    )
    contracts_planned = set(
        Instalment.objects.filter(organisation=org, contract__isnull=False).values_list(
            "contract_id", flat=True
        )
    )
    contracts = (
        Contract.objects.filter(organisation=org, status=ContractStatus.ACTIVE, value__gt=0)
        .exclude(pk__in=contracts_planned)
        .select_related("owner")
        .order_by("id")
    )
    made = 0
    with transaction.atomic():
        for n, order in enumerate(orders):
            if not order.owner.is_active:
                continue
            preset, count, how = PATTERNS[n % len(PATTERNS)]
            if count and order.total < count:
                preset, count = PlanPreset.ON_DELIVERY, None
            payments.plan_apply_preset(actor=order.owner, parent=order, preset=preset, count=count)
            made += _pay(order, today, how, n)
        for n, contract in enumerate(contracts):
            if not contract.owner.is_active:
                continue
            months = (contract.end_date.year - contract.start_date.year) * 12 + (
                contract.end_date.month - contract.start_date.month
            )
            count = max(2, min(12, months + 1))
            payments.plan_apply_preset(
                actor=contract.owner, parent=contract, preset=PlanPreset.MONTHLY, count=count
            )
            made += _pay(contract, today, "all_but_last" if n % 2 else "all_due", n)
    return made
