"""Payment plans, receipts and their reminders: the collections (回款) of orders and contracts.

An order (or a contract) gets a payment plan: instalments with due dates whose amounts add
up exactly to the order total (the contract value). A receipt records money received and is
applied to the instalments — the oldest due first, or the one the user picks — and never
takes more than is outstanding. A mistaken receipt is voided with a reason and what it had
settled is given back. ``Instalment.paid`` and the parent's ``paid_total`` change only here,
always under a lock on the order or contract row (taken before its instalments), so two
receipts recorded at the same moment can never both take the last outstanding amount.

Instalments and receipts carry the owner and account of their order or contract, so that
visibility and the collections figures read one table: ``follow_parent`` keeps them in step.

Events, on the order or contract (its timeline and its account's): ``payment.plan_set``,
``payment.received``, ``payment.voided``; and ``payment.reminded`` from the daily reminder
job (``payment_reminders.remind_payments``). The arithmetic (presets, allocation) is in
``payment_plans``; the reads in ``payment_selectors``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.db.models import F
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from guanxi.core import access, events
from guanxi.core.errors import InvalidTransition, ValidationFailed, VersionConflict
from guanxi.core.filters import parse_id
from guanxi.core.models import Organisation
from guanxi.core.normalize import clean_text
from guanxi.core.records import apply, lock, reject_unknown, stamp, validate
from guanxi.sales.models import (
    Contract,
    Instalment,
    Order,
    OrderStatus,
    Receipt,
    ReceiptAllocation,
)
from guanxi.sales.payment_plans import PlanPreset, allocate, preset_schedule
from guanxi.sales.payment_selectors import PARENT_MODELS, PAYABLE_STATUSES, today_for
from guanxi.sales.pricing import CENT

ZERO = Decimal("0.00")
RECEIPT_FIELDS = ("received_on", "amount", "method", "reference", "note")
INSTALMENT_FIELDS = ("id", "due_date", "amount", "note", "version")
MAX_INSTALMENTS = 120
MAX_MONTHLY = 60


# --- Orders and contracts alike --------------------------------------------------------------


def kind_of(parent: models.Model) -> str:
    """``order`` or ``contract``: the access object type and the instalment's column."""
    if isinstance(parent, Order):
        return "order"
    if isinstance(parent, Contract):
        return "contract"
    raise TypeError(f"payments belong to an order or a contract, not {type(parent).__name__}")


def parent_total(parent) -> Decimal:
    """What the plan must add up to: the order total or the contract value."""
    return parent.total if isinstance(parent, Order) else parent.value


def _require_parent(actor, parent, *, right: str) -> str:
    """The actor sees the order or contract and has the payment right; its kind."""
    kind = kind_of(parent)
    access.require_on(actor, parent, kind, "read")
    access.require_right(actor, "payment", right)
    return kind


def _lock_parent(kind: str, pk: int):
    """The order or contract row, locked: every payment write takes it first."""
    return PARENT_MODELS[kind]._default_manager.select_for_update().get(pk=pk)


def _locked_plan(kind: str, parent) -> list[Instalment]:
    return list(
        Instalment.objects.select_for_update()
        .filter(**{kind: parent})
        .order_by("due_date", "position", "id")
    )


def money_text(amount: Decimal, currency: str) -> str:
    """``12,000.00 CNY`` as the active language writes numbers (messages, notifications)."""
    return f"{formats.number_format(amount, 2, use_l10n=True, force_grouping=True)} {currency}"


def _parent_label(kind: str):
    return _("order") if kind == "order" else _("contract")


# --- Plans: the services ----------------------------------------------------------------------


@dataclass
class _Item:
    id: int | None
    due_date: date
    amount: Decimal
    note: str
    version: int | None = None


