"""REST endpoints for payment plans, receipts and receivables (with aging).

The same services and rights as the pages: whoever sees an order or a contract reads its
plan and receipts (with the right to read payments); reps set a first plan and record
receipts; changing a plan and voiding a receipt take the right to update payments
(managers, administrators).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from guanxi.core import access
from guanxi.core.api import ErrorOut, Input, Ref, etag, expected_version, user_ref
from guanxi.core.errors import ValidationFailed
from guanxi.sales import payment_selectors as selectors
from guanxi.sales import payments
from guanxi.sales.models import PaymentMethod
from guanxi.sales.payment_plans import PlanPreset

router = Router()

ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 412: ErrorOut, 422: ErrorOut}
Money = Field(..., gt=0, max_digits=16, decimal_places=2)


class ParentRef(Schema):
    kind: str = Field(..., description="`order` or `contract`")
    id: int
    number: str


def _parent_ref(obj) -> dict | None:
    if obj.order_id:
        return {"kind": "order", "id": obj.order_id, "number": obj.order.number}
    if obj.contract_id:
        return {"kind": "contract", "id": obj.contract_id, "number": obj.contract.number}
    return None


# --- Plans ------------------------------------------------------------------------------------


class InstalmentOut(Schema):
    id: int
    position: int
    due_date: date
    amount: Decimal
    paid: Decimal
    outstanding: Decimal
    currency: str
    note: str
    days_overdue: int = Field(..., description="0 when not yet due or paid")
    version: int


def dump_instalment(i) -> dict:
    outstanding = i.amount - i.paid
    return {
        "id": i.pk,
        "position": i.position,
        "due_date": i.due_date,
        "amount": i.amount,
        "paid": i.paid,
        "outstanding": outstanding,
        "currency": i.currency,
        "note": i.note,
        "days_overdue": getattr(i, "days_overdue", 0) if outstanding else 0,
        "version": i.version,
    }


class PlanOut(Schema):
    parent: ParentRef
    currency: str
    total: Decimal = Field(..., description="The order total or the contract value")
    paid_total: Decimal
    outstanding: Decimal
    planned: Decimal = Field(..., description="What the instalments add up to")
    instalments: list[InstalmentOut]


def _plan_body(actor, parent) -> dict:
    data = selectors.payments_of(actor, parent)
    return {
        "parent": {"kind": data["kind"], "id": parent.pk, "number": parent.number},
        "currency": parent.currency,
        "total": data["total"],
        "paid_total": data["paid"],
        "outstanding": data["outstanding"],
        "planned": data["planned"],
        "instalments": [dump_instalment(i) for i in data["instalments"]],
    }


class InstalmentIn(Input):
    id: int | None = Field(None, description="An instalment of this plan to change; none: new")
    due_date: date
    amount: Decimal = Money
    note: str = Field("", max_length=200)
    version: int | None = Field(None, description="The instalment's version (409 when stale)")


class PlanIn(Input):
    instalments: list[InstalmentIn] = Field(..., max_length=payments.MAX_INSTALMENTS)


class PresetIn(Input):
    preset: PlanPreset
    count: int | None = Field(
        None, ge=2, le=payments.MAX_MONTHLY, description="For `monthly`: how many instalments"
    )
    first_due: date | None = Field(
        None, description="The deposit's or first instalment's date (default: the order's)"
    )


def _read(request, kind: str, id: int):
    access.require_right(request.user, "payment", "read")
    return selectors.parent_get(request.user, kind, id)


def _plan_endpoints(kind: str, prefix: str) -> None:
    tag = "payments"

    def plan_get(request, id: int):
        return _plan_body(request.user, _read(request, kind, id))

    plan_get.__doc__ = (
        f"The {kind}'s instalments with what is paid and outstanding on each, oldest due first."
    )
    router.get(
        f"/{prefix}/{{id}}/instalments",
        response={200: PlanOut, 403: ErrorOut, 404: ErrorOut},
        tags=[tag],
        summary=f"Read the payment plan of a{'n' if kind == 'order' else ''} {kind}",
        operation_id=f"{kind}_plan_get",
    )(plan_get)

    def plan_put(request, id: int, payload: PlanIn):
        parent = _read(request, kind, id)
        items = [i.dict(exclude_none=True) for i in payload.instalments]
        payments.plan_set(actor=request.user, parent=parent, instalments=items)
        return _plan_body(request.user, parent)

    plan_put.__doc__ = (
        "Set the whole plan in one call. Rows with an `id` change that instalment, rows "
        "without add one, instalments left out are removed. The amounts must add up exactly "
        f"to the {kind}'s {'total' if kind == 'order' else 'value'} (422 on `instalments` "
        "otherwise); a (partly) paid instalment cannot be removed or made smaller than what "
        "was paid. A first plan needs `payment: create`, changing one `payment: update`. "
        "Emits `payment.plan_set`."
    )
    router.put(
        f"/{prefix}/{{id}}/instalments",
        response={200: PlanOut, **ERRORS},
        tags=[tag],
        summary=f"Set the payment plan of a{'n' if kind == 'order' else ''} {kind}",
        operation_id=f"{kind}_plan_set",
    )(plan_put)

    def plan_preset(request, id: int, payload: PresetIn):
        parent = _read(request, kind, id)
        payments.plan_apply_preset(
            actor=request.user,
            parent=parent,
            preset=payload.preset,
            count=payload.count,
            first_due=payload.first_due,
        )
        return _plan_body(request.user, parent)

    plan_preset.__doc__ = (
        "Replace the plan by a preset: `on_delivery` (100 %), `deposit_30` (30 % deposit, "
        "70 % on delivery) or `monthly` (`count` equal monthly instalments, the cent "
        "remainder on the last)."
    )
    router.post(
        f"/{prefix}/{{id}}/instalments/preset",
        response={200: PlanOut, **ERRORS},
        tags=[tag],
        summary=f"Apply a plan preset to a{'n' if kind == 'order' else ''} {kind}",
        operation_id=f"{kind}_plan_preset",
    )(plan_preset)


_plan_endpoints("order", "orders")
_plan_endpoints("contract", "contracts")


# --- Receipts ---------------------------------------------------------------------------------


class AllocationOut(Schema):
    instalment: int
    amount: Decimal


class ReceiptOut(Schema):
    id: int
    parent: ParentRef
    account: Ref
    owner: Ref
    received_on: date
    amount: Decimal
    currency: str
    method: str
    reference: str
    note: str
    allocations: list[AllocationOut]
    voided_at: datetime | None
    void_reason: str
    created_at: datetime
    version: int


def dump_receipt(r) -> dict:
    return {
        "id": r.pk,
        "parent": _parent_ref(r),
        "account": {"id": r.account_id, "name": r.account.name},
        "owner": user_ref(r.owner),
        "received_on": r.received_on,
        "amount": r.amount,
        "currency": r.currency,
        "method": r.method,
        "reference": r.reference,
        "note": r.note,
        "allocations": [
            {"instalment": a.instalment_id, "amount": a.amount} for a in r.allocations.all()
        ],
        "voided_at": r.voided_at,
        "void_reason": r.void_reason,
        "created_at": r.created_at,
        "version": r.version,
    }


class ReceiptPage(Schema):
    """One page; pass next_cursor as cursor for the next (null: last page)."""

    items: list[ReceiptOut]
    next_cursor: str | None


class ReceiptFilters(Schema):
    owner: str | None = Field(None, description="`me` or a user id")
    account: int | None = None
    order: int | None = None
    contract: int | None = None
    voided: bool | None = Field(None, description="true: only voided; false: only valid")
    sort: str | None = Field(None, description="`-received_on` (default) or `-id`")
    cursor: str | None = Field(None, max_length=500, description="`next_cursor` of the last page")
    limit: int = Field(50, ge=1, le=200)


@router.get(
    "/receipts",
    response={200: ReceiptPage, 422: ErrorOut},
    tags=["payments"],
    summary="List receipts",
    operation_id="receipt_list",
)
def receipt_list(request, filters: ReceiptFilters = Query(...)):
    """Receipts you can see, the latest received first; keyset-paginated."""
    params = filters.dict(exclude_none=True)
    kwargs = {k: params.pop(k) for k in ("cursor", "limit", "sort") if k in params}
    page = selectors.receipt_list(request.user, filters=params, **kwargs)
    return {"items": [dump_receipt(r) for r in page.items], "next_cursor": page.next_cursor}


class ReceiptIn(Input):
    order: int | None = Field(None, description="The order paid (or give `contract`)")
    contract: int | None = None
    instalment: int | None = Field(
        None, description="Settle only this instalment; default: the oldest due first"
    )
    received_on: date | None = Field(None, description="Default: today")
    amount: Decimal = Money
    method: PaymentMethod | None = None
    reference: str | None = Field(None, max_length=100)
    note: str | None = Field(None, max_length=300)


@router.post(
    "/receipts",
    response={201: ReceiptOut, **ERRORS},
    tags=["payments"],
    summary="Record a receipt (money received)",
    operation_id="receipt_create",
)
def receipt_create(request, response: HttpResponse, payload: ReceiptIn):
    """Against an order or a contract you can see. More than is outstanding is refused
    (422 on `amount`), so is a date in the future; a draft or cancelled order, or a draft
    contract, answers 409. An order without a plan is given "100 % on delivery" first.
    Emits `payment.received`."""
    data = payload.dict(exclude_unset=True)
    order, contract = data.pop("order", None), data.pop("contract", None)
    instalment = data.pop("instalment", None)
    if (order is None) == (contract is None):
        raise ValidationFailed.on("order", _("Give either an order or a contract."))
    kind, pk = ("order", order) if order is not None else ("contract", contract)
    parent = _read(request, kind, pk)
    receipt = payments.receipt_create(
        actor=request.user,
        parent=parent,
        data={k: v for k, v in data.items() if v is not None},
        instalment=instalment,
    )
    receipt = selectors.receipt_get(request.user, receipt.pk)
    response.headers["ETag"] = etag(receipt.version)
    return 201, dump_receipt(receipt)


@router.get(
    "/receipts/{id}",
    response={200: ReceiptOut, 404: ErrorOut},
    tags=["payments"],
    summary="Read a receipt",
    operation_id="receipt_get",
)
def receipt_get(request, response: HttpResponse, id: int):
    """With the instalments it settled."""
    receipt = selectors.receipt_get(request.user, id)
    response.headers["ETag"] = etag(receipt.version)
    return dump_receipt(receipt)


class VoidIn(Input):
    reason: str = Field(..., min_length=1, max_length=300)
    version: int | None = None


@router.post(
    "/receipts/{id}/void",
    response={200: ReceiptOut, **ERRORS},
    tags=["payments"],
    summary="Void a receipt",
    operation_id="receipt_void",
)
def receipt_void(request, response: HttpResponse, id: int, payload: VoidIn):
    """Needs `payment: update` and a reason; what the receipt settled is owed again.
    `If-Match` or `version` guard against a stale copy. Emits `payment.voided`."""
    receipt = selectors.receipt_get(request.user, id)
    version = expected_version(request, payload.version, receipt.version)
    payments.receipt_void(
        actor=request.user, receipt=receipt, reason=payload.reason, version=version
    )
    receipt = selectors.receipt_get(request.user, id)
    response.headers["ETag"] = etag(receipt.version)
    return dump_receipt(receipt)


# --- Receivables ------------------------------------------------------------------------------


class ReceivableOut(InstalmentOut):
    parent: ParentRef
    account: Ref
    owner: Ref


def dump_receivable(i) -> dict:
    return {
        **dump_instalment(i),
        "parent": _parent_ref(i),
        "account": {"id": i.account_id, "name": i.account.name},
        "owner": user_ref(i.owner),
    }


class ReceivablePage(Schema):
    """One page; pass next_cursor as cursor for the next (null: last page)."""

    items: list[ReceivableOut]
    next_cursor: str | None


class ReceivableFilters(Schema):
    owner: str | None = Field(None, description="`me` or a user id")
    account: int | None = None
    order: int | None = None
    contract: int | None = None
    overdue: bool | None = Field(None, description="true: past due; false: not yet due")
    due_from: date | None = None
    due_to: date | None = None


class ReceivableListFilters(ReceivableFilters):
    sort: str | None = Field(None, description="`due_date` (default) or `-due_date`")
    cursor: str | None = Field(None, max_length=500, description="`next_cursor` of the last page")
    limit: int = Field(50, ge=1, le=200)


@router.get(
    "/receivables",
    response={200: ReceivablePage, 422: ErrorOut},
    tags=["payments"],
    summary="List open instalments",
    operation_id="receivable_list",
)
def receivable_list(request, filters: ReceivableListFilters = Query(...)):
    """Instalments still owed on confirmed orders and active contracts you can see, the
    oldest due first; keyset-paginated."""
    params = filters.dict(exclude_none=True)
    kwargs = {k: params.pop(k) for k in ("cursor", "limit", "sort") if k in params}
    page = selectors.receivable_list(request.user, filters=params, **kwargs)
    return {"items": [dump_receivable(i) for i in page.items], "next_cursor": page.next_cursor}


class BucketOut(Schema):
    bucket: str = Field(
        ..., description="`current`, `1_30`, `31_60`, `61_90`, `over_90` or `total`"
    )
    label: str
    amounts: dict[str, Decimal] = Field(..., description="Outstanding per currency")
    count: int


class AgingOut(Schema):
    today: date
    buckets: list[BucketOut]


@router.get(
    "/receivables/aging",
    response={200: AgingOut, 422: ErrorOut},
    tags=["payments"],
    summary="What is outstanding by age",
    operation_id="receivable_aging",
)
def receivable_aging(request, filters: ReceivableFilters = Query(...)):
    """Outstanding amounts in five buckets by days past due (not yet due, 1–30, 31–60,
    61–90, over 90) and their total, over the open instalments you can see."""
    actor = request.user
    today = selectors.today_for(actor.organisation)
    buckets: list[dict[str, Any]] = selectors.aging_summary(
        actor, filters=filters.dict(exclude_none=True), today=today
    )
    return {"today": today, "buckets": [{**b, "label": str(b["label"])} for b in buckets]}
