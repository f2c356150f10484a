"""Orders: what a customer bought — made from an accepted quote or entered by hand.

An order moves draft → confirmed → shipped → completed, and can be cancelled (with a reason)
until it is completed. Only a draft changes: its terms and its lines, which are priced and
edited like a quote's (``sales.lines``). Confirming books the sale: the order's deal is won
if it is still open, through the deal services, so the board's totals, the stage history and
the deal's events follow. Cancelling a confirmed order leaves the deal won; the
cancellation is told on the order's timeline.

An order made from a quote copies the accepted quote exactly — lines, prices, promotions,
discounts and totals — so the order reconciles with the quote to the cent. It keeps the
quote's pricing day: a line added to such a draft is priced as the quote would have priced
it. A quote becomes one order at most.

Numbers run per organisation and year: SO-2026-00001, SO-2026-00002 …

Every change emits its event (``order.created``, ``order.confirmed`` …): automation, the
timelines and the payments follow them. ``order.assigned`` is the moment to move an order's
instalments and receipts to the new owner.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from guanxi.core import access, events
from guanxi.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from guanxi.core.filters import ID, OWNER, apply_filters, check_sort, parse_id
from guanxi.core.models import Event
from guanxi.core.normalize import clean_text
from guanxi.core.pagination import Page, paginate
from guanxi.core.records import (
    apply,
    assign_owner,
    choose_owner,
    lock,
    next_number,
    reject_unknown,
    resolve,
    stamp,
    validate,
)
from guanxi.core.search import search
from guanxi.core.selectors import with_included
from guanxi.customers.models import Account, Contact
from guanxi.sales import lines, pricing
from guanxi.sales.models import (
    Opportunity,
    OpportunityStatus,
    Order,
    OrderLine,
    OrderStatus,
    Quote,
    QuoteStatus,
    Stage,
    StageKind,
)
from guanxi.sales.quotes import QUOTE_LINES

ORDER_FIELDS = (
    "contact",
    "currency",
    "channel",
    "order_date",
    "delivery_date",
    "shipping_address",
    "discount_percent",
    "notes",
)
ORDER_CREATE_FIELDS = ("opportunity", "account", *ORDER_FIELDS)
LINE_FIELDS = lines.LINE_FIELDS
ORDER_SORTS = ("-updated_at", "-order_date", "-created_at", "number")
ORDER_FILTERS = {
    "owner": OWNER,
    "status": OrderStatus,
    "account": ID,
    "opportunity": ID,
    "quote": ID,
}
DATE_FILTERS = ("date_from", "date_to")
ORDER_LINES = lines.Lines(OrderLine, "order")
# Statuses an order can be cancelled from.
CANCELLABLE = (OrderStatus.DRAFT, OrderStatus.CONFIRMED, OrderStatus.SHIPPED)


def order_url(order: Order) -> str:
    return reverse("sales:order_detail", args=[order.pk])


def _require_draft(order: Order) -> None:
    if order.status != OrderStatus.DRAFT:
        raise InvalidTransition(_("Only a draft order can be changed."))


def pricing_day(order: Order) -> date:
    """The day prices and promotions are looked up for: the quote's date for an order made
    from a quote (the terms the customer accepted), else the order's date."""
    if order.quote_id:
        day = Quote.objects.filter(pk=order.quote_id).values_list("quote_date", flat=True).first()
        if day is not None:
            return day
    return order.order_date


def recalculate(order: Order) -> pricing.Totals:
    """Work out every line and the order's totals again (the order is locked)."""
    return lines.recalculate(ORDER_LINES, order, day=pricing_day(order))


# --- Creating and editing --------------------------------------------------------------------


def _prepare(actor, data: dict[str, Any], allowed) -> dict[str, Any]:
    data = dict(data)
    reject_unknown(data, allowed)
    for name in ("notes", "shipping_address"):
        if data.get(name) is not None:
            data[name] = str(data[name]).strip()
    if "contact" in data:
        data["contact"] = resolve(
            actor, Contact.objects.all(), "contact", data["contact"], "contact"
        )
    if "opportunity" in data:
        data["opportunity"] = resolve(
            actor,
            Opportunity.objects.select_related("account"),
            "opportunity",
            data["opportunity"],
            "opportunity",
        )
    if "account" in data:
        data["account"] = resolve(
            actor, Account.objects.all(), "account", data["account"], "account"
        )
    return data