def _parse_items(raw: Any, currency: str) -> list[_Item]:
    """The plan's rows as given, each checked like a model field; errors by row and field."""
    if not isinstance(raw, list | tuple):
        raise ValidationFailed.on("instalments", _("Give a list of instalments."))
    if len(raw) > MAX_INSTALMENTS:
        raise ValidationFailed.on(
            "instalments", _("A plan has at most %(n)s instalments.") % {"n": MAX_INSTALMENTS}
        )
    errors: dict[str, list[str]] = {}
    items = []
    for n, entry in enumerate(raw):
        prefix = f"instalments.{n}."
        if not isinstance(entry, dict):
            errors[f"instalments.{n}"] = [_("Give the due date and the amount.")]
            continue
        unknown = sorted(set(entry) - set(INSTALMENT_FIELDS))
        for key in unknown:
            errors[prefix + key] = [_("This field cannot be set here.")]
        pk = entry.get("id")
        if pk not in (None, "") and parse_id(pk) is None:
            errors[prefix + "id"] = [_("Select a valid choice.")]
        probe = Instalment(currency=currency)
        values = {k: entry.get(k) for k in ("due_date", "amount", "note")}
        values["note"] = clean_text(values["note"])
        try:
            apply(probe, values)
            validate(probe, exclude=["paid"])
        except ValidationFailed as exc:
            for name, messages in exc.fields.items():
                errors[prefix + name] = messages
            continue
        version = entry.get("version")
        items.append(
            _Item(
                id=parse_id(pk) if pk not in (None, "") else None,
                due_date=probe.due_date,
                amount=probe.amount.quantize(CENT),
                note=probe.note,
                version=int(version) if isinstance(version, int) else None,
            )
        )
    if errors:
        raise ValidationFailed(fields=errors)
    return items


def _write_plan(actor, kind: str, parent, items: list[_Item], current: list[Instalment]):
    """Make the locked plan ``current`` into ``items`` (checked); the caller holds the lock."""
    by_id = {i.pk: i for i in current}
    errors: dict[str, list[str]] = {}
    kept: set[int] = set()
    for n, item in enumerate(items):
        if item.id is None:
            continue
        inst = by_id.get(item.id)
        if inst is None or item.id in kept:
            errors[f"instalments.{n}.id"] = [_("This instalment is not part of this plan.")]
            continue
        kept.add(item.id)
        if item.version is not None and item.version != inst.version:
            raise VersionConflict()
        if item.amount < inst.paid:
            errors[f"instalments.{n}.amount"] = [
                _("%(paid)s of this instalment is paid already: it cannot be less.")
                % {"paid": money_text(inst.paid, inst.currency)}
            ]
    for inst in current:
        if inst.pk not in kept and inst.paid > 0:
            errors.setdefault("instalments", []).append(
                _(
                    "The instalment due %(date)s is paid (%(paid)s): it cannot be removed. "
                    "Void its receipts first."
                )
                % {"date": inst.due_date.isoformat(), "paid": money_text(inst.paid, inst.currency)}
            )
    if errors:
        raise ValidationFailed(fields=errors)

    changed, created = [], []
    for position, item in enumerate(items, start=1):
        if item.id is not None:
            inst = by_id[item.id]
            before = (inst.due_date, inst.amount, inst.note, inst.position)
            if inst.due_date != item.due_date:
                # A new date gets its own reminders.
                inst.reminded_before_on = inst.reminded_after_on = None
            inst.due_date, inst.amount, inst.note = item.due_date, item.amount, item.note
            inst.position = position
            if before != (inst.due_date, inst.amount, inst.note, inst.position):
                stamp(inst, actor)
                changed.append(inst)
            continue
        inst = Instalment(
            owner_id=parent.owner_id,
            account_id=parent.account_id,
            currency=parent.currency,
            position=position,
            due_date=item.due_date,
            amount=item.amount,
            note=item.note,
            **{kind: parent},
        )
        stamp(inst, actor, creating=True)
        created.append(inst)
    removed = [i.pk for i in current if i.pk not in kept]
    if removed:
        Instalment.objects.filter(pk__in=removed).delete()
    if changed:
        Instalment.objects.bulk_update(
            changed,
            [
                "due_date",
                "amount",
                "note",
                "position",
                "reminded_before_on",
                "reminded_after_on",
                "version",
                "updated_by",
                "updated_at",
            ],
        )
    if created:
        Instalment.objects.bulk_create(created)
    events.record(
        actor,
        "payment.plan_set",
        parent,
        object_type=kind,
        account_id=parent.account_id,
        data={
            "count": len(items),
            "amount": sum((i.amount for i in items), ZERO),
            "currency": parent.currency,
            "instalments": [[i.due_date, i.amount] for i in items],
        },
    )
    return list(Instalment.objects.filter(**{kind: parent}).order_by("due_date", "position", "id"))


