"""REST endpoints for orders and contracts: the same services, rights and field errors as the
web pages. Reps work on their own orders and contracts, managers on their team's."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import prefetch_related_objects
from django.http import HttpResponse
from ninja import Field, Router, Schema

from guanxi.core.api import (
    Crud,
    ErrorOut,
    Input,
    ListFilters,
    Ref,
    etag,
    expected_version,
    register_crud,
    user_ref,
)
from guanxi.sales import contracts, orders, quotes
from guanxi.sales.cpq_api import LINE_OUT, LineOut
from guanxi.sales.models import Channel, ContractStatus, Currency, OrderStatus

router = Router()

ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 412: ErrorOut, 422: ErrorOut}
Percent = Field(None, ge=0, le=100, max_digits=5, decimal_places=2)


def _fields(obj, names) -> dict[str, Any]:
    return {n: getattr(obj, n) for n in names}


def _ref(obj, label: str = "name") -> dict | None:
    return {"id": obj.pk, "name": str(getattr(obj, label))} if obj is not None else None


# --- Orders ----------------------------------------------------------------------------------


class OrderFilters(ListFilters):
    q: str | None = Field(None, max_length=200, description="An order number, or account name")
    status: OrderStatus | None = None
    account: int | None = None
    opportunity: int | None = None
    quote: int | None = None
    date_from: date | None = Field(None, description="Ordered on or after this day")
    date_to: date | None = Field(None, description="Ordered on or before this day")
    sort: str | None = Field(
        None, description="`-updated_at` (default), `-order_date`, `-created_at`, `number`"
    )


class OrderFields(Input):
    contact: int | None = None
    currency: Currency | None = None
    channel: Channel | None = None
    order_date: date | None = None
    delivery_date: date | None = None
    shipping_address: str | None = Field(None, max_length=1000)
    discount_percent: Decimal | None = Percent
    notes: str | None = Field(None, max_length=5000)


class OrderCreate(OrderFields):
    opportunity: int | None = Field(
        None, description="The deal (won when the order is confirmed); gives the account"
    )
    account: int | None = Field(None, description="The account, when there is no deal")
    owner: int | None = Field(None, description="Default: you")


class OrderUpdate(OrderFields):
    version: int | None = None


class OrderOut(Schema):
    id: int
    number: str
    status: str
    opportunity: Ref | None
    quote: Ref | None
    account: Ref
    contact: int | None
    currency: str
    channel: str
    order_date: date
    delivery_date: date | None
    shipping_address: str
    discount_percent: Decimal
    notes: str
    gross: Decimal
    discount_total: Decimal
    net_total: Decimal
    tax_total: Decimal
    total: Decimal
    paid_total: Decimal
    confirmed_at: datetime | None
    shipped_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str
    owner: Ref
    lines: list[LineOut]
    created_at: datetime
    updated_at: datetime
    version: int


ORDER_OUT = (
    "id",
    "number",
    "status",
    "currency",
    "channel",
    "order_date",
    "delivery_date",
    "shipping_address",
    "discount_percent",
    "notes",
    "gross",
    "discount_total",
    "net_total",
    "tax_total",
    "total",
    "paid_total",
    "confirmed_at",
    "shipped_at",
    "completed_at",
    "cancelled_at",
    "cancel_reason",
    "created_at",
    "updated_at",
    "version",
)


def dump_order(o) -> dict:
    out = _fields(o, ORDER_OUT)
    out.update(
        opportunity=_ref(o.opportunity) if o.opportunity_id else None,
        quote=_ref(o.quote, "number") if o.quote_id else None,
        account={"id": o.account_id, "name": o.account.name},
        contact=o.contact_id,
        owner=user_ref(o.owner),
        lines=[
            {
                **_fields(line, LINE_OUT),
                "product": {"id": line.product_id, "name": line.product.name},
                "sku": line.product.sku,
            }
            for line in o.lines.all()  # prefetched by the selectors
        ],
    )
    return out


def _order_list(actor, **kwargs):
    page = orders.order_list(actor, **kwargs)
    # Each order comes with its lines and names its deal and quote: a query for each, per page.
    orders.with_lines(page.items)
    prefetch_related_objects(page.items, "opportunity", "quote")
    return page


# Before /orders/{id}, which would take "from-quote" for an id.
class FromQuoteIn(Input):
    quote: int = Field(..., description="An accepted quote (its latest revision)")


@router.post(
    "/orders/from-quote",
    response={201: OrderOut, **ERRORS},
    tags=["orders"],
    summary="Make the order of an accepted quote",
    operation_id="order_from_quote",
)
def order_from_quote(request, response: HttpResponse, payload: FromQuoteIn):
    """A draft order with the quote's lines, prices, promotions, discounts and totals copied
    exactly, for the quote's deal and account. One order per quote: a second call answers
    409 `invalid_transition` naming the order; a quote that is not accepted answers 409."""
    quote = quotes.quote_get(request.user, payload.quote)
    order = orders.order_from_quote(actor=request.user, quote=quote)
    return 201, _order_answer(request, response, order.pk)


register_crud(
    router,
    Crud(
        name="orders",
        label="order",
        out=OrderOut,
        create_in=OrderCreate,
        update_in=OrderUpdate,
        filters=OrderFilters,
        dump=dump_order,
        list=_order_list,
        get=orders.order_get,
        create=orders.order_create,
        update=orders.order_update,
        delete=orders.order_delete,
        assign=orders.order_assign,
    ),
)


def _order_answer(request, response: HttpResponse, pk: int) -> dict:
    order = orders.order_get(request.user, pk)
    response.headers["ETag"] = etag(order.version)
    return dump_order(order)


class OrderLineIn(Input):
    product: int
    quantity: Decimal = Field(..., gt=0, max_digits=12, decimal_places=2)
    discount_percent: Decimal | None = Percent
    version: int | None = None


class OrderLineUpdate(Input):
    quantity: Decimal | None = Field(None, gt=0, max_digits=12, decimal_places=2)
    discount_percent: Decimal | None = Percent
    version: int | None = None


@router.post(
    "/orders/{id}/lines",
    response={200: OrderOut, **ERRORS},
    tags=["orders"],
    summary="Add a line to a draft order",
    operation_id="order_line_add",
)
def order_line_add(request, response: HttpResponse, id: int, payload: OrderLineIn):
    """Priced as on a quote: the best price list for the account (else the product's list
    price), promotions by themselves, `discount_percent` the line's own. Only a draft."""
    order = orders.order_get(request.user, id)
    orders.order_line_add(
        actor=request.user,
        order=order,
        product=payload.product,
        quantity=payload.quantity,
        discount_percent=payload.discount_percent,
        version=expected_version(request, payload.version, order.version),
    )
    return _order_answer(request, response, id)