def _check(order: Order) -> None:
    errors: dict[str, list[str]] = {}
    if order.delivery_date and order.delivery_date < order.order_date:
        errors["delivery_date"] = [_("The delivery cannot be before the order date.")]
    if order.contact_id and order.contact.account_id not in (None, order.account_id):
        errors["contact"] = [_("This contact works for another account.")]
    if errors:
        raise ValidationFailed(fields=errors)


def _shipping_address(account: Account) -> str:
    if account.shipping_address:
        return account.shipping_address
    return " ".join(p for p in (account.province, account.city, account.address) if p)


def _number(order: Order) -> str:
    return next_number(Order, order.organisation_id, f"SO-{order.order_date.year}-", 5)


def _created(actor, order: Order, data: dict[str, Any]) -> None:
    events.record(
        actor,
        "order.created",
        order,
        account_id=order.account_id,
        data={"number": order.number, "amount": order.total, "currency": order.currency} | data,
    )


@transaction.atomic
def order_create(*, actor, data: dict[str, Any], owner: Any = None) -> Order:
    """A new draft order for a deal (and its account) or for an account alone."""
    access.require_right(actor, "order", "create")
    data = _prepare(actor, data, ORDER_CREATE_FIELDS)
    deal, account = data.pop("opportunity", None), data.pop("account", None)
    if deal is not None:
        if account is not None and account.pk != deal.account_id:
            raise ValidationFailed.on("account", _("The deal is for another account."))
        account = deal.account
    if account is None:
        raise ValidationFailed.on("account", _("Choose the account (or the deal) ordering."))
    order = Order(
        owner=choose_owner(actor, owner),
        opportunity=deal,
        account=account,
        contact_id=deal.contact_id if deal else None,
        currency=deal.currency if deal else actor.organisation.currency,
        order_date=timezone.localdate(),
        shipping_address=_shipping_address(account),
    )
    apply(order, data)
    stamp(order, actor, creating=True)
    validate(order)
    _check(order)
    order.number = _number(order)
    order.save()
    _created(actor, order, {"opportunity": order.opportunity_id})
    return order


@transaction.atomic
def order_from_quote(*, actor, quote: Quote) -> Order:
    """The order for an accepted quote: its lines, prices, promotions, discounts and totals
    copied exactly, for the quote's deal and account. Refused for any other quote, and for
    a quote that already has its order."""
    access.require_right(actor, "order", "create")
    access.require_on(actor, quote, "quote", "read")
    quote = lock(Quote, quote.pk, None)
    if quote.status != QuoteStatus.ACCEPTED:
        raise InvalidTransition(_("Only a quote the customer accepted becomes an order."))
    if Quote.objects.filter(previous=quote).exists():
        raise InvalidTransition(_("A newer revision of this quote exists."))
    existing = Order.objects.filter(organisation_id=quote.organisation_id, quote=quote).first()
    if existing is not None:
        raise InvalidTransition(
            _("This quote already became the order %(number)s.") % {"number": existing.number}
        )
    account = quote.account
    order = Order(
        owner=quote.owner if quote.owner.is_active else actor,
        quote=quote,
        opportunity_id=quote.opportunity_id,
        account=account,
        contact_id=quote.contact_id,
        currency=quote.currency,
        channel=quote.channel,
        discount_percent=quote.discount_percent,
        notes=quote.notes,
        order_date=timezone.localdate(),
        shipping_address=_shipping_address(account),
    )
    lines.copy_totals(quote, order)
    stamp(order, actor, creating=True)
    order.number = _number(order)
    order.save()
    lines.copy_lines(QUOTE_LINES, quote, ORDER_LINES, order, actor=actor)
    _created(
        actor,
        order,
        {"opportunity": order.opportunity_id, "quote": quote.pk, "quote_number": str(quote)},
    )
    return order


