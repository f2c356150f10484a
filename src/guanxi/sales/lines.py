"""Priced documents — quotes and orders — and their product lines.

A document carries the customer (``account``), the ``channel``, the ``currency`` and a
discount on the whole document (``discount_percent``); its lines (``PricedLine``) carry the
product, the quantity, the unit price and the line's own discount. This module looks a
product's price up for a document, finds the promotions in force on a day, works every line
and the totals out again (``sales.pricing`` does the arithmetic) and adds, changes, removes
and copies lines. The services of each document (``sales.quotes``, ``sales.orders``) check
the rights, lock the document, refuse changes outside a draft and record the events.

The pricing day is the quote's date for a quote; for an order see ``sales.orders``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Max
from django.utils.translation import gettext as _

from guanxi.core.errors import NotFound, ValidationFailed
from guanxi.core.models import Organisation
from guanxi.core.records import apply, reject_unknown, resolve, stamp, validate
from guanxi.sales import pricing
from guanxi.sales.catalogue import currency_rates
from guanxi.sales.models import PricedLine, PriceList, PriceListItem, Product, Promotion

LINE_FIELDS = ("quantity", "discount_percent")
# What ``recalculate`` writes on each line.
COMPUTED = ("gross", "promotion_discount", "promotions", "manual_discount", "net", "tax", "total")
# What a copied line keeps: the price as offered and every figure worked out from it.
COPIED = (
    "position",
    "product_id",
    "description",
    "unit",
    "quantity",
    "unit_price",
    "price_source",
    "discount_percent",
    "tax_rate",
    *COMPUTED,
)
TOTALS = ("gross", "discount_total", "net_total", "tax_total", "total")


@dataclass(frozen=True)
class Lines:
    """Where a document's lines live: their model and its foreign key to the document."""

    model: type[PricedLine]
    parent: str

    def of(self, doc) -> models.QuerySet:
        return self.model.objects.filter(**{self.parent: doc})


# --- Prices and promotions -------------------------------------------------------------------


def price_candidates(organisation_id: int, product_ids) -> dict[int, list]:
    """Every active price list's price for each product, to choose from per document."""
    rows = (
        PriceListItem.objects.filter(
            organisation_id=organisation_id,
            product_id__in=list(product_ids),
            price_list__is_active=True,
        )
        .select_related("price_list")
        .order_by("id")
    )
    out: dict[int, list[pricing.PriceCandidate]] = {}
    for item in rows:
        pl = item.price_list
        out.setdefault(item.product_id, []).append(
            pricing.PriceCandidate(
                list_id=pl.pk,
                list_name=pl.name,
                unit_price=item.unit_price,
                currency=pl.currency,
                channel=pl.channel,
                region=pl.region,
                grade=pl.grade,
                valid_from=pl.valid_from,
                valid_until=pl.valid_until,
            )
        )
    return out


def resolve_price(doc, product: Product, candidates, *, day: date) -> tuple[Decimal, str]:
    """The unit price of ``product`` on ``doc`` in the document's currency, and where from."""
    account = doc.account
    best = pricing.best_price(
        candidates, channel=doc.channel, region=account.region, grade=account.grade, day=day
    )
    if best is not None:
        price, currency, source = best.unit_price, best.currency, best.list_name
    else:
        price, currency, source = product.list_price, product.currency, _("List price")
    org = Organisation.objects.only("currency").get(pk=doc.organisation_id)
    try:
        converted = pricing.convert(
            price, currency, doc.currency, currency_rates(doc.organisation_id), org.currency
        )
    except pricing.MissingRate as exc:
        raise ValidationFailed.on(
            "product",
            _("There is no exchange rate for %(currency)s: an administrator sets it.")
            % {"currency": exc.currency},
        ) from None
    if currency != doc.currency:
        source = f"{source} ({currency} {price})"
    return converted, source[:120]


def best_price_list(doc, *, day: date) -> PriceList | None:
    """The most specific price list valid on ``day`` for the document's customer."""
    lists = PriceList.objects.filter(organisation_id=doc.organisation_id, is_active=True)
    best, best_score = None, -1
    for pl in lists.order_by("id"):
        if not pricing.valid_on(pl.valid_from, pl.valid_until, day):
            continue
        cand = pricing.PriceCandidate(
            pl.pk, pl.name, Decimal("0"), pl.currency, pl.channel, pl.region, pl.grade
        )
        score = pricing.applies_to(
            cand, channel=doc.channel, region=doc.account.region, grade=doc.account.grade
        )
        if score is not None and score > best_score:
            best, best_score = pl, score
    return best


def promotion_rules(organisation_id: int, day: date) -> list[tuple[Promotion, Any]]:
    """The active promotions valid on ``day``, each with its rule for ``sales.pricing``."""
    promos = Promotion.objects.filter(organisation_id=organisation_id, is_active=True)
    promos = promos.filter(
        models.Q(valid_from__isnull=True) | models.Q(valid_from__lte=day),
        models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=day),
    )
    out = []
    for p in promos:
        rule = pricing.PromotionRule(
            id=p.pk,
            name=p.name,
            kind=p.kind,
            value=p.value,
            buy_quantity=p.buy_quantity,
            free_quantity=p.free_quantity,
            tiers=tuple(
                (Decimal(t["min_quantity"]), Decimal(t["percent"])) for t in (p.tiers or [])
            ),
            stackable=p.stackable,
            priority=p.priority,
        )
        out.append((p, rule))
    return out