@router.patch(
    "/orders/{id}/lines/{line_id}",
    response={200: OrderOut, **ERRORS},
    tags=["orders"],
    summary="Change a line's quantity or discount (draft orders)",
    operation_id="order_line_update",
)
def order_line_update(
    request, response: HttpResponse, id: int, line_id: int, payload: OrderLineUpdate
):
    order = orders.order_get(request.user, id)
    data = payload.dict(exclude_unset=True)
    version = expected_version(request, data.pop("version", None), order.version)
    orders.order_line_update(
        actor=request.user, order=order, line=line_id, data=data, version=version
    )
    return _order_answer(request, response, id)


@router.delete(
    "/orders/{id}/lines/{line_id}",
    response={200: OrderOut, **ERRORS},
    tags=["orders"],
    summary="Remove a line from a draft order",
    operation_id="order_line_remove",
)
def order_line_remove(request, response: HttpResponse, id: int, line_id: int):
    order = orders.order_get(request.user, id)
    version = expected_version(request, None, order.version)
    orders.order_line_remove(actor=request.user, order=order, line=line_id, version=version)
    return _order_answer(request, response, id)


class VersionIn(Input):
    version: int | None = None


class ReasonIn(Input):
    reason: str = Field("", max_length=300, description="Required: why")
    version: int | None = None


