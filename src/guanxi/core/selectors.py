"""Reads for core records: users, teams, roles, timelines and the audit log."""

from __future__ import annotations

from django.db import models

from guanxi.core import access, registry
from guanxi.core.models import ApiToken, Event, Role, Team, User


def user_list(actor) -> models.QuerySet[User]:
    return (
        access.scoped(actor, User.objects.select_related("role", "team"), "user")
        .filter(is_active=True)
        .order_by("username")
    )


def assignable_users(actor) -> list[User]:
    """Users the actor may hand records to (for owner drop-downs), in one query."""
    return list(access.assignable(actor, user_list(actor)))


def team_list(actor) -> models.QuerySet[Team]:
    return access.scoped(actor, Team.objects.all(), "team").order_by("path")


def role_list(actor) -> models.QuerySet[Role]:
    return access.scoped(actor, Role.objects.all(), "role").order_by("id")


def token_list(actor) -> models.QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=actor, revoked_at__isnull=True).order_by("-id")


def timeline(actor, account, *, before: int | None = None, limit: int = 30) -> list[Event]:
    """What happened to an account and its contacts, deals and activities, newest first.

    Only events about records the actor can see: an event about a contact owned by someone
    outside the actor's scope is left out, so the timeline never leaks it.
    """
    qs = Event.objects.filter(organisation_id=actor.organisation_id, account_id=account.pk)
    if before:
        qs = qs.filter(id__lt=before)
    visible = models.Q(object_type="account")
    for obj_type, base in registry.object_querysets.items():
        if obj_type == "account":
            continue
        ids = access.scoped(actor, base(), obj_type).filter(organisation_id=actor.organisation_id)
        visible |= models.Q(object_type=obj_type, object_id__in=ids.values("id"))
    return list(qs.filter(visible).select_related("actor").order_by("-id")[:limit])


def audit_log(actor, *, before: int | None = None, limit: int = 50) -> list[Event]:
    qs = access.scoped(actor, Event.objects.select_related("actor"), "event")
    if before:
        qs = qs.filter(id__lt=before)
    return list(qs.order_by("-id")[:limit])