def _applies(promo: Promotion, product: Product) -> bool:
    if promo.product_id is not None and promo.product_id != product.pk:
        return False
    return not promo.category or promo.category == product.category


def recalculate(lines: Lines, doc, *, day: date) -> pricing.Totals:
    """Work out every line and the document's totals again; the lines are stored, the
    document's totals set (the caller saves it, inside its transaction)."""
    rows = list(lines.of(doc).select_related("product"))
    promos = promotion_rules(doc.organisation_id, day)
    inputs = [
        pricing.LineInput(
            quantity=line.quantity,
            unit_price=line.unit_price,
            tax_rate=line.tax_rate,
            discount_percent=line.discount_percent,
            promotions=tuple(rule for promo, rule in promos if _applies(promo, line.product)),
        )
        for line in rows
    ]
    totals = pricing.quote_totals(inputs, doc.discount_percent)
    for line, result in zip(rows, totals.lines, strict=True):
        line.gross = result.gross
        line.promotion_discount = result.promotion_discount
        line.promotions = list(result.promotions)
        line.manual_discount = result.manual_discount
        line.net = result.net
        line.tax = result.tax
        line.total = result.total
    lines.model.objects.bulk_update(rows, list(COMPUTED))
    doc.gross = totals.gross
    doc.discount_total = totals.discount_total
    doc.net_total = totals.net
    doc.tax_total = totals.tax
    doc.total = totals.total
    return totals


def reprice(lines: Lines, doc, *, day: date) -> None:
    """Look every line's unit price up again (the currency, channel or day changed)."""
    rows = list(lines.of(doc).select_related("product"))
    candidates = price_candidates(doc.organisation_id, {line.product_id for line in rows})
    for line in rows:
        line.unit_price, line.price_source = resolve_price(
            doc, line.product, candidates.get(line.product_id, []), day=day
        )
    lines.model.objects.bulk_update(rows, ["unit_price", "price_source"])


# --- Lines -----------------------------------------------------------------------------------


def sellable_product(actor, product: Any) -> Product:
    """The product to put on a line: one the actor can see and that is still sold."""
    product = resolve(actor, Product.objects.all(), "product", product, "product")
    if product is None:
        raise ValidationFailed.on("product", _("Select a product."))
    if not product.is_active:
        raise ValidationFailed.on("product", _("This product is no longer sold."))
    return product


def add_line(
    lines: Lines, doc, *, actor, product: Product, quantity: Any, discount_percent: Any, day: date
) -> PricedLine:
    """A new last line for ``product`` at the document's price (promotions come with
    ``recalculate``)."""
    candidates = price_candidates(doc.organisation_id, [product.pk]).get(product.pk, [])
    unit_price, source = resolve_price(doc, product, candidates, day=day)
    position = (lines.of(doc).aggregate(m=Max("position"))["m"] or 0) + 1
    line = lines.model(
        **{lines.parent: doc},
        product=product,
        position=position,
        description=product.name,
        unit=product.unit,
        unit_price=unit_price,
        price_source=source,
        tax_rate=product.tax_rate,
    )
    values = {"quantity": quantity}
    if discount_percent not in (None, ""):
        values["discount_percent"] = discount_percent
    apply(line, values)
    stamp(line, actor, creating=True)
    validate(line)
    line.save()
    return line


def line_of(lines: Lines, doc, line: Any) -> PricedLine:
    """One of the document's lines, by instance or id; NotFound otherwise."""
    pk = line.pk if isinstance(line, lines.model) else line
    found = lines.of(doc).filter(pk=pk).first() if str(pk).isdigit() else None
    if found is None:
        raise NotFound()
    return found


def update_line(line: PricedLine, *, actor, data: dict[str, Any]) -> dict:
    """Change a line's quantity or its own discount; returns what changed (saved if any)."""
    data = dict(data)
    reject_unknown(data, LINE_FIELDS)
    changes = apply(line, data)
    validate(line)
    if changes:
        stamp(line, actor)
        line.save()
    return changes


def copy_lines(source: Lines, src, target: Lines, dst, *, actor) -> list[PricedLine]:
    """Copy ``src``'s lines onto ``dst`` exactly: prices, discounts, promotions and figures."""
    rows = source.of(src).order_by("position", "id")
    copies = []
    for line in rows:
        copy = target.model(**{target.parent: dst}, **{f: getattr(line, f) for f in COPIED})
        stamp(copy, actor, creating=True)
        copies.append(copy)
    return target.model.objects.bulk_create(copies)


def copy_totals(src, dst) -> None:
    for name in TOTALS:
        setattr(dst, name, getattr(src, name))