def _order_transition(name: str, service, summary: str, doc: str) -> None:
    def handler(request, response: HttpResponse, id: int, payload: VersionIn):
        order = orders.order_get(request.user, id)
        version = expected_version(request, payload.version, order.version)
        service(actor=request.user, order=order, version=version)
        return _order_answer(request, response, id)

    handler.__doc__ = doc
    router.post(
        f"/orders/{{id}}/{name}",
        response={200: OrderOut, **ERRORS},
        tags=["orders"],
        summary=summary,
        operation_id=f"order_{name}",
    )(handler)


_order_transition(
    "confirm",
    orders.order_confirm,
    "Confirm a draft order",
    "Books the sale (emits `order.confirmed`) and wins the order's deal if it is open. "
    "Needs at least one line; any other status answers 409 `invalid_transition`.",
)
_order_transition(
    "ship",
    orders.order_ship,
    "Mark a confirmed order shipped",
    "Emits `order.shipped`; only a confirmed order.",
)
_order_transition(
    "complete",
    orders.order_complete,
    "Complete a shipped order",
    "Emits `order.completed`; only a shipped order.",
)


@router.post(
    "/orders/{id}/cancel",
    response={200: OrderOut, **ERRORS},
    tags=["orders"],
    summary="Cancel an order, saying why",
    operation_id="order_cancel",
)
def order_cancel(request, response: HttpResponse, id: int, payload: ReasonIn):
    """A draft, confirmed or shipped order (emits `order.cancelled`). A deal won by
    confirming it stays won. Refused (409) once payments are recorded against it."""
    order = orders.order_get(request.user, id)
    version = expected_version(request, payload.version, order.version)
    orders.order_cancel(actor=request.user, order=order, reason=payload.reason, version=version)
    return _order_answer(request, response, id)


# --- Contracts -------------------------------------------------------------------------------


class ContractFilters(ListFilters):
    q: str | None = Field(None, max_length=200, description="A contract number, or account name")
    status: ContractStatus | None = None
    account: int | None = None
    opportunity: int | None = None
    order: int | None = None
    renewing: int | None = Field(
        None, ge=1, le=366, description="Active contracts renewing within this many days"
    )
    sort: str | None = Field(
        None, description="`-updated_at` (default), `end_date`, `-created_at`, `number`"
    )


class ContractFields(Input):
    title: str | None = Field(None, min_length=1, max_length=200)
    contact: int | None = None
    currency: Currency | None = None
    value: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    signed_on: date | None = None
    start_date: date | None = None
    end_date: date | None = None
    renewal_date: date | None = Field(None, description="Default: the end date")
    remind_days_before: int | None = Field(None, ge=0, le=365)
    auto_renew: bool | None = None
    terms: str | None = Field(None, max_length=20000)


class ContractCreate(ContractFields):
    order: int | None = Field(
        None, description="Made from an order: its account, deal, contact, currency and total"
    )
    opportunity: int | None = Field(
        None, description="Made from a deal: its account, contact, currency and amount"
    )
    account: int | None = Field(None, description="The account, when there is no order or deal")
    owner: int | None = Field(None, description="Default: you")


class ContractUpdate(ContractFields):
    version: int | None = None


class ContractOut(Schema):
    id: int
    number: str
    title: str
    status: str
    account: Ref
    contact: int | None
    opportunity: Ref | None
    order: Ref | None
    currency: str
    value: Decimal
    signed_on: date | None
    start_date: date
    end_date: date
    renewal_date: date | None
    remind_days_before: int
    reminded_on: date | None
    auto_renew: bool
    renewed_from: Ref | None
    terms: str
    paid_total: Decimal
    terminated_at: datetime | None
    termination_reason: str
    owner: Ref
    created_at: datetime
    updated_at: datetime
    version: int


