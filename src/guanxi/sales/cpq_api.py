"""REST endpoints for products, price lists, promotions, exchange rates, quotes and approvals.

The same services and rights as the web pages: reps create and edit their own quotes,
managers their team's; everyone reads products and price lists; administrators manage them.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from ninja import Field, Router, Schema

from guanxi.core import approvals
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
from guanxi.sales import catalogue, quotes
from guanxi.sales.models import Channel, Currency, PromotionKind, QuoteLanguage, QuoteStatus
from guanxi.sales.pdf import quote_pdf

router = Router()

ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 412: ErrorOut, 422: ErrorOut}
Money = Field(None, ge=0, max_digits=16, decimal_places=2)
Percent = Field(None, ge=0, le=100, max_digits=5, decimal_places=2)


def _fields(obj, names) -> dict[str, Any]:
    return {n: getattr(obj, n) for n in names}


# --- Products --------------------------------------------------------------------------------


class ProductFilters(ListFilters):
    category: str | None = Field(None, max_length=100)
    active: bool | None = None


class ProductFields(Input):
    sku: str | None = Field(None, min_length=1, max_length=64)
    name: str | None = Field(None, min_length=1, max_length=200)
    category: str | None = Field(None, max_length=100)
    unit: str | None = Field(None, min_length=1, max_length=32)
    list_price: Decimal | None = Money
    currency: Currency | None = None
    tax_rate: Decimal | None = Percent
    description: str | None = Field(None, max_length=2000)
    is_active: bool | None = None


class ProductCreate(ProductFields):
    sku: str = Field(..., min_length=1, max_length=64)
    name: str = Field(..., min_length=1, max_length=200)


class ProductUpdate(ProductFields):
    version: int | None = None


PRODUCT_OUT = ("id", *catalogue.PRODUCT_FIELDS, "updated_at", "version")


class ProductOut(Schema):
    id: int
    sku: str
    name: str
    category: str
    unit: str
    list_price: Decimal
    currency: str
    tax_rate: Decimal
    description: str
    is_active: bool
    updated_at: datetime
    version: int


def dump_product(p) -> dict:
    return _fields(p, PRODUCT_OUT)


register_crud(
    router,
    Crud(
        name="products",
        label="product",
        out=ProductOut,
        create_in=ProductCreate,
        update_in=ProductUpdate,
        filters=ProductFilters,
        dump=dump_product,
        list=catalogue.product_list,
        get=catalogue.product_get,
        create=catalogue.product_create,
        update=catalogue.product_update,
        delete=catalogue.product_delete,
    ),
)


# --- Price lists -----------------------------------------------------------------------------


class PriceListIn(Input):
    name: str | None = Field(None, min_length=1, max_length=100)
    currency: Currency | None = None
    channel: Channel | None = None
    region: str | None = Field(None, max_length=16)
    grade: str | None = Field(None, max_length=1)
    valid_from: date | None = None
    valid_until: date | None = None
    is_active: bool | None = None
    version: int | None = None


class PriceOut(Schema):
    product: Ref
    sku: str
    unit_price: Decimal


class PriceListOut(Schema):
    id: int
    name: str
    currency: str
    channel: str
    region: str
    grade: str
    valid_from: date | None
    valid_until: date | None
    is_active: bool
    version: int
    prices: list[PriceOut] | None = None


PRICE_LIST_OUT = ("id", *catalogue.PRICE_LIST_FIELDS, "version")


def _dump_price_list(actor, pl, with_prices: bool = False) -> dict:
    out = _fields(pl, PRICE_LIST_OUT)
    if with_prices:
        out["prices"] = [
            {
                "product": {"id": i.product_id, "name": i.product.name},
                "sku": i.product.sku,
                "unit_price": i.unit_price,
            }
            for i in catalogue.price_list_items(actor, pl)
        ]
    return out


@router.get(
    "/price-lists",
    response=list[PriceListOut],
    tags=["price lists"],
    summary="List price lists",
    operation_id="price_list_list",
)
def price_list_list(request):
    return [_dump_price_list(request.user, pl) for pl in catalogue.price_list_list(request.user)]


@router.post(
    "/price-lists",
    response={201: PriceListOut, **ERRORS},
    tags=["price lists"],
    summary="Create a price list",
    operation_id="price_list_create",
)
def price_list_create(request, payload: PriceListIn):
    """A price list for a channel, region and customer grade (blank: any) and a period."""
    data = payload.dict(exclude_unset=True)
    data.pop("version", None)
    pl = catalogue.price_list_create(actor=request.user, data=data)
    return 201, _dump_price_list(request.user, pl)


@router.get(
    "/price-lists/{id}",
    response={200: PriceListOut, 404: ErrorOut},
    tags=["price lists"],
    summary="Read a price list with its prices",
    operation_id="price_list_get",
)
def price_list_get(request, id: int):
    return _dump_price_list(request.user, catalogue.price_list_get(request.user, id), True)


@router.patch(
    "/price-lists/{id}",
    response={200: PriceListOut, **ERRORS},
    tags=["price lists"],
    summary="Update a price list",
    operation_id="price_list_update",
)
def price_list_update(request, id: int, payload: PriceListIn):
    pl = catalogue.price_list_get(request.user, id)
    data = payload.dict(exclude_unset=True)
    version = expected_version(request, data.pop("version", None), pl.version)
    pl = catalogue.price_list_update(actor=request.user, price_list=pl, data=data, version=version)
    return _dump_price_list(request.user, pl, True)


@router.delete(
    "/price-lists/{id}",
    response={204: None, **ERRORS},
    tags=["price lists"],
    summary="Delete a price list",
    operation_id="price_list_delete",
)
def price_list_delete(request, id: int):
    pl = catalogue.price_list_get(request.user, id)
    catalogue.price_list_delete(actor=request.user, price_list=pl)
    return 204, None


class PriceIn(Input):
    unit_price: Decimal = Field(..., ge=0, max_digits=16, decimal_places=2)


@router.put(
    "/price-lists/{id}/prices/{product_id}",
    response={200: PriceListOut, **ERRORS},
    tags=["price lists"],
    summary="Set a product's price on a price list",
    operation_id="price_set",
)
def price_set(request, id: int, product_id: int, payload: PriceIn):
    pl = catalogue.price_list_get(request.user, id)
    catalogue.price_set(
        actor=request.user, price_list=pl, product=product_id, unit_price=payload.unit_price
    )
    return _dump_price_list(request.user, pl, True)


@router.delete(
    "/price-lists/{id}/prices/{product_id}",
    response={204: None, **ERRORS},
    tags=["price lists"],
    summary="Remove a product's price from a price list",
    operation_id="price_remove",
)
def price_remove(request, id: int, product_id: int):
    pl = catalogue.price_list_get(request.user, id)
    catalogue.price_remove(actor=request.user, price_list=pl, product=product_id)
    return 204, None


class RateIn(Input):
    rate: Decimal = Field(..., gt=0, max_digits=16, decimal_places=6)


class RateOut(Schema):
    currency: str
    rate: Decimal


@router.get(
    "/currency-rates",
    response=list[RateOut],
    tags=["price lists"],
    summary="Exchange rates: one unit in the organisation's currency",
    operation_id="currency_rate_list",
)
def currency_rate_list(request):
    return catalogue.currency_rate_list(request.user)


@router.put(
    "/currency-rates/{currency}",
    response={200: RateOut, **ERRORS},
    tags=["price lists"],
    summary="Set an exchange rate",
    operation_id="currency_rate_set",
)
def currency_rate_set(request, currency: Currency, payload: RateIn):
    return catalogue.currency_rate_set(actor=request.user, currency=currency, rate=payload.rate)


# --- Promotions ------------------------------------------------------------------------------


class TierIn(Schema):
    min_quantity: Decimal = Field(..., gt=0, max_digits=12, decimal_places=2)
    percent: Decimal = Field(..., ge=0, le=100, max_digits=5, decimal_places=2)


class PromotionIn(Input):
    name: str | None = Field(None, min_length=1, max_length=100)
    kind: PromotionKind | None = None
    value: Decimal | None = Money
    buy_quantity: int | None = Field(None, ge=0, le=100000)
    free_quantity: int | None = Field(None, ge=0, le=100000)
    tiers: list[TierIn] | None = None
    product: int | None = None
    category: str | None = Field(None, max_length=100)
    valid_from: date | None = None
    valid_until: date | None = None
    stackable: bool | None = Field(None, description="Combines with other promotions")
    priority: int | None = Field(None, ge=0, le=100000)
    is_active: bool | None = None
    version: int | None = None


class PromotionOut(Schema):
    id: int
    name: str
    kind: str
    value: Decimal
    buy_quantity: int
    free_quantity: int
    tiers: list[dict[str, str]]
    product: int | None
    category: str
    valid_from: date | None
    valid_until: date | None
    stackable: bool
    priority: int
    is_active: bool
    version: int


def dump_promotion(p) -> dict:
    out = _fields(
        p,
        (
            "id",
            "name",
            "kind",
            "value",
            "buy_quantity",
            "free_quantity",
            "tiers",
            "category",
            "valid_from",
            "valid_until",
            "stackable",
            "priority",
            "is_active",
            "version",
        ),
    )
    out["product"] = p.product_id
    return out


def _promotion_data(payload: PromotionIn) -> tuple[dict, int | None]:
    data = payload.dict(exclude_unset=True)
    version = data.pop("version", None)
    if "tiers" in data and data["tiers"] is not None:
        data["tiers"] = [{k: str(v) for k, v in t.items()} for t in data["tiers"]]
    return data, version


@router.get(
    "/promotions",
    response=list[PromotionOut],
    tags=["promotions"],
    summary="List promotions",
    operation_id="promotion_list",
)
def promotion_list(request):
    return [dump_promotion(p) for p in catalogue.promotion_list(request.user)]


@router.post(
    "/promotions",
    response={201: PromotionOut, **ERRORS},
    tags=["promotions"],
    summary="Create a promotion",
    operation_id="promotion_create",
)
def promotion_create(request, payload: PromotionIn):
    """Kinds: `percent` (value = %), `fixed` (value = amount off each unit), `buy_x_get_y`
    (buy_quantity, free_quantity) and `tiered` (tiers of min_quantity and percent). See the
    user guide for how promotions stack."""
    data, _v = _promotion_data(payload)
    return 201, dump_promotion(catalogue.promotion_create(actor=request.user, data=data))


@router.get(
    "/promotions/{id}",
    response={200: PromotionOut, 404: ErrorOut},
    tags=["promotions"],
    summary="Read a promotion",
    operation_id="promotion_get",
)
def promotion_get(request, id: int):
    return dump_promotion(catalogue.promotion_get(request.user, id))


@router.patch(
    "/promotions/{id}",
    response={200: PromotionOut, **ERRORS},
    tags=["promotions"],
    summary="Update a promotion",
    operation_id="promotion_update",
)
def promotion_update(request, id: int, payload: PromotionIn):
    promo = catalogue.promotion_get(request.user, id)
    data, version = _promotion_data(payload)
    version = expected_version(request, version, promo.version)
    promo = catalogue.promotion_update(
        actor=request.user, promotion=promo, data=data, version=version
    )
    return dump_promotion(catalogue.promotion_get(request.user, promo.pk))


@router.delete(
    "/promotions/{id}",
    response={204: None, **ERRORS},
    tags=["promotions"],
    summary="Delete a promotion",
    operation_id="promotion_delete",
)
def promotion_delete(request, id: int):
    promo = catalogue.promotion_get(request.user, id)
    catalogue.promotion_delete(actor=request.user, promotion=promo)
    return 204, None


# --- Quotes ----------------------------------------------------------------------------------


class QuoteFilters(ListFilters):
    opportunity: int | None = None
    account: int | None = None
    status: QuoteStatus | None = None
    sort: str | None = Field(None, description="`-updated_at` (default), `-created_at`, `number`")


class QuoteFields(Input):
    contact: int | None = None
    currency: Currency | None = None
    channel: Channel | None = None
    language: QuoteLanguage | None = None
    quote_date: date | None = None
    valid_until: date | None = None
    discount_percent: Decimal | None = Percent
    notes: str | None = Field(None, max_length=5000)


class QuoteCreate(QuoteFields):
    opportunity: int = Field(..., description="The deal; the quote is for its account")


class QuoteUpdate(QuoteFields):
    version: int | None = None


class LineOut(Schema):
    id: int
    product: Ref
    sku: str
    description: str
    unit: str
    quantity: Decimal
    unit_price: Decimal
    price_source: str
    discount_percent: Decimal
    tax_rate: Decimal
    gross: Decimal
    promotion_discount: Decimal
    promotions: list[str]
    manual_discount: Decimal
    net: Decimal
    tax: Decimal
    total: Decimal


class QuoteOut(Schema):
    id: int
    number: str
    revision: int
    previous: int | None
    status: str
    opportunity: Ref
    account: Ref
    contact: int | None
    currency: str
    channel: str
    language: str
    price_list: int | None
    quote_date: date
    valid_until: date | None
    discount_percent: Decimal
    notes: str
    gross: Decimal
    discount_total: Decimal
    net_total: Decimal
    tax_total: Decimal
    total: Decimal
    sent_at: datetime | None
    sent_to: str
    owner: Ref
    lines: list[LineOut]
    created_at: datetime
    updated_at: datetime
    version: int


QUOTE_OUT = (
    "id",
    "number",
    "revision",
    "status",
    "currency",
    "channel",
    "language",
    "quote_date",
    "valid_until",
    "discount_percent",
    "notes",
    "gross",
    "discount_total",
    "net_total",
    "tax_total",
    "total",
    "sent_at",
    "sent_to",
    "created_at",
    "updated_at",
    "version",
)
LINE_OUT = (
    "id",
    "description",
    "unit",
    "quantity",
    "unit_price",
    "price_source",
    "discount_percent",
    "tax_rate",
    "gross",
    "promotion_discount",
    "promotions",
    "manual_discount",
    "net",
    "tax",
    "total",
)


def dump_quote(q) -> dict:
    out = _fields(q, QUOTE_OUT)
    out.update(
        previous=q.previous_id,
        opportunity={"id": q.opportunity_id, "name": q.opportunity.name},
        account={"id": q.account_id, "name": q.account.name},
        contact=q.contact_id,
        price_list=q.price_list_id,
        owner=user_ref(q.owner),
        lines=[
            {
                **_fields(line, LINE_OUT),
                "product": {"id": line.product_id, "name": line.product.name},
                "sku": line.product.sku,
            }
            for line in q.lines.all()  # prefetched by the selectors
        ],
    )
    return out


def _quote_create(*, actor, data: dict, owner=None):
    return quotes.quote_create(actor=actor, opportunity=data.pop("opportunity"), data=data)


register_crud(
    router,
    Crud(
        name="quotes",
        label="quote",
        out=QuoteOut,
        create_in=QuoteCreate,
        update_in=QuoteUpdate,
        filters=QuoteFilters,
        dump=dump_quote,
        list=quotes.quote_list,
        get=quotes.quote_get,
        create=_quote_create,
        update=quotes.quote_update,
        delete=quotes.quote_delete,
        assign=quotes.quote_assign,
    ),
)


def _answer(request, response: HttpResponse, pk: int) -> dict:
    quote = quotes.quote_get(request.user, pk)
    response.headers["ETag"] = etag(quote.version)
    return dump_quote(quote)


class LineIn(Input):
    product: int
    quantity: Decimal = Field(..., gt=0, max_digits=12, decimal_places=2)
    discount_percent: Decimal | None = Percent
    version: int | None = None


class LineUpdate(Input):
    quantity: Decimal | None = Field(None, gt=0, max_digits=12, decimal_places=2)
    discount_percent: Decimal | None = Percent
    version: int | None = None


@router.post(
    "/quotes/{id}/lines",
    response={200: QuoteOut, **ERRORS},
    tags=["quotes"],
    summary="Add a line to a draft quote",
    operation_id="quote_line_add",
)
def quote_line_add(request, response: HttpResponse, id: int, payload: LineIn):
    """The unit price comes from the best price list for the account (else the product's
    list price); promotions apply by themselves; `discount_percent` is the line's own."""
    quote = quotes.quote_get(request.user, id)
    quotes.quote_line_add(
        actor=request.user,
        quote=quote,
        product=payload.product,
        quantity=payload.quantity,
        discount_percent=payload.discount_percent,
        version=expected_version(request, payload.version, quote.version),
    )
    return _answer(request, response, id)


