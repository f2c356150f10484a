"""Reports on what was ordered and what is still owed: sales by product and by product
category (order lines), and the collections aging by owner and by account (open instalments).

Sales by product add up to the same revenue as sales by rep: won deals that have no
confirmed order have no product, so they are one row of their own ("Won deals without an
order"). The aging is of today, whatever the period: what each owner's or account's
customers still owe, by how many days past its due date.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from guanxi.analytics.report_base import (
    ZERO,
    Column,
    Report,
    bar_chart,
    sales_note,
    user_names,
)
from guanxi.customers.models import Account
from guanxi.sales import collections, revenue
from guanxi.sales.models import Product
from guanxi.sales.periods import Period

# Accounts the aging by account lists one by one; the others are one row.
AGING_ACCOUNTS = 100


def _deals_label() -> str:
    return str(_("Won deals without an order"))


def _by_amount(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Largest first; the won deals' row (no product) last."""
    return sorted(rows, key=lambda r: (r.get("deals_row", False), -r["amount"], str(r["name"])))


def _product_report(actor, period: Period, name: str, title, dimension: str) -> Report:
    found = revenue.revenue_by(actor, period, dimension)
    currency = actor.organisation.currency
    if dimension == "product":
        products = {
            p["pk"]: p
            for p in Product.objects.filter(
                organisation_id=actor.organisation_id,
                pk__in={r["product"] for r in found if r["product"] is not None},
            ).values("pk", "name", "sku", "category")
        }
    rows = []
    for r in found:
        key = r[dimension]
        row = {"amount": r["amount"], "quantity": r["quantity"], "count": r["count"]}
        if key is None:  # the won deals that have no confirmed order
            row |= {"name": _deals_label(), "sku": "", "category": "", "deals_row": True}
        elif dimension == "product":
            product = products.get(key, {})
            row |= {
                "name": product.get("name", "—"),
                "sku": product.get("sku", ""),
                "category": product.get("category", ""),
            }
        else:
            row["name"] = key or str(_("No category"))
        rows.append(row)
    rows = _by_amount(rows)
    columns = [Column("name", _("Product") if dimension == "product" else _("Category"))]
    if dimension == "product":
        columns += [Column("sku", _("SKU")), Column("category", _("Category"))]
    columns += [
        Column("quantity", _("Quantity"), "quantity"),
        Column("amount", _("Revenue"), "money"),
        Column("count", _("Order lines and deals"), "int"),
    ]
    # Quantities of different products do not add up.
    total = {"name": str(_("All")), "amount": sum((r["amount"] for r in rows), ZERO)}
    chart_rows = [r for r in rows if not r.get("deals_row")]
    return Report(
        name=name,
        title=title,
        period=period,
        columns=columns,
        rows=[*rows, total] if rows else [],
        currency=currency,
        chart=bar_chart(chart_rows, "name", [(_("Revenue"), "amount")]),
        note=sales_note(currency, period),
        page_limit=50,
        total=bool(rows),
    )


def sales_by_product(actor, period: Period) -> Report:
    return _product_report(actor, period, "sales_by_product", _("Sales by product"), "product")


def sales_by_category(actor, period: Period) -> Report:
    return _product_report(
        actor, period, "sales_by_category", _("Sales by product category"), "category"
    )


# --- Collections aging ------------------------------------------------------------------------


def _aging_columns(label) -> list[Column]:
    return [
        Column("name", label),
        *(Column(key, title, "money") for key, title, *_days in collections.BUCKETS),
        Column("total", _("Outstanding"), "money"),
        Column("count", _("Instalments"), "int"),
    ]


def _aging_total(rows: list[dict[str, Any]], everything: dict[str, Any] | None = None) -> dict:
    keys = [key for key, *_rest in collections.BUCKETS] + ["total"]
    if everything is not None:
        return {"name": str(_("All")), **{k: everything[k] for k in [*keys, "count"]}}
    return {
        "name": str(_("All")),
        **{k: sum((r[k] for r in rows), ZERO) for k in keys},
        "count": sum(r["count"] for r in rows),
    }


def _aging_report(actor, period: Period, name: str, title, label, rows, total, note) -> Report:
    return Report(
        name=name,
        title=title,
        period=period,
        columns=_aging_columns(label),
        rows=[*rows, total] if rows else [],
        currency=actor.organisation.currency,
        chart=bar_chart(
            [r for r in rows if not r.get("others")],
            "name",
            [(title, key) for key, title, *_days in collections.BUCKETS],
        ),
        note=note,
        page_limit=50,
        total=bool(rows),
    )


def _aging_note(actor) -> str:
    return _(
        "What customers owe today (%(day)s) in %(currency)s: open instalments by days past "
        "their due date. The period does not apply."
    ) % {
        "day": collections.today_for(actor.organisation).isoformat(),
        "currency": actor.organisation.currency,
    }


def collections_aging(actor, period: Period) -> Report:
    found = collections.aging_by(actor, "owner")
    names = user_names({r["owner"] for r in found})
    rows = sorted(
        ({**r, "name": names.get(r["owner"], "—")} for r in found),
        key=lambda r: (-r["total"], r["name"]),
    )
    return _aging_report(
        actor,
        period,
        "collections_aging",
        _("Collections aging by owner"),
        _("Owner"),
        rows,
        _aging_total(rows),
        _aging_note(actor),
    )


def collections_aging_by_account(actor, period: Period) -> Report:
    """The accounts that owe the most, one row each; the others together; then all."""
    top = collections.aging_by(actor, "account", limit=AGING_ACCOUNTS)
    names = dict(
        Account.objects.filter(
            organisation_id=actor.organisation_id, pk__in={r["account"] for r in top}
        ).values_list("pk", "name")
    )
    rows = [{**r, "name": names.get(r["account"], "—")} for r in top]
    everything = collections.aging_by(actor)[0] if len(top) == AGING_ACCOUNTS else None
    total = _aging_total(rows, everything)
    if everything is not None:
        shown = _aging_total(rows)
        others = {
            k: total[k] - shown[k]
            for k in [*(key for key, *_rest in collections.BUCKETS), "total", "count"]
        }
        if others["count"]:
            rows.append({**others, "name": str(_("Other accounts")), "others": True})
    note = _aging_note(actor)
    if everything is not None:
        note = f"{note} " + _("The %(n)s accounts that owe the most, then all the others.") % {
            "n": AGING_ACCOUNTS
        }
    return _aging_report(
        actor,
        period,
        "collections_aging_by_account",
        _("Collections aging by account"),
        _("Account"),
        rows,
        total,
        note,
    )