CONTRACT_OUT = (
    "id",
    "number",
    "title",
    "status",
    "currency",
    "value",
    "signed_on",
    "start_date",
    "end_date",
    "renewal_date",
    "remind_days_before",
    "reminded_on",
    "auto_renew",
    "terms",
    "paid_total",
    "terminated_at",
    "termination_reason",
    "created_at",
    "updated_at",
    "version",
)


def dump_contract(c) -> dict:
    out = _fields(c, CONTRACT_OUT)
    out.update(
        account={"id": c.account_id, "name": c.account.name},
        contact=c.contact_id,
        opportunity=_ref(c.opportunity) if c.opportunity_id else None,
        order=_ref(c.order, "number") if c.order_id else None,
        renewed_from=_ref(c.renewed_from, "number") if c.renewed_from_id else None,
        owner=user_ref(c.owner),
    )
    return out


def _contract_list(actor, **kwargs):
    page = contracts.contract_list(actor, **kwargs)
    prefetch_related_objects(page.items, "opportunity", "order", "renewed_from")
    return page


register_crud(
    router,
    Crud(
        name="contracts",
        label="contract",
        out=ContractOut,
        create_in=ContractCreate,
        update_in=ContractUpdate,
        filters=ContractFilters,
        dump=dump_contract,
        list=_contract_list,
        get=contracts.contract_get,
        create=contracts.contract_create,
        update=contracts.contract_update,
        delete=contracts.contract_delete,
        assign=contracts.contract_assign,
    ),
)


def _contract_answer(request, response: HttpResponse, pk: int) -> dict:
    contract = contracts.contract_get(request.user, pk)
    response.headers["ETag"] = etag(contract.version)
    return dump_contract(contract)


@router.post(
    "/contracts/{id}/activate",
    response={200: ContractOut, **ERRORS},
    tags=["contracts"],
    summary="Activate a draft contract (it was signed)",
    operation_id="contract_activate",
)
def contract_activate(request, response: HttpResponse, id: int, payload: VersionIn):
    """Emits `contract.activated`; `signed_on` becomes today unless set. A contract whose
    end date has passed answers 422 on `end_date`."""
    contract = contracts.contract_get(request.user, id)
    version = expected_version(request, payload.version, contract.version)
    contracts.contract_activate(actor=request.user, contract=contract, version=version)
    return _contract_answer(request, response, id)


@router.post(
    "/contracts/{id}/renew",
    response={201: ContractOut, **ERRORS},
    tags=["contracts"],
    summary="Renew an active or expired contract",
    operation_id="contract_renew",
)
def contract_renew(request, response: HttpResponse, id: int, payload: VersionIn):
    """Answers the new contract: a draft for the following period (as long as this one) with
    the same value and terms, `renewed_from` this one, which becomes `renewed` (emits
    `contract.renewed` and `contract.created`)."""
    contract = contracts.contract_get(request.user, id)
    version = expected_version(request, payload.version, contract.version)
    new = contracts.contract_renew(actor=request.user, contract=contract, version=version)
    return 201, _contract_answer(request, response, new.pk)


@router.post(
    "/contracts/{id}/terminate",
    response={200: ContractOut, **ERRORS},
    tags=["contracts"],
    summary="Terminate an active contract, saying why",
    operation_id="contract_terminate",
)
def contract_terminate(request, response: HttpResponse, id: int, payload: ReasonIn):
    """Emits `contract.terminated`; only an active contract."""
    contract = contracts.contract_get(request.user, id)
    version = expected_version(request, payload.version, contract.version)
    contracts.contract_terminate(
        actor=request.user, contract=contract, reason=payload.reason, version=version
    )
    return _contract_answer(request, response, id)
