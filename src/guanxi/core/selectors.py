"""Reads for core records: users, teams, roles, timelines and the audit log."""

from __future__ import annotations

from django.db import models

from guanxi.core import access, registry
from guanxi.core.errors import NotFound
from guanxi.core.filters import parse_id
from guanxi.core.models import ApiToken, Event, Role, Tag, Team, User


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
        # A correlated EXISTS probes the primary key once per event of this account; an
        # ``object_id IN (<every record in scope>)`` list made SQLite build the whole list
        # (all of a rep's contacts and activities) on every page view.
        scoped = access.scoped(actor, base(), obj_type).filter(
            organisation_id=actor.organisation_id, pk=models.OuterRef("object_id")
        )
        visible |= models.Q(models.Exists(scoped), object_type=obj_type)
    return list(qs.filter(visible).select_related("actor").order_by("-id")[:limit])


def audit_log(actor, *, before: int | None = None, limit: int = 50) -> list[Event]:
    qs = access.scoped(actor, Event.objects.select_related("actor"), "event")
    if before:
        qs = qs.filter(id__lt=before)
    return list(qs.order_by("-id")[:limit])


# --- Reads for the web interface -------------------------------------------------------------


def owner_choices(actor) -> list[User]:
    """Owners to offer in a drop-down."""
    return assignable_users(actor)


def owner_names(actor) -> list[User]:
    """The same users as ``owner_choices`` with only their names read (a list's filter)."""
    users = user_list(actor).select_related(None).only("id", "username", "first_name", "last_name")
    return list(access.assignable(actor, users))


def user_get(actor, pk) -> User:
    return access.get_visible(actor, User.objects.select_related("role", "team"), "user", pk)


def role_get(actor, pk) -> Role:
    return access.get_visible(actor, Role.objects.all(), "role", pk)


def team_get(actor, pk) -> Team:
    return access.get_visible(actor, Team.objects.all(), "team", pk)


def token_get(actor, pk) -> ApiToken:
    """One of the actor's own active tokens."""
    token = token_list(actor).filter(pk=parse_id(pk)).first() if parse_id(pk) else None
    if token is None:
        raise NotFound()
    return token


def tag_list(actor, *, limit: int = 200) -> list[Tag]:
    return list(access.scoped(actor, Tag.objects.all(), "tag").order_by("name", "id")[:limit])


def users_by_id(actor, ids) -> dict[int, User]:
    """Users of the actor's organisation by id (to name owners in audit entries)."""
    wanted = {parse_id(i) for i in ids} - {None}
    if not wanted:
        return {}
    return {
        u.pk: u for u in User.objects.filter(organisation_id=actor.organisation_id, pk__in=wanted)
    }


def only_fields(qs: models.QuerySet, fields: tuple[str, ...]) -> models.QuerySet:
    """``qs`` reading only ``fields`` (``relation__field`` joins that relation): a list page
    shows a few columns of each row, and building whole rows of four tables cost more than
    its queries."""
    related = sorted({f.split("__", 1)[0] for f in fields if "__" in f})
    return qs.select_related(None).select_related(*related).only(*fields)


def with_included(rows: list, include, base: models.QuerySet) -> list:
    """``rows`` for a drop-down, plus the record ``include`` (the current value) if missing.

    ``base`` is the scoped queryset ``include`` must come from, so it never widens access.
    """
    pk = parse_id(include)
    if pk is None or any(r.pk == pk for r in rows):
        return rows
    extra = base.filter(pk=pk).first()
    return [extra, *rows] if extra else rows