@transaction.atomic
def order_update(*, actor, order: Order, data: dict[str, Any], version: int | None = None) -> Order:
    """Change a draft's terms; prices and totals are worked out again."""
    access.require_on(actor, order, "order", "update")
    data = _prepare(actor, data, ORDER_FIELDS)
    order = lock(Order, order.pk, version)
    _require_draft(order)
    changes = apply(order, data)
    if not changes:
        return order
    validate(order)
    _check(order)
    if {"currency", "channel"} & set(changes) or ("order_date" in changes and not order.quote_id):
        lines.reprice(ORDER_LINES, order, day=pricing_day(order))
    recalculate(order)
    stamp(order, actor)
    order.save()
    events.record(actor, "order.updated", order, account_id=order.account_id, changes=changes)
    return order


def _touch(actor, order: Order, verb: str, data: dict[str, Any]) -> Order:
    recalculate(order)
    stamp(order, actor)
    order.save()
    events.record(actor, verb, order, account_id=order.account_id, data=data)
    return order


@transaction.atomic
def order_line_add(
    *,
    actor,
    order: Order,
    product: Any,
    quantity: Any,
    discount_percent: Any = None,
    version: int | None = None,
) -> OrderLine:
    """Add a product to a draft at its price-list price (promotions apply by themselves)."""
    access.require_on(actor, order, "order", "update")
    product = lines.sellable_product(actor, product)
    order = lock(Order, order.pk, version)
    _require_draft(order)
    line = lines.add_line(
        ORDER_LINES,
        order,
        actor=actor,
        product=product,
        quantity=quantity,
        discount_percent=discount_percent,
        day=pricing_day(order),
    )
    _touch(actor, order, "order.line_added", {"product": product.pk, "quantity": line.quantity})
    return line


@transaction.atomic
def order_line_update(
    *, actor, order: Order, line: Any, data: dict[str, Any], version: int | None = None
) -> OrderLine:
    """Change a line's quantity or its own discount."""
    access.require_on(actor, order, "order", "update")
    order = lock(Order, order.pk, version)
    _require_draft(order)
    line = lines.line_of(ORDER_LINES, order, line)
    if lines.update_line(line, actor=actor, data=data):
        _touch(actor, order, "order.line_changed", {"line": line.pk, "product": line.product_id})
    return line


@transaction.atomic
def order_line_remove(*, actor, order: Order, line: Any, version: int | None = None) -> None:
    access.require_on(actor, order, "order", "update")
    order = lock(Order, order.pk, version)
    _require_draft(order)
    line = lines.line_of(ORDER_LINES, order, line)
    product_id = line.product_id
    line.delete()
    _touch(actor, order, "order.line_removed", {"product": product_id})


@transaction.atomic
def order_delete(*, actor, order: Order, version: int | None = None) -> None:
    """Delete a draft order (a confirmed one is cancelled instead, and stays on record)."""
    access.require_on(actor, order, "order", "delete")
    order = lock(Order, order.pk, version)
    if order.status != OrderStatus.DRAFT:
        raise InvalidTransition(_("Only a draft order can be deleted: cancel it instead."))
    pk, number, account_id = order.pk, order.number, order.account_id
    order.delete()
    events.record(
        actor,
        "order.deleted",
        None,
        object_type="order",
        account_id=account_id,
        organisation_id=actor.organisation_id,
        data={"id": pk, "number": number},
    )


@transaction.atomic
def order_assign(*, actor, order: Order, owner: Any, version: int | None = None) -> Order:
    """Hand an order to another owner (emits ``order.assigned``)."""
    return assign_owner(actor, order, "order", owner, version)


# --- The way of an order ---------------------------------------------------------------------


def _set_status(actor, order: Order, status: str, verb: str, data: dict | None = None) -> Order:
    old = order.status
    order.status = status
    stamp(order, actor)
    order.save()
    events.record(
        actor,
        verb,
        order,
        account_id=order.account_id,
        changes={"status": (old, status)},
        data={"number": order.number, "amount": order.total, "currency": order.currency}
        | (data or {}),
    )
    return order


