"""Writes and reads for what is sold: products, price lists and their prices, promotions and
exchange rates. Everyone may read them (``product`` / ``price_list`` read rights); the rights
to change them are an administrator's by default.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from guanxi.core import access, events
from guanxi.core.errors import ValidationFailed
from guanxi.core.filters import check_sort
from guanxi.core.normalize import clean_text
from guanxi.core.pagination import Page, paginate
from guanxi.core.records import apply, lock, reject_unknown, resolve, stamp, validate
from guanxi.sales.models import (
    CurrencyRate,
    PriceList,
    PriceListItem,
    Product,
    Promotion,
    PromotionKind,
)

PRODUCT_FIELDS = (
    "sku",
    "name",
    "category",
    "unit",
    "list_price",
    "currency",
    "tax_rate",
    "description",
    "is_active",
)
PRODUCT_SORTS = ("name", "sku", "-updated_at")
PRICE_LIST_FIELDS = (
    "name",
    "currency",
    "channel",
    "region",
    "grade",
    "valid_from",
    "valid_until",
    "is_active",
)
PROMOTION_FIELDS = (
    "name",
    "kind",
    "value",
    "buy_quantity",
    "free_quantity",
    "tiers",
    "product",
    "category",
    "valid_from",
    "valid_until",
    "stackable",
    "priority",
    "is_active",
)


def _clean_texts(data: dict[str, Any], names: tuple[str, ...]) -> None:
    for name in names:
        if name in data and data[name] is not None:
            data[name] = clean_text(data[name])


def _check_period(obj) -> None:
    if obj.valid_from and obj.valid_until and obj.valid_until < obj.valid_from:
        raise ValidationFailed.on("valid_until", _("The end comes before the start."))


def _save(actor, obj_type: str, obj, data: dict[str, Any], creating: bool, check=None):
    """Apply, validate, save and record one catalogue row (the caller holds the transaction)."""
    changes = apply(obj, data)
    if not creating and not changes:
        return obj
    stamp(obj, actor, creating=creating)
    validate(obj, exclude=["organisation"])
    if check is not None:
        check(obj)
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        raise ValidationFailed.on(
            "sku" if obj_type == "product" else "non_field", _("This value is already in use.")
        ) from None
    events.record(
        actor,
        f"{obj_type}.{'created' if creating else 'updated'}",
        obj,
        changes=changes,
    )
    return obj


def _delete(actor, obj, obj_type: str, right: str, version: int | None, check=None) -> None:
    """Delete one catalogue row through the actor's ``delete`` right, with its event."""
    access.require_on(actor, obj, right, "delete")
    obj = lock(type(obj), obj.pk, version)
    if check is not None:
        check(obj)
    pk, name = obj.pk, str(obj)
    obj.delete()
    events.record(
        actor,
        f"{obj_type}.deleted",
        None,
        object_type=obj_type,
        organisation_id=actor.organisation_id,
        data={"id": pk, "name": name},
    )


# --- Products --------------------------------------------------------------------------------


@transaction.atomic
def product_create(*, actor, data: dict[str, Any], owner: Any = None) -> Product:
    access.require_right(actor, "product", "create")
    data = dict(data)
    reject_unknown(data, PRODUCT_FIELDS)
    _clean_texts(data, ("sku", "name", "category", "unit"))
    return _save(actor, "product", Product(), data, creating=True)


@transaction.atomic
def product_update(
    *, actor, product: Product, data: dict[str, Any], version: int | None = None
) -> Product:
    access.require_on(actor, product, "product", "update")
    data = dict(data)
    reject_unknown(data, PRODUCT_FIELDS)
    _clean_texts(data, ("sku", "name", "category", "unit"))
    return _save(actor, "product", lock(Product, product.pk, version), data, creating=False)


@transaction.atomic
def product_delete(*, actor, product: Product, version: int | None = None) -> None:
    """Delete a product no quote uses; one that is used can be made inactive instead."""
    from guanxi.sales.models import QuoteLine

    def unused(obj: Product) -> None:
        if QuoteLine.objects.filter(product=obj).exists():
            raise ValidationFailed.on(
                "non_field", _("Quotes use this product: make it inactive instead.")
            )

    _delete(actor, product, "product", "product", version, unused)


def product_queryset(actor, *, q: str | None = None, filters=None) -> models.QuerySet[Product]:
    qs = access.scoped(actor, Product.objects.all(), "product")
    filters = filters or {}
    # Typed text is compared as the services store it (clean_text: no NUL, which
    # PostgreSQL refuses in a parameter, and full-width letters folded).
    category = clean_text(filters.get("category"))
    if category:
        qs = qs.filter(category=category)
    if filters.get("active") in ("true", "1", True):
        qs = qs.filter(is_active=True)
    q = clean_text(q)
    if q:
        qs = qs.filter(models.Q(name__icontains=q) | models.Q(sku__icontains=q))
    return qs


