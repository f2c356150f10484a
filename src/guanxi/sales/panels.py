"""What sales contributes to the customer 360° page."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from guanxi.core import access
from guanxi.sales import contracts, orders, payment_selectors, selectors


def account_figures(actor, account) -> list[dict]:
    if not access.has_right(actor, "opportunity", "read"):
        return []
    figures = selectors.account_deal_figures(actor, account)
    return [
        {"label": _("Won revenue"), "money": figures["won"], "key": "won"},
        {"label": _("Open pipeline"), "money": figures["open"], "key": "open"},
        {"label": _("Open deals"), "value": figures["open_count"], "key": "open_count"},
    ]


def deals_panel(actor, account) -> dict | None:
    if not access.has_right(actor, "opportunity", "read"):
        return None
    return {
        "key": "deals",
        "title": _("Deals"),
        "template": "sales/panels/account_deals.html",
        "context": selectors.account_deals(actor, account),
        "order": 20,
    }


def receivables_panel(actor, account) -> dict | None:
    """What the account still owes: its next open instalments, overdue ones marked."""
    if not access.has_right(actor, "payment", "read"):
        return None
    context = payment_selectors.account_receivables(actor, account)
    if not context["items"]:
        return None
    return {
        "key": "receivables",
        "title": _("Receivables"),
        "template": "sales/panels/account_receivables.html",
        "context": context,
        "order": 25,
    }


def orders_panel(actor, account) -> dict | None:
    if not access.has_right(actor, "order", "read"):
        return None
    return {
        "key": "orders",
        "title": _("Orders"),
        "template": "sales/panels/account_orders.html",
        "context": {"orders": orders.account_orders(actor, account)},
        "order": 25,
    }


def contracts_panel(actor, account) -> dict | None:
    if not access.has_right(actor, "contract", "read"):
        return None
    return {
        "key": "contracts",
        "title": _("Contracts"),
        "template": "sales/panels/account_contracts.html",
        "context": {"contracts": contracts.related_contracts(actor, account=account)},
        "order": 26,
    }