@transaction.atomic
def plan_set(*, actor, parent, instalments: Any) -> list[Instalment]:
    """Set the payment plan of an order or a contract in one call.

    ``instalments``: ``[{"due_date", "amount", "note", "id"?, "version"?}]``. Rows with an id
    change that instalment, rows without one add instalments, and instalments left out are
    removed. The amounts must add up exactly to the order total (contract value); an
    instalment already (partly) paid cannot be removed or made smaller than what was paid.
    An empty list removes a plan nothing was paid on. A first plan needs the right to create
    payments, changing one the right to update them.
    """
    kind = _require_parent(actor, parent, right="create")
    items = _parse_items(instalments, parent.currency)
    parent = _lock_parent(kind, parent.pk)
    if kind == "order" and parent.status == OrderStatus.CANCELLED:
        raise InvalidTransition(_("A cancelled order has no payment plan."))
    current = _locked_plan(kind, parent)
    if current:
        access.require_right(actor, "payment", "update")
    total = parent_total(parent)
    planned = sum((i.amount for i in items), ZERO)
    if items and planned != total:
        raise ValidationFailed.on(
            "instalments",
            _("The instalments add up to %(planned)s, the %(parent)s to %(total)s.")
            % {
                "planned": money_text(planned, parent.currency),
                "parent": _parent_label(kind),
                "total": money_text(total, parent.currency),
            },
        )
    return _write_plan(actor, kind, parent, items, current)


def _preset_dates(kind: str, parent, first_due: date | None) -> tuple[date, date]:
    """(deposit or first instalment, delivery): the order's dates, or the contract's."""
    if kind == "order":
        start, delivery = parent.order_date, parent.delivery_date or parent.order_date
    else:
        start, delivery = parent.signed_on or parent.start_date, parent.start_date
    if first_due is not None:
        start = first_due
        delivery = max(delivery, first_due)
    return start, delivery


def plan_apply_preset(
    *, actor, parent, preset: str, count: Any = None, first_due: Any = None
) -> list[Instalment]:
    """Replace the plan by a preset: 100 % on delivery, a 30 % deposit with the rest on
    delivery, or ``count`` equal monthly instalments (the cent remainder on the last).

    Dates come from the order (order date, delivery date) or the contract (signing, start);
    ``first_due`` sets the deposit's or the first instalment's date instead.
    """
    if preset not in PlanPreset.values:
        raise ValidationFailed.on("preset", _("Select a valid choice."))
    kind = kind_of(parent)
    if first_due not in (None, ""):
        probe = Instalment()
        try:
            apply(probe, {"due_date": first_due})
        except ValidationFailed as exc:
            raise ValidationFailed(fields={"first_due": exc.fields["due_date"]}) from None
        first_due = probe.due_date
    else:
        first_due = None
    n = None
    total = parent_total(parent)
    if preset == PlanPreset.MONTHLY:
        n = parse_id(count) if not isinstance(count, int) else count
        if n is None or not 2 <= n <= MAX_MONTHLY:
            raise ValidationFailed.on(
                "count",
                _("Give a number of instalments from 2 to %(max)s.") % {"max": MAX_MONTHLY},
            )
        if total < CENT * n:
            raise ValidationFailed.on(
                "count", _("The total is too small to split into %(n)s instalments.") % {"n": n}
            )
    if total <= 0:
        raise ValidationFailed.on("preset", _("There is nothing to pay: the total is zero."))
    start, delivery = _preset_dates(kind, parent, first_due)
    if preset == PlanPreset.MONTHLY and first_due is None:
        start = delivery  # monthly instalments run from delivery (a contract's start)
    rows = preset_schedule(preset, total=total, start=start, delivery=delivery, count=n)
    return plan_set(
        actor=actor,
        parent=parent,
        instalments=[{"due_date": d, "amount": a, "note": note} for d, a, note in rows],
    )


