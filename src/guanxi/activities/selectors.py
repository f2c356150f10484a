"""Reads for activities: lists, the user's agenda and an account's open tasks."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.db import models
from django.db.models import Max
from django.utils import timezone

from guanxi.activities.models import Activity, ActivityKind
from guanxi.core import access
from guanxi.core.filters import BOOL, ID, OWNER, apply_filters, check_sort
from guanxi.core.pagination import Page, paginate
from guanxi.core.selectors import only_fields

ACTIVITY_SORTS = ("-updated_at", "-created_at")
ACTIVITY_FILTERS = {
    "owner": OWNER,
    "kind": ActivityKind,
    "done": BOOL,
    "account": ID,
    "contact": ID,
    "opportunity": ID,
}


def activity_queryset(actor, *, filters: Mapping[str, Any] | None = None):
    qs = access.scoped(
        actor, Activity.objects.select_related("owner", "account", "contact"), "activity"
    )
    return apply_filters(qs, actor, filters, ACTIVITY_FILTERS)


def activity_list(
    actor,
    *,
    filters: Mapping[str, Any] | None = None,
    sort: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
    fields: tuple[str, ...] | None = None,
) -> Page:
    """A page of activities; ``fields``: read only those (``core.selectors.only_fields``)."""
    sort = check_sort(sort, ACTIVITY_SORTS)
    qs = activity_queryset(actor, filters=filters)
    if fields:
        qs = only_fields(qs, fields)
    return paginate(qs, sort=sort, cursor=cursor, limit=limit)


def activity_get(actor, pk: Any) -> Activity:
    return access.get_visible(
        actor,
        Activity.objects.select_related("owner", "account", "contact", "opportunity"),
        "activity",
        pk,
    )


def my_agenda(actor, *, days: int = 7, limit: int = 20) -> list[Activity]:
    """The actor's own open tasks due within ``days`` (and overdue), soonest first."""
    horizon = timezone.now() + timedelta(days=days)
    return list(
        access.scoped(actor, Activity.objects.select_related("account"), "activity")
        .filter(owner=actor, done=False, due_at__lte=horizon)
        .order_by("due_at", "id")[:limit]
    )


def recent_activities(actor, *, limit: int = 10) -> list[Activity]:
    return list(
        access.scoped(
            actor, Activity.objects.select_related("owner", "account"), "activity"
        ).order_by("-updated_at", "-id")[:limit]
    )


def account_open_tasks(actor, account, limit: int = 20) -> list[Activity]:
    return list(
        access.scoped(actor, Activity.objects.select_related("owner"), "activity")
        .filter(account=account, done=False)
        .order_by(models.F("due_at").asc(nulls_last=True), "id")[:limit]
    )


def account_last_contact(actor, account):
    """When someone last called, met, visited or emailed the account."""
    return (
        access.scoped(actor, Activity.objects.all(), "activity")
        .filter(account=account, done=True)
        .exclude(kind__in=[ActivityKind.NOTE, ActivityKind.TASK])
        .aggregate(last=Max("done_at"))["last"]
    )