def _win_deal(actor, order: Order) -> bool:
    """Win the order's deal if it is open, as the deal services do; True if it was won."""
    from guanxi.sales.services import opportunity_move

    if order.opportunity_id is None:
        return False
    deal = Opportunity.objects.get(pk=order.opportunity_id)
    if deal.status != OpportunityStatus.OPEN:
        return False
    won = (
        Stage.objects.filter(pipeline_id=deal.pipeline_id, kind=StageKind.WON)
        .order_by("position", "id")
        .first()
    )
    if won is None:
        return False
    try:
        access.require_on(actor, deal, "opportunity", "update")
    except (NotFound, PermissionDenied):
        raise InvalidTransition(
            _(
                "Confirming this order wins its deal, which you may not change: ask the "
                "deal's owner or their manager to confirm it."
            )
        ) from None
    opportunity_move(actor=actor, opportunity=deal, stage=won)
    return True


@transaction.atomic
def order_confirm(*, actor, order: Order, version: int | None = None) -> Order:
    """Book the order (emits ``order.confirmed``); its deal is won if it is still open."""
    access.require_on(actor, order, "order", "update")
    order = lock(Order, order.pk, version)
    if order.status != OrderStatus.DRAFT:
        raise InvalidTransition(_("Only a draft order can be confirmed."))
    if not ORDER_LINES.of(order).exists():
        raise ValidationFailed.on("non_field", _("Add at least one line first."))
    order.confirmed_at = timezone.now()
    won = _win_deal(actor, order)
    return _set_status(
        actor,
        order,
        OrderStatus.CONFIRMED,
        "order.confirmed",
        {"deal_won": order.opportunity_id} if won else {},
    )


@transaction.atomic
def order_ship(*, actor, order: Order, version: int | None = None) -> Order:
    """The goods left (emits ``order.shipped``)."""
    access.require_on(actor, order, "order", "update")
    order = lock(Order, order.pk, version)
    if order.status != OrderStatus.CONFIRMED:
        raise InvalidTransition(_("Only a confirmed order can be shipped."))
    order.shipped_at = timezone.now()
    return _set_status(actor, order, OrderStatus.SHIPPED, "order.shipped")


@transaction.atomic
def order_complete(*, actor, order: Order, version: int | None = None) -> Order:
    """The customer has everything (emits ``order.completed``)."""
    access.require_on(actor, order, "order", "update")
    order = lock(Order, order.pk, version)
    if order.status != OrderStatus.SHIPPED:
        raise InvalidTransition(_("Only a shipped order can be completed."))
    order.completed_at = timezone.now()
    return _set_status(actor, order, OrderStatus.COMPLETED, "order.completed")


@transaction.atomic
def order_cancel(*, actor, order: Order, reason: str = "", version: int | None = None) -> Order:
    """Cancel an order that is not completed, saying why (emits ``order.cancelled``).

    A deal won by confirming the order stays won; the event notes it. An order with
    payments recorded against it is not cancelled: the receipts are voided first.
    """
    access.require_on(actor, order, "order", "update")
    reason = clean_text(reason or "")[:300]
    order = lock(Order, order.pk, version)
    if order.status not in CANCELLABLE:
        raise InvalidTransition(_("A completed or cancelled order cannot be cancelled."))
    if not reason:
        raise ValidationFailed.on("reason", _("Say why the order is cancelled."))
    if order.paid_total > 0:
        raise InvalidTransition(
            _("Payments are recorded against this order: void them before cancelling it.")
        )
    data: dict[str, Any] = {"reason": reason}
    if order.status != OrderStatus.DRAFT and order.opportunity_id:
        status = (
            Opportunity.objects.filter(pk=order.opportunity_id)
            .values_list("status", flat=True)
            .first()
        )
        if status == OpportunityStatus.WON:
            data["deal_stays_won"] = order.opportunity_id
    order.cancelled_at = timezone.now()
    order.cancel_reason = reason
    return _set_status(actor, order, OrderStatus.CANCELLED, "order.cancelled", data)


# --- Reads -----------------------------------------------------------------------------------


_LINES = models.Prefetch("lines", queryset=OrderLine.objects.select_related("product"))


def _with_lines(qs: models.QuerySet[Order]) -> models.QuerySet[Order]:
    return qs.prefetch_related(_LINES)