# --- Receipts ---------------------------------------------------------------------------------


def _require_payable(kind: str, parent) -> None:
    if parent.status in PAYABLE_STATUSES[kind]:
        return
    if kind == "order" and parent.status == OrderStatus.CANCELLED:
        raise InvalidTransition(_("This order was cancelled: it takes no payments."))
    if kind == "order":
        raise InvalidTransition(_("Confirm the order before recording payments on it."))
    raise InvalidTransition(_("Activate the contract before recording payments on it."))


def _default_plan(actor, kind: str, parent) -> list[Instalment]:
    """A parent without a plan is due in full on delivery: recording money sets that plan."""
    total = parent_total(parent)
    if total <= 0:
        return []
    start, delivery = _preset_dates(kind, parent, None)
    rows = preset_schedule(PlanPreset.ON_DELIVERY, total=total, start=start, delivery=delivery)
    items = [_Item(None, d, a, note) for d, a, note in rows]
    _write_plan(actor, kind, parent, items, [])
    return _locked_plan(kind, parent)


def _instalment_of(plan: list[Instalment], value: Any) -> Instalment:
    pk = value.pk if isinstance(value, Instalment) else parse_id(value)
    found = next((i for i in plan if i.pk == pk), None) if pk else None
    if found is None:
        raise ValidationFailed.on("instalment", _("Select an instalment of this plan."))
    return found


@transaction.atomic
def receipt_create(*, actor, parent, data: dict[str, Any], instalment: Any = None) -> Receipt:
    """Record money received against an order or a contract.

    It settles the instalments oldest due first, or only ``instalment`` when one is chosen.
    Refused: more than is outstanding (a field error on ``amount``), a date in the future,
    a draft or cancelled order, a draft contract. An order or contract without a plan is
    given "100 % on delivery" first. Emits ``payment.received``.
    """
    kind = _require_parent(actor, parent, right="create")
    data = dict(data)
    reject_unknown(data, RECEIPT_FIELDS)
    for name in ("reference", "note"):
        if name in data:
            data[name] = clean_text(data[name])
    parent = _lock_parent(kind, parent.pk)
    _require_payable(kind, parent)
    org = Organisation.objects.only("time_zone").get(pk=parent.organisation_id)
    today = today_for(org)
    receipt = Receipt(
        owner_id=parent.owner_id,
        account_id=parent.account_id,
        currency=parent.currency,
        received_on=today,
        **{kind: parent},
    )
    apply(receipt, data)
    validate(receipt)
    receipt.amount = receipt.amount.quantize(CENT)
    if receipt.received_on > today:
        raise ValidationFailed.on("received_on", _("Money cannot be received in the future."))
    plan = _locked_plan(kind, parent) or _default_plan(actor, kind, parent)
    if instalment not in (None, ""):
        chosen = _instalment_of(plan, instalment)
        candidates = [chosen]
    else:
        candidates = plan
    outstanding = sum((i.amount - i.paid for i in candidates), ZERO)
    if receipt.amount > outstanding:
        message = (
            _("Only %(amount)s is outstanding on this instalment.")
            if instalment not in (None, "")
            else _("Only %(amount)s is outstanding.")
        )
        raise ValidationFailed.on(
            "amount", message % {"amount": money_text(outstanding, parent.currency)}
        )
    shares = allocate([(i, i.amount - i.paid) for i in candidates], receipt.amount)
    stamp(receipt, actor, creating=True)
    receipt.save()
    allocations = []
    for inst, amount in shares:
        inst.paid += amount
        stamp(inst, actor)
        allocation = ReceiptAllocation(receipt=receipt, instalment=inst, amount=amount)
        stamp(allocation, actor, creating=True)
        allocations.append(allocation)
    Instalment.objects.bulk_update(
        [i for i, _a in shares], ["paid", "version", "updated_by", "updated_at"]
    )
    ReceiptAllocation.objects.bulk_create(allocations)
    parent.paid_total += receipt.amount
    parent.save(update_fields=["paid_total"])
    events.record(
        actor,
        "payment.received",
        parent,
        object_type=kind,
        account_id=parent.account_id,
        data={
            "receipt": receipt.pk,
            "amount": receipt.amount,
            "currency": receipt.currency,
            "method": receipt.method,
            "received_on": receipt.received_on,
            "instalments": [[i.pk, a] for i, a in shares],
        },
    )
    return receipt


