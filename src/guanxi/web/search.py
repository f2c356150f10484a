"""One search box over accounts, contacts and deals — a composition of each domain's selector."""

from __future__ import annotations

from typing import Any

from guanxi.core import access
from guanxi.customers.selectors import account_queryset, contact_queryset
from guanxi.sales.selectors import opportunity_queryset


def global_search(actor, q: str, *, limit: int = 10) -> dict[str, list[Any]]:
    results: dict[str, list[Any]] = {"accounts": [], "contacts": [], "opportunities": []}
    if not q or not q.strip():
        return results
    if access.has_right(actor, "account", "read"):
        results["accounts"] = list(
            account_queryset(actor, q=q).prefetch_related("tags").order_by("name", "id")[:limit]
        )
    if access.has_right(actor, "contact", "read"):
        results["contacts"] = list(
            contact_queryset(actor, q=q).prefetch_related("tags").order_by("name", "id")[:limit]
        )
    if access.has_right(actor, "opportunity", "read"):
        results["opportunities"] = list(
            opportunity_queryset(actor, q=q).order_by("-updated_at", "-id")[:limit]
        )
    return results