def _dates(filters: dict[str, Any]) -> dict[str, date]:
    out, errors = {}, {}
    for name in DATE_FILTERS:
        value = filters.pop(name, None)
        if value in (None, ""):
            continue
        try:
            day = value if isinstance(value, date) else parse_date(str(value)[:10])
        except ValueError:  # well-formed but no such day: 2026-02-30
            day = None
        if day is None:
            errors[name] = [_("Enter a valid date.")]
        else:
            out[name] = day
    if errors:
        raise ValidationFailed(fields=errors)
    return out


def _search(actor, qs: models.QuerySet[Order], q: str) -> models.QuerySet[Order]:
    """By number (``SO-2026-00012``, or the digits ``12``), else by the account's name."""
    text = q.strip()
    if text.replace("-", "").upper().removeprefix("SO").isdigit():
        return qs.filter(number__icontains=text)
    accounts = search(Account.objects.filter(organisation_id=actor.organisation_id), text)
    return qs.filter(account_id__in=accounts.values("id"))


def order_queryset(actor, *, filters=None, q: str | None = None) -> models.QuerySet[Order]:
    qs = access.scoped(actor, Order.objects.select_related("owner", "account"), "order")
    filters = dict(filters or {})
    days = _dates(filters)
    qs = apply_filters(qs, actor, filters, ORDER_FILTERS)
    if "date_from" in days:
        qs = qs.filter(order_date__gte=days["date_from"])
    if "date_to" in days:
        qs = qs.filter(order_date__lte=days["date_to"])
    if q:
        qs = _search(actor, qs, q)
    return qs


def order_list(
    actor,
    *,
    filters=None,
    sort: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
    q: str | None = None,
) -> Page:
    """A page of orders (without their lines: ``with_lines`` reads them for a page)."""
    sort = check_sort(sort, ORDER_SORTS)
    qs = order_queryset(actor, filters=filters, q=q)
    return paginate(qs, sort=sort, cursor=cursor, limit=limit)


def with_lines(items: list[Order]) -> list[Order]:
    """Read the lines (and their products) of a page of orders in one query."""
    models.prefetch_related_objects(items, _LINES)
    return items


def order_get(actor, pk: Any) -> Order:
    base = _with_lines(
        Order.objects.select_related(
            "owner", "account", "opportunity", "contact", "quote", "organisation"
        )
    )
    return access.get_visible(actor, base, "order", pk)


def order_lines(order: Order) -> list[OrderLine]:
    """The lines of an order the caller has read through ``order_get``."""
    return list(order.lines.all())


def order_for_quote(actor, quote: Quote) -> Order | None:
    """The order made from ``quote``, if the actor may see it."""
    return (
        access.scoped(actor, Order.objects.only("id", "number", "status", "quote_id"), "order")
        .filter(quote=quote)
        .first()
    )


def deal_orders(actor, deal: Opportunity, limit: int = 50) -> list[Order]:
    return list(
        access.scoped(actor, Order.objects.all(), "order")
        .filter(opportunity=deal)
        .order_by("-id")[:limit]
    )


def account_orders(actor, account: Account, limit: int = 10) -> list[Order]:
    return list(
        access.scoped(actor, Order.objects.all(), "order")
        .filter(account=account)
        .order_by("-order_date", "-id")[:limit]
    )


def order_events(actor, order: Order, limit: int = 50) -> list[Event]:
    """What happened to an order the actor can see, newest first."""
    return list(
        Event.objects.filter(
            organisation_id=order.organisation_id, object_type="order", object_id=order.pk
        )
        .select_related("actor")
        .order_by("-id")[:limit]
    )


def order_choices(actor, *, account: Any = None, include: Any = None, limit: int = 50) -> list:
    """Orders to offer in a drop-down (those of ``account`` when given), plus ``include``."""
    qs = access.scoped(actor, Order.objects.all(), "order").exclude(status=OrderStatus.CANCELLED)
    if parse_id(account) is not None:
        qs = qs.filter(account_id=parse_id(account))
    rows = list(qs.order_by("-id").only("id", "number")[:limit])
    return with_included(rows, include, access.scoped(actor, Order.objects.all(), "order"))
