"""Reads for accounts and contacts, always within the actor's visibility scope."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models

from guanxi.core import access, registry
from guanxi.core.filters import ID, OWNER, apply_filters, check_sort, parse_id
from guanxi.core.pagination import Page, paginate
from guanxi.core.search import NEWEST, search
from guanxi.core.selectors import only_fields, with_included
from guanxi.customers.models import (
    Account,
    AccountKind,
    AccountStatus,
    Contact,
    Grade,
    LifecycleStage,
    Region,
    Source,
)

# NEWEST ("-id"), most recently added first, is the default order of search results.
ACCOUNT_SORTS = ("-updated_at", "name", "-created_at", NEWEST)
ACCOUNT_FILTERS = {
    "owner": OWNER,
    "region": Region,
    "grade": Grade,
    "lifecycle_stage": LifecycleStage,
    "status": AccountStatus,
    "kind": AccountKind,
    "source": Source,
    "tag": "tags__id",
}
CONTACT_SORTS = ("-updated_at", "name", "-created_at", NEWEST)
CONTACT_FILTERS = {"owner": OWNER, "account": ID, "tag": "tags__id"}


def account_queryset(
    actor,
    *,
    q: str | None = None,
    filters: Mapping[str, Any] | None = None,
    newest_first: bool = False,
) -> models.QuerySet[Account]:
    qs = access.scoped(actor, Account.objects.select_related("owner"), "account")
    qs = apply_filters(qs, actor, filters, ACCOUNT_FILTERS)
    if q:
        qs = search(qs, q, newest_first=newest_first)
    return qs


def account_list(
    actor,
    *,
    q: str | None = None,
    filters: Mapping[str, Any] | None = None,
    sort: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    sort = check_sort(sort, ACCOUNT_SORTS, default=NEWEST if q else None)
    qs = account_queryset(actor, q=q, filters=filters, newest_first=sort == NEWEST)
    page = paginate(qs, sort=sort, cursor=cursor, limit=limit)
    models.prefetch_related_objects(page.items, "tags")
    return page


def account_get(actor, pk: Any) -> Account:
    return access.get_visible(actor, Account.objects.select_related("owner"), "account", pk)


def contact_queryset(
    actor,
    *,
    q: str | None = None,
    filters: Mapping[str, Any] | None = None,
    newest_first: bool = False,
) -> models.QuerySet[Contact]:
    qs = access.scoped(actor, Contact.objects.select_related("owner", "account"), "contact")
    qs = apply_filters(qs, actor, filters, CONTACT_FILTERS)
    if q:
        qs = search(qs, q, newest_first=newest_first)
    return qs


def contact_list(
    actor,
    *,
    q: str | None = None,
    filters: Mapping[str, Any] | None = None,
    sort: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
    fields: tuple[str, ...] | None = None,
) -> Page:
    """A page of contacts; ``fields``: read only those (see ``core.selectors.only_fields``)."""
    sort = check_sort(sort, CONTACT_SORTS, default=NEWEST if q else None)
    qs = contact_queryset(actor, q=q, filters=filters, newest_first=sort == NEWEST)
    if fields:
        qs = only_fields(qs, fields)
    page = paginate(qs, sort=sort, cursor=cursor, limit=limit)
    models.prefetch_related_objects(page.items, "tags")
    return page


def contact_get(actor, pk: Any) -> Contact:
    return access.get_visible(
        actor, Contact.objects.select_related("owner", "account"), "contact", pk
    )


def account_contacts(actor, account: Account, limit: int = 50) -> list[Contact]:
    return list(
        access.scoped(actor, Contact.objects.select_related("owner"), "contact")
        .filter(account=account)
        .order_by("name", "id")[:limit]
    )


def account_overview(actor, account: Account) -> dict[str, Any]:
    """The 360° page: key figures and panels that each domain contributes."""
    figures: list[dict] = []
    for source in registry.account_figures:
        figures.extend(source(actor, account))
    panels = [p for p in (panel(actor, account) for panel in registry.account_panels) if p]
    panels.sort(key=lambda p: p.get("order", 100))
    return {"figures": figures, "panels": panels}


def contact_panels(actor, contact: Contact) -> list[dict]:
    """Panels other domains show on a contact's page."""
    panels = [p for p in (panel(actor, contact) for panel in registry.contact_panels) if p]
    return sorted(panels, key=lambda p: p.get("order", 100))


# --- Choices for forms -------------------------------------------------------------------------


def account_choices(actor, *, q: str | None = None, include: Any = None, limit: int = 50) -> list:
    """Accounts to offer in a drop-down: matches of ``q`` (or the latest), plus ``include``."""
    qs = account_queryset(actor, q=q) if q else account_queryset(actor)
    rows = list(qs.select_related(None).order_by("-updated_at", "-id").only("id", "name")[:limit])
    return with_included(rows, include, account_queryset(actor))


def contact_choices(
    actor,
    *,
    q: str | None = None,
    account: Any = None,
    include: Any = None,
    limit: int = 50,
) -> list:
    """Contacts to offer in a drop-down, those of ``account`` first when one is given."""
    qs = contact_queryset(actor, q=q) if q else contact_queryset(actor)
    if parse_id(account) is not None:
        qs = qs.filter(account_id=parse_id(account))
    rows = list(
        qs.select_related(None)
        .order_by("-updated_at", "-id")
        .only("id", "name", "account_id")[:limit]
    )
    return with_included(rows, include, contact_queryset(actor))