@router.patch(
    "/quotes/{id}/lines/{line_id}",
    response={200: QuoteOut, **ERRORS},
    tags=["quotes"],
    summary="Change a line's quantity or discount",
    operation_id="quote_line_update",
)
def quote_line_update(request, response: HttpResponse, id: int, line_id: int, payload: LineUpdate):
    quote = quotes.quote_get(request.user, id)
    data = payload.dict(exclude_unset=True)
    version = expected_version(request, data.pop("version", None), quote.version)
    quotes.quote_line_update(
        actor=request.user, quote=quote, line=line_id, data=data, version=version
    )
    return _answer(request, response, id)


@router.delete(
    "/quotes/{id}/lines/{line_id}",
    response={200: QuoteOut, **ERRORS},
    tags=["quotes"],
    summary="Remove a line from a draft quote",
    operation_id="quote_line_remove",
)
def quote_line_remove(request, response: HttpResponse, id: int, line_id: int):
    quote = quotes.quote_get(request.user, id)
    version = expected_version(request, None, quote.version)
    quotes.quote_line_remove(actor=request.user, quote=quote, line=line_id, version=version)
    return _answer(request, response, id)


class VersionIn(Input):
    version: int | None = None


class DecisionIn(Input):
    comment: str = Field("", max_length=2000)


