"""Orders in every status and a few contracts for the demo company, made from accepted quotes
through the services, so the deals are won and the timelines tell it as for real ones.

Runs after ``demo.quotes.load_quotes`` (it sells that catalogue). Each plan takes a rep's
second open deal, so the quotes of the quote demo keep theirs.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from guanxi.core.models import Organisation, User
from guanxi.sales import contracts, orders, quotes
from guanxi.sales.models import Opportunity, OpportunityStatus, Product

# rep, lines (sku, quantity, line discount %), discount on the whole quote, where the order ends
PLANS = (
    ("rep1", (("NUT-GIFT-01", "60", None), ("GIFT-SF-08", "11", None)), "2", "completed"),
    ("rep2", (("TEA-LJ-250", "12", "5"),), "0", "shipped"),
    ("rep3", (("SNACK-MIX-02", "100", None), ("DRY-FRUIT-3", "80", None)), "3", "confirmed"),
    ("rep4", (("NUT-CASHEW-1", "50", None),), "0", "draft"),
    ("rep5", (("GIFT-SF-08", "30", None),), "5", "cancelled"),
)
STEPS = {
    "confirmed": ("confirm",),
    "shipped": ("confirm", "ship"),
    "completed": ("confirm", "ship", "complete"),
    "cancelled": ("confirm", "cancel"),
}


def _deal(org: Organisation, rep: User | None) -> Opportunity | None:
    if rep is None:
        return None
    deals = Opportunity.objects.filter(
        organisation=org, owner=rep, status=OpportunityStatus.OPEN
    ).order_by("id")
    second = list(deals[1:2])
    return second[0] if second else None


def _order(rep: User, deal: Opportunity, lines, discount: str, products: dict, status: str):
    quote = quotes.quote_create(actor=rep, opportunity=deal, data={"discount_percent": discount})
    for sku, quantity, percent in lines:
        quotes.quote_line_add(
            actor=rep,
            quote=quote,
            product=products[sku],
            quantity=quantity,
            discount_percent=percent,
        )
    quote = quotes.quote_submit(actor=rep, quote=quote)
    quote = quotes.quote_mark_sent(actor=rep, quote=quote)
    quote = quotes.quote_accept(actor=rep, quote=quote)
    order = orders.order_from_quote(actor=rep, quote=quote)
    for step in STEPS.get(status, ()):
        if step == "cancel":
            order = orders.order_cancel(actor=rep, order=order, reason="客户调整采购计划")
        else:
            order = getattr(orders, f"order_{step}")(actor=rep, order=order)
    return order


def load_orders(org: Organisation) -> int:
    """Orders in each status from accepted quotes, and contracts; returns the orders made."""
    users = {u.username: u for u in User.objects.filter(organisation=org).select_related("role")}
    products = {p.sku: p for p in Product.objects.filter(organisation=org)}
    made = {}
    for username, lines, discount, status in PLANS:
        rep, deal = users.get(username), _deal(org, users.get(username))
        if deal is None or any(sku not in products for sku, _q, _p in lines):
            continue
        with transaction.atomic():
            made[status] = _order(rep, deal, lines, discount, products, status)
    today = timezone.localdate()
    with transaction.atomic():
        if "completed" in made:
            # A year's supply signed eleven months ago: it comes up for renewal this month.
            order = made["completed"]
            start = today - timedelta(days=335)
            contract = contracts.contract_create(
                actor=order.owner,
                data={
                    "order": order,
                    "title": "年度供货框架合同",
                    "start_date": start,
                    "end_date": contracts.default_end(start),
                    "signed_on": start,
                    "terms": "按月供货，货到30天内付款。",
                },
            )
            contracts.contract_activate(actor=order.owner, contract=contract)
        if "shipped" in made:
            order = made["shipped"]
            contracts.contract_create(
                actor=order.owner, data={"order": order, "title": "茶叶采购合同"}
            )
        if "confirmed" in made:
            # Renewed early: this year's contract, and next year's as a draft to sign.
            order = made["confirmed"]
            contract = contracts.contract_create(
                actor=order.owner,
                data={"order": order, "title": "零食经销合同", "auto_renew": True},
            )
            contract = contracts.contract_activate(actor=order.owner, contract=contract)
            contracts.contract_renew(actor=order.owner, contract=contract)
    return len(made)