@transaction.atomic
def receipt_void(*, actor, receipt: Receipt, reason: Any, version: int | None = None) -> Receipt:
    """Void a mistaken receipt: what it settled is owed again. Needs the right to update
    payments and a reason. Emits ``payment.voided``."""
    access.require_on(actor, receipt, "payment", "update")
    reason = clean_text(reason)[:300]
    if not reason:
        raise ValidationFailed.on("reason", _("Say why the receipt is voided."))
    kind = "order" if receipt.order_id else "contract"
    parent = _lock_parent(kind, receipt.order_id or receipt.contract_id)
    receipt = lock(Receipt, receipt.pk, version)
    if receipt.voided_at is not None:
        raise InvalidTransition(_("This receipt was voided already."))
    allocations = list(ReceiptAllocation.objects.filter(receipt=receipt))
    instalments = {
        i.pk: i
        for i in Instalment.objects.select_for_update().filter(
            pk__in=[a.instalment_id for a in allocations]
        )
    }
    for allocation in allocations:
        inst = instalments[allocation.instalment_id]
        inst.paid -= allocation.amount
        stamp(inst, actor)
    Instalment.objects.bulk_update(
        list(instalments.values()), ["paid", "version", "updated_by", "updated_at"]
    )
    ReceiptAllocation.objects.filter(receipt=receipt).delete()
    parent.paid_total -= receipt.amount
    parent.save(update_fields=["paid_total"])
    receipt.voided_at = timezone.now()
    receipt.void_reason = reason
    stamp(receipt, actor)
    receipt.save(update_fields=["voided_at", "void_reason", "version", "updated_by", "updated_at"])
    events.record(
        actor,
        "payment.voided",
        parent,
        object_type=kind,
        account_id=parent.account_id,
        data={
            "receipt": receipt.pk,
            "amount": receipt.amount,
            "currency": receipt.currency,
            "received_on": receipt.received_on,
            "reason": reason,
            "instalments": [[a.instalment_id, a.amount] for a in allocations],
        },
    )
    return receipt


# --- Keeping in step with the order or contract ---------------------------------------------


def follow_parent(parent) -> int:
    """Give an order's or a contract's instalments and receipts its current owner and
    account, in one statement each; the number of rows changed.

    The order and contract services call it (inside their transaction) when either changes;
    it also runs by itself on ``order.assigned`` and ``contract.assigned``.
    """
    kind = kind_of(parent)
    now = timezone.now()
    changed = 0
    for model in (Instalment, Receipt):
        changed += (
            model.objects.filter(**{kind: parent})
            .exclude(owner_id=parent.owner_id, account_id=parent.account_id)
            .update(
                owner_id=parent.owner_id,
                account_id=parent.account_id,
                version=F("version") + 1,
                updated_at=now,
            )
        )
    return changed


def on_parent_assigned(event) -> None:
    """``order.assigned`` / ``contract.assigned``: the payments follow the new owner."""
    model = PARENT_MODELS[event.object_type]
    parent = getattr(event, "subject", None)
    if not isinstance(parent, model):
        parent = model._default_manager.filter(pk=event.object_id).first()
    if parent is not None:
        follow_parent(parent)