class SendIn(Input):
    to: str | None = Field(None, max_length=254, description="Default: the contact's email")
    message: str = Field("", max_length=5000)
    version: int | None = None


class RejectIn(Input):
    reason: str = Field("", max_length=300)
    version: int | None = None


def _transition(name: str, service, summary: str, doc: str) -> None:
    def handler(request, response: HttpResponse, id: int, payload: VersionIn):
        quote = quotes.quote_get(request.user, id)
        version = expected_version(request, payload.version, quote.version)
        result = service(actor=request.user, quote=quote, version=version)
        return _answer(request, response, result.pk)

    handler.__doc__ = doc
    router.post(
        f"/quotes/{{id}}/{name}",
        response={200: QuoteOut, **ERRORS},
        tags=["quotes"],
        summary=summary,
        operation_id=f"quote_{name.replace('-', '_')}",
    )(handler)


_transition(
    "submit",
    quotes.quote_submit,
    "Submit a draft quote",
    "Approved at once, or `pending` while the approvers the rules name decide (locked).",
)
_transition("withdraw", quotes.quote_withdraw, "Withdraw a pending quote", "Back to draft.")
_transition(
    "mark-sent",
    quotes.quote_mark_sent,
    "Record that an approved quote reached the customer another way",
    "Printed, by WeChat, the PDF sent by hand: the quote becomes `sent` (emits `quote.sent` "
    "without `to`), so the customer's answer can be recorded.",
)
_transition(
    "accept",
    quotes.quote_accept,
    "Record that the customer accepted a sent quote",
    "Emits `quote.accepted`.",
)
_transition(
    "revise",
    quotes.quote_revise,
    "Make a new revision",
    "A new draft with the same number and lines; answers the new revision.",
)


