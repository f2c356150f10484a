"""Products, a price list, promotions, approval rules and a few quotes for the demo company,
written through the services so prices, promotions and approvals work as for real ones.
"""

from __future__ import annotations

from django.db import transaction

from guanxi.core import approvals
from guanxi.core.models import Organisation, User
from guanxi.sales import catalogue, quotes
from guanxi.sales.models import Opportunity, OpportunityStatus

# sku, name, category, unit, list price, tax rate (%)
PRODUCTS = (
    ("NUT-GIFT-01", "每日坚果礼盒 750g", "坚果", "盒", "168.00", "13"),
    ("NUT-CASHEW-1", "盐焗腰果 500g", "坚果", "袋", "59.90", "13"),
    ("SNACK-MIX-02", "Spicy snack mix 1kg", "零食", "bag", "45.00", "13"),
    ("TEA-LJ-250", "西湖龙井 250g", "茶叶", "罐", "388.00", "13"),
    ("GIFT-SF-08", "春节年货大礼包", "礼盒", "箱", "298.00", "13"),
    ("DRY-FRUIT-3", "Dried mango slices 300g", "果干", "bag", "32.50", "13"),
)
# sku -> price on the East China distributor list
EAST_PRICES = {"NUT-GIFT-01": "149.00", "GIFT-SF-08": "268.00", "TEA-LJ-250": "358.00"}


def load_quotes(org: Organisation) -> int:
    """Create the demo catalogue and a few quotes in different states; returns the quotes."""
    users = {u.username: u for u in User.objects.filter(organisation=org).select_related("role")}
    admin = users["admin"]
    with transaction.atomic():
        products = {}
        for sku, name, category, unit, price, tax in PRODUCTS:
            products[sku] = catalogue.product_create(
                actor=admin,
                data={
                    "sku": sku,
                    "name": name,
                    "category": category,
                    "unit": unit,
                    "list_price": price,
                    "tax_rate": tax,
                },
            )
        east = catalogue.price_list_create(
            actor=admin,
            data={"name": "华东经销价 2026", "region": "east", "channel": "", "currency": "CNY"},
        )
        for sku, price in EAST_PRICES.items():
            catalogue.price_set(
                actor=admin, price_list=east, product=products[sku], unit_price=price
            )
        catalogue.promotion_create(
            actor=admin,
            data={
                "name": "坚果满50件9折",
                "kind": "tiered",
                "tiers": "50:10, 200:15",
                "category": "坚果",
            },
        )
        catalogue.promotion_create(
            actor=admin,
            data={
                "name": "礼包买十送一",
                "kind": "buy_x_get_y",
                "buy_quantity": 10,
                "free_quantity": 1,
                "product": products["GIFT-SF-08"],
                "stackable": True,
            },
        )
        catalogue.currency_rate_set(actor=admin, currency="USD", rate="7.10")
        approvals.rule_save(
            actor=admin,
            data={
                "name": "折扣超过15%",
                "object_type": "quote",
                "field": "discount_percent",
                "threshold": "15",
                "approver_kind": "team_manager",
            },
        )
        approvals.rule_save(
            actor=admin,
            data={
                "name": "金额超过50万",
                "object_type": "quote",
                "field": "total",
                "threshold": "500000",
                "approver_kind": "team_manager",
                "position": 1,
            },
        )
    made = 0
    plans = [
        ("rep1", [("NUT-GIFT-01", "120", None), ("GIFT-SF-08", "22", None)], "0", "submit"),
        ("rep1", [("TEA-LJ-250", "30", "20")], "0", "submit"),  # needs the manager
        ("rep2", [("SNACK-MIX-02", "80", None), ("DRY-FRUIT-3", "60", "5")], "3", ""),
        ("rep3", [("NUT-CASHEW-1", "240", None)], "0", "revise"),
    ]
    for username, lines, discount, then in plans:
        rep = users.get(username)
        deal = (
            Opportunity.objects.filter(organisation=org, owner=rep, status=OpportunityStatus.OPEN)
            .order_by("id")
            .first()
            if rep
            else None
        )
        if deal is None:
            continue
        with transaction.atomic():
            quote = quotes.quote_create(
                actor=rep, opportunity=deal, data={"discount_percent": discount}
            )
            for sku, qty, pct in lines:
                quotes.quote_line_add(
                    actor=rep,
                    quote=quote,
                    product=products[sku],
                    quantity=qty,
                    discount_percent=pct,
                )
            if then in ("submit", "revise"):
                quote = quotes.quote_submit(actor=rep, quote=quote)
            if then == "revise":
                quotes.quote_revise(actor=rep, quote=quote)
        made += 1
    return made