def product_list(
    actor,
    *,
    q: str | None = None,
    filters=None,
    sort: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    sort = check_sort(sort, PRODUCT_SORTS, default="name")
    return paginate(
        product_queryset(actor, q=q, filters=filters), sort=sort, cursor=cursor, limit=limit
    )


def product_get(actor, pk: Any) -> Product:
    return access.get_visible(actor, Product.objects.all(), "product", pk)


def product_choices(actor, *, q: str | None = None, limit: int = 50) -> list[Product]:
    qs = product_queryset(actor, q=q, filters={"active": True})
    return list(qs.order_by("name", "id")[:limit])


# --- Price lists -----------------------------------------------------------------------------


@transaction.atomic
def price_list_create(*, actor, data: dict[str, Any], owner: Any = None) -> PriceList:
    access.require_right(actor, "price_list", "create")
    data = dict(data)
    reject_unknown(data, PRICE_LIST_FIELDS)
    _clean_texts(data, ("name",))
    return _save(actor, "price_list", PriceList(), data, creating=True, check=_check_period)


@transaction.atomic
def price_list_update(
    *, actor, price_list: PriceList, data: dict[str, Any], version: int | None = None
) -> PriceList:
    access.require_on(actor, price_list, "price_list", "update")
    data = dict(data)
    reject_unknown(data, PRICE_LIST_FIELDS)
    _clean_texts(data, ("name",))
    obj = lock(PriceList, price_list.pk, version)
    return _save(actor, "price_list", obj, data, creating=False, check=_check_period)


@transaction.atomic
def price_list_delete(*, actor, price_list: PriceList, version: int | None = None) -> None:
    _delete(actor, price_list, "price_list", "price_list", version)


def _money(value: Any, field: str) -> Decimal:
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationFailed.on(field, _("Enter a number.")) from None
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValidationFailed.on(field, _("Enter an amount of zero or more, to the cent."))
    if amount >= Decimal("1e14"):
        raise ValidationFailed.on(field, _("This amount is too large."))
    return amount


@transaction.atomic
def price_set(*, actor, price_list: PriceList, product: Any, unit_price: Any) -> PriceListItem:
    """Set (or change) a product's price on a price list."""
    access.require_on(actor, price_list, "price_list", "update")
    product = resolve(actor, Product.objects.all(), "product", product, "product")
    if product is None:
        raise ValidationFailed.on("product", _("This field cannot be blank."))
    amount = _money(unit_price, "unit_price")
    item = PriceListItem.objects.filter(price_list=price_list, product=product).first()
    creating = item is None
    if creating:
        item = PriceListItem(price_list=price_list, product=product)
    old = None if creating else item.unit_price
    item.unit_price = amount
    stamp(item, actor, creating=creating)
    item.save()
    events.record(
        actor,
        "price_list.price_set",
        price_list,
        changes={"unit_price": (old, amount)},
        data={"product": product.pk, "sku": product.sku},
    )
    return item


@transaction.atomic
def price_remove(*, actor, price_list: PriceList, product: Any) -> None:
    access.require_on(actor, price_list, "price_list", "update")
    deleted, _n = PriceListItem.objects.filter(price_list=price_list, product_id=product).delete()
    if deleted:
        events.record(actor, "price_list.price_removed", price_list, data={"product": product})


def price_list_list(actor) -> list[PriceList]:
    return list(
        access.scoped(actor, PriceList.objects.all(), "price_list").order_by("name", "id")[:500]
    )


def price_list_get(actor, pk: Any) -> PriceList:
    return access.get_visible(actor, PriceList.objects.all(), "price_list", pk)


def price_list_items(actor, price_list: PriceList) -> list[PriceListItem]:
    return list(
        access.scoped(actor, PriceListItem.objects.select_related("product"), "price_list")
        .filter(price_list=price_list)
        .order_by("product__name", "id")
    )


# --- Promotions ------------------------------------------------------------------------------


def _clean_tiers(data: dict[str, Any]) -> None:
    """``tiers``: [{"min_quantity", "percent"}], as numbers kept as strings (no float)."""
    if "tiers" not in data:
        return
    tiers = data["tiers"] or []
    if isinstance(tiers, str):
        tiers = parse_tiers(tiers)
    out = []
    try:
        for tier in tiers:
            minimum = Decimal(str(tier["min_quantity"]))
            pct = Decimal(str(tier["percent"]))
            if minimum <= 0 or not (0 <= pct <= 100):
                raise ValueError
            out.append({"min_quantity": str(minimum), "percent": str(pct)})
    except (KeyError, TypeError, ValueError, InvalidOperation):
        raise ValidationFailed.on(
            "tiers", _("Give each break as a minimum quantity and a percentage (0–100).")
        ) from None
    data["tiers"] = sorted(out, key=lambda t: Decimal(t["min_quantity"]))


def parse_tiers(text: str) -> list[dict[str, str]]:
    """ "10:5, 50:8" (from 10 units 5 %, from 50 units 8 %) as tiers."""
    tiers = []
    for part in text.replace("，", ",").split(","):
        part = part.strip()
        if not part:
            continue
        minimum, _sep, pct = part.partition(":")
        if not _sep:
            raise ValidationFailed.on("tiers", _("Write each break as quantity:percent."))
        tiers.append({"min_quantity": minimum.strip(), "percent": pct.strip().rstrip("%")})
    return tiers


def _check_promotion(promo: Promotion) -> None:
    _check_period(promo)
    if promo.kind == PromotionKind.PERCENT and promo.value > 100:
        raise ValidationFailed.on("value", _("A percentage cannot be above 100."))
    if promo.kind == PromotionKind.BUY_X_GET_Y and (
        promo.buy_quantity < 1 or promo.free_quantity < 1
    ):
        raise ValidationFailed.on("buy_quantity", _("Give how many to buy and how many are free."))
    if promo.kind == PromotionKind.TIERED and not promo.tiers:
        raise ValidationFailed.on("tiers", _("Give at least one quantity break."))


def _promotion_data(actor, data: dict[str, Any]) -> dict[str, Any]:
    data = dict(data)
    reject_unknown(data, PROMOTION_FIELDS)
    _clean_texts(data, ("name", "category"))
    _clean_tiers(data)
    if "product" in data:
        data["product"] = resolve(
            actor, Product.objects.all(), "product", data["product"], "product"
        )
    return data


@transaction.atomic
def promotion_create(*, actor, data: dict[str, Any], owner: Any = None) -> Promotion:
    access.require_right(actor, "price_list", "create")
    data = _promotion_data(actor, data)
    return _save(actor, "promotion", Promotion(), data, creating=True, check=_check_promotion)


@transaction.atomic
def promotion_update(
    *, actor, promotion: Promotion, data: dict[str, Any], version: int | None = None
) -> Promotion:
    access.require_on(actor, promotion, "price_list", "update")
    data = _promotion_data(actor, data)
    obj = lock(Promotion, promotion.pk, version)
    return _save(actor, "promotion", obj, data, creating=False, check=_check_promotion)


@transaction.atomic
def promotion_delete(*, actor, promotion: Promotion, version: int | None = None) -> None:
    _delete(actor, promotion, "promotion", "price_list", version)


def promotion_list(actor) -> list[Promotion]:
    return list(
        access.scoped(actor, Promotion.objects.select_related("product"), "price_list").order_by(
            "-is_active", "priority", "id"
        )[:500]
    )


def promotion_get(actor, pk: Any) -> Promotion:
    return access.get_visible(actor, Promotion.objects.select_related("product"), "price_list", pk)


# --- Exchange rates --------------------------------------------------------------------------


@transaction.atomic
def currency_rate_set(*, actor, currency: str, rate: Any) -> CurrencyRate:
    """One unit of ``currency`` in the organisation's currency, e.g. USD 7.1."""
    access.require_right(actor, "price_list", "update")
    try:
        value = Decimal(str(rate).strip())
    except (InvalidOperation, ValueError):
        raise ValidationFailed.on("rate", _("Enter a number.")) from None
    if not value.is_finite() or value <= 0 or value >= Decimal("1e9"):
        raise ValidationFailed.on("rate", _("Enter a rate above zero."))
    obj = CurrencyRate.objects.filter(
        organisation_id=actor.organisation_id, currency=currency
    ).first()
    creating = obj is None
    obj = obj or CurrencyRate(currency=currency)
    changes = apply(obj, {"rate": value.quantize(Decimal("0.000001"))})
    stamp(obj, actor, creating=creating)
    validate(obj, exclude=["organisation"])
    if currency == actor.organisation.currency:
        raise ValidationFailed.on("currency", _("This is the organisation's own currency."))
    obj.save()
    events.record(actor, "currency_rate.set", obj, changes=changes)
    return obj


def currency_rates(organisation_id: int) -> dict[str, Decimal]:
    return dict(
        CurrencyRate.objects.filter(organisation_id=organisation_id).values_list("currency", "rate")
    )


def currency_rate_list(actor) -> list[CurrencyRate]:
    return list(access.scoped(actor, CurrencyRate.objects.all(), "price_list").order_by("currency"))