@router.post(
    "/quotes/{id}/decline",
    response={200: QuoteOut, **ERRORS},
    tags=["quotes"],
    summary="Record that the customer turned a sent quote down",
    operation_id="quote_decline",
)
def quote_decline(request, response: HttpResponse, id: int, payload: RejectIn):
    quote = quotes.quote_get(request.user, id)
    version = expected_version(request, payload.version, quote.version)
    quotes.quote_reject(actor=request.user, quote=quote, reason=payload.reason, version=version)
    return _answer(request, response, id)


def _decide(approve: bool):
    def handler(request, response: HttpResponse, id: int, payload: DecisionIn):
        quote = quotes.quote_get(request.user, id)
        quotes.quote_decide(
            actor=request.user, quote=quote, approve=approve, comment=payload.comment
        )
        return _answer(request, response, id)

    return handler


router.post(
    "/quotes/{id}/approve",
    response={200: QuoteOut, **ERRORS},
    tags=["quotes"],
    summary="Approve a pending quote (its approvers only)",
    operation_id="quote_approve",
)(_decide(True))
router.post(
    "/quotes/{id}/reject",
    response={200: QuoteOut, **ERRORS},
    tags=["quotes"],
    summary="Reject a pending quote with a comment (its approvers only); back to draft",
    operation_id="quote_reject",
)(_decide(False))


@router.post(
    "/quotes/{id}/send",
    response={200: QuoteOut, **ERRORS},
    tags=["quotes"],
    summary="Email an approved quote's PDF",
    operation_id="quote_send",
)
def quote_send(request, response: HttpResponse, id: int, payload: SendIn):
    """Through the configured SMTP server; recorded as `quote.sent` on the timeline."""
    quote = quotes.quote_get(request.user, id)
    version = expected_version(request, payload.version, quote.version)
    quotes.quote_send(
        actor=request.user, quote=quote, to=payload.to, message=payload.message, version=version
    )
    return _answer(request, response, id)


@router.get(
    "/quotes/{id}/pdf",
    response={200: None, 404: ErrorOut},
    tags=["quotes"],
    summary="The quote as a PDF",
    operation_id="quote_pdf",
)
def quote_pdf_get(request, id: int):
    quote = quotes.quote_get(request.user, id)
    response = HttpResponse(quote_pdf(quote), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{quotes.pdf_filename(quote)}"'
    return response


# --- Approvals -------------------------------------------------------------------------------


class ApprovalOut(Schema):
    id: int
    object_type: str
    object_id: int
    object_repr: str
    status: str
    reasons: list[dict[str, str]]
    requested_by: Ref
    decided_by: Ref | None
    decided_at: datetime | None
    comment: str
    created_at: datetime


def dump_approval(r) -> dict:
    return {
        **_fields(
            r,
            (
                "id",
                "object_type",
                "object_id",
                "object_repr",
                "status",
                "reasons",
                "decided_at",
                "comment",
                "created_at",
            ),
        ),
        "requested_by": user_ref(r.requested_by),
        "decided_by": user_ref(r.decided_by),
    }


@router.get(
    "/approvals/waiting",
    response=list[ApprovalOut],
    tags=["approvals"],
    summary="Requests waiting for my decision",
    operation_id="approval_waiting",
)
def approval_waiting(request):
    return [dump_approval(r) for r in approvals.waiting_for(request.user)]


class DecideIn(Input):
    approve: bool
    comment: str = Field("", max_length=2000)


@router.post(
    "/approvals/{id}/decide",
    response={200: ApprovalOut, **ERRORS},
    tags=["approvals"],
    summary="Approve or reject a request (its approvers only; a rejection needs a comment)",
    operation_id="approval_decide",
)
def approval_decide(request, id: int, payload: DecideIn):
    req = approvals.request_get(request.user, id)
    approvals.decide(
        actor=request.user, request=req, approve=payload.approve, comment=payload.comment
    )
    return dump_approval(approvals.request_get(request.user, id))


class RuleIn(Input):
    name: str | None = Field(None, min_length=1, max_length=100)
    object_type: str | None = Field(None, max_length=32, description="e.g. `quote`")
    field: str | None = Field(
        None, max_length=32, description="For quotes: `discount_percent` or `total`"
    )
    threshold: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    approver_kind: str | None = Field(None, description="`team_manager` or `role`")
    approver_role: str | None = Field(None, max_length=64)
    position: int | None = Field(None, ge=0, le=100000)
    is_active: bool | None = None
    version: int | None = None


class RuleOut(Schema):
    id: int
    name: str
    object_type: str
    field: str
    threshold: Decimal
    approver_kind: str
    approver_role: str
    position: int
    is_active: bool
    version: int


@router.get(
    "/approval-rules",
    response={200: list[RuleOut], 403: ErrorOut},
    tags=["approvals"],
    summary="List approval rules (administrators)",
    operation_id="approval_rule_list",
)
def approval_rule_list(request):
    return approvals.rule_list(request.user)


@router.post(
    "/approval-rules",
    response={201: RuleOut, **ERRORS},
    tags=["approvals"],
    summary="Create an approval rule (administrators)",
    operation_id="approval_rule_create",
)
def approval_rule_create(request, payload: RuleIn):
    data = payload.dict(exclude_unset=True)
    data.pop("version", None)
    return 201, approvals.rule_save(actor=request.user, data=data)


@router.patch(
    "/approval-rules/{id}",
    response={200: RuleOut, **ERRORS},
    tags=["approvals"],
    summary="Update an approval rule (administrators)",
    operation_id="approval_rule_update",
)
def approval_rule_update(request, id: int, payload: RuleIn):
    rule = approvals.rule_get(request.user, id)
    data = payload.dict(exclude_unset=True)
    version = expected_version(request, data.pop("version", None), rule.version)
    return approvals.rule_save(actor=request.user, data=data, rule=rule, version=version)


@router.delete(
    "/approval-rules/{id}",
    response={204: None, **ERRORS},
    tags=["approvals"],
    summary="Delete an approval rule (administrators)",
    operation_id="approval_rule_delete",
)
def approval_rule_delete(request, id: int):
    approvals.rule_delete(actor=request.user, rule=approvals.rule_get(request.user, id))
    return 204, None
