"""Who may see and do what — every permission decision in guanxi is made here.

A user's role grants actions (create, read, update, delete, export) per object type and a
visibility scope: their own records, their team's (including sub-teams), or the whole
organisation. Records of another organisation, or outside the scope, do not exist for the
actor: lookups answer "not found" rather than "forbidden", so nothing leaks their existence.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from django.db import connection, models
from django.utils.translation import gettext_lazy as _

from guanxi.core.errors import NotFound, PermissionDenied
from guanxi.core.models import Scope

if TYPE_CHECKING:
    from guanxi.core.models import User

ACTIONS = ("create", "read", "update", "delete", "export")

# Object types and whether their rows have an owner that the visibility scope applies to.
OWNED_OBJECTS = (
    "account",
    "contact",
    "opportunity",
    "activity",
    "lead",
    "forecast",
    "quote",
    "order",
    "contract",
    "payment",
)
# Targets are set for a person, a team or a region: who sees which is ``targets_visible_q``.
SHARED_OBJECTS = (
    "pipeline",
    "tag",
    "user",
    "team",
    "role",
    "event",
    "target",
    "report",
    "product",
    "price_list",
)
OBJECTS = OWNED_OBJECTS + SHARED_OBJECTS

OBJECT_LABELS = {
    "account": _("Accounts"),
    "contact": _("Contacts"),
    "opportunity": _("Deals"),
    "activity": _("Activities"),
    "lead": _("Leads"),
    "forecast": _("Forecasts"),
    "quote": _("Quotes"),
    "order": _("Orders"),
    "contract": _("Contracts"),
    "payment": _("Payments"),
    "product": _("Products"),
    "price_list": _("Price lists and promotions"),
    "pipeline": _("Pipelines"),
    "tag": _("Tags"),
    "user": _("Users"),
    "team": _("Teams"),
    "role": _("Roles"),
    "event": _("Audit log"),
    "target": _("Targets"),
    "report": _("Reports"),
}
ACTION_LABELS = {
    "create": _("Create"),
    "read": _("Read"),
    "update": _("Update"),
    "delete": _("Delete"),
    "export": _("Export"),
}

_ALL = list(ACTIONS)
_CRU = ["create", "read", "update"]

# The roles every new organisation starts with. Admins can change their rights later.
DEFAULT_ROLES: dict[str, dict] = {
    "admin": {
        "name": _("Administrator"),
        "scope": Scope.ORGANISATION,
        "is_admin": True,
        "permissions": {obj: _ALL for obj in OBJECTS},
    },
    "sales_manager": {
        "name": _("Sales manager"),
        "scope": Scope.TEAM,
        "is_admin": False,
        "permissions": {
            "account": _ALL,
            "contact": _ALL,
            "opportunity": _ALL,
            "activity": _ALL,
            "lead": _ALL,
            "forecast": _CRU,
            "quote": _ALL,
            "order": _ALL,
            "contract": _ALL,
            "payment": _ALL,
            "product": ["read"],
            "price_list": ["read"],
            "pipeline": ["read"],
            "tag": _CRU,
            "user": ["read"],
            "team": ["read"],
            "role": ["read"],
            "target": _ALL,
            "report": ["read", "export"],
        },
    },
    "sales_rep": {
        "name": _("Sales rep"),
        "scope": Scope.OWN,
        "is_admin": False,
        "permissions": {
            "account": _CRU,
            "contact": _CRU,
            "opportunity": _CRU,
            "activity": ["create", "read", "update", "delete"],
            "lead": _CRU,
            "forecast": _CRU,
            "quote": _CRU,
            "order": _CRU,
            "contract": _CRU,
            "payment": ["create", "read"],
            "product": ["read"],
            "price_list": ["read"],
            "pipeline": ["read"],
            "tag": ["create", "read"],
            "user": ["read"],
            "team": ["read"],
            "target": ["read"],
            "report": ["read"],
        },
    },
}

M = TypeVar("M", bound=models.Model)


def has_right(actor: User | None, obj_type: str, action: str) -> bool:
    if actor is None or not actor.is_active or actor.organisation_id is None:
        return False
    role = actor.role
    if role is None:
        return False
    return action in role.permissions.get(obj_type, ())


def require_right(actor: User | None, obj_type: str, action: str) -> None:
    if not has_right(actor, obj_type, action):
        raise PermissionDenied()


# A role's fields it may not see, per object type, under this entry of its rights:
# {"masked": {"contact": ["mobile", "email"]}}. Exports leave masked fields out.
MASKED = "masked"


def masked_fields(actor: User | None, obj_type: str) -> frozenset[str]:
    """The fields of ``obj_type`` the actor's role keeps from them."""
    role = getattr(actor, "role", None)
    if role is None:
        return frozenset()
    return frozenset((role.permissions.get(MASKED) or {}).get(obj_type, ()))


def visible_fields(actor: User | None, obj_type: str, names) -> list[str]:
    """``names`` without the fields masked for the actor, in their order."""
    masked = masked_fields(actor, obj_type)
    return [n for n in names if n not in masked]


def is_admin(actor: User | None) -> bool:
    return bool(actor and actor.is_active and actor.role and actor.role.is_admin)


def require_admin(actor: User | None) -> None:
    if not is_admin(actor):
        raise PermissionDenied()


def scope_of(actor: User) -> str:
    return actor.role.scope if actor.role else Scope.OWN


def _visible_users_q(actor: User) -> models.Q | None:
    """Which users' records the actor sees, as a filter on users; None means all of them."""
    scope = scope_of(actor)
    if scope == Scope.ORGANISATION:
        return None
    if scope == Scope.TEAM and actor.team_id is not None:
        return models.Q(team__path__startswith=actor.team.path)
    return models.Q(pk=actor.pk)


def scoped(
    actor: User | None,
    qs: models.QuerySet[M],
    obj_type: str,
    action: str = "read",
    *,
    for_totals: bool = False,
) -> models.QuerySet[M]:
    """The rows of ``qs`` the actor may act on; empty without the right.

    ``for_totals``: the query sums a period of a large table (reports). On SQLite a team is
    then read first and filtered on as values: given a subquery, SQLite cannot tell how many
    owners it yields and reads every row of each owner through the owner index instead of
    the period's rows through the period index (seconds instead of a tenth at a million
    orders). PostgreSQL keeps the subquery, which it joins by hashing; a long list of values
    it tries as an index condition and reads the whole table instead.
    """
    from guanxi.core.models import User as UserModel

    if not has_right(actor, obj_type, action):
        return qs.none()
    qs = qs.filter(organisation_id=actor.organisation_id)
    if obj_type in OWNED_OBJECTS:
        users_q = _visible_users_q(actor)
        if users_q is None:
            return qs
        if scope_of(actor) == Scope.OWN or actor.team_id is None:
            return qs.filter(owner_id=actor.pk)  # the common case, straight onto the index
        team = UserModel.objects.filter(users_q, organisation_id=actor.organisation_id)
        if for_totals and connection.vendor == "sqlite":
            return qs.filter(owner_id__in=list(team.values_list("id", flat=True)))
        qs = qs.filter(owner_id__in=team.values("id"))
    return qs


def can_see(actor: User | None, obj: models.Model, obj_type: str) -> bool:
    return scoped(actor, type(obj)._default_manager.filter(pk=obj.pk), obj_type).exists()


def get_visible(actor: User | None, qs: models.QuerySet[M], obj_type: str, pk) -> M:
    """The record with ``pk`` if the actor may read it; NotFound otherwise (never 403)."""
    from guanxi.core.filters import parse_id

    pk = parse_id(pk)
    if pk is None:
        raise NotFound()
    try:
        return scoped(actor, qs, obj_type).get(pk=pk)
    except qs.model.DoesNotExist:
        raise NotFound() from None


def require_on(actor: User | None, obj: models.Model, obj_type: str, action: str) -> None:
    """The actor may take ``action`` on this record (which they are known to see)."""
    if getattr(obj, "organisation_id", None) != getattr(actor, "organisation_id", -1):
        raise NotFound()
    if not can_see(actor, obj, obj_type):
        raise NotFound()
    require_right(actor, obj_type, action)


def assignable(actor: User, users: models.QuerySet) -> models.QuerySet:
    """Those of ``users`` the actor may hand records to: active people whose records they see."""
    users = users.filter(organisation_id=actor.organisation_id, is_active=True)
    users_q = _visible_users_q(actor)
    return users if users_q is None else users.filter(users_q)


def can_assign_to(actor: User, owner: User) -> bool:
    """Whether the actor may hand a record to ``owner``."""
    return assignable(actor, type(owner)._default_manager.filter(pk=owner.pk)).exists()


# Forecasts and targets: the team hierarchy decides who adjusts and who sets what.


def can_adjust_forecast(actor: User | None, submission) -> bool:
    """A manager adjusts the submissions of the people below them, never their own.

    The submission must be in the actor's scope (their team and its sub-teams, or the
    organisation) with the right to update forecasts; a rep (own scope) adjusts nothing.
    """
    if actor is None or submission.owner_id == actor.pk or scope_of(actor) == Scope.OWN:
        return False
    if submission.organisation_id != actor.organisation_id:
        return False
    return scoped(
        actor, type(submission)._default_manager.filter(pk=submission.pk), "forecast", "update"
    ).exists()


def targets_visible_q(actor: User) -> models.Q | None:
    """Which targets the actor reads, as a filter on targets (None: none at all).

    The organisation scope reads every target; a manager reads those of the people they see
    and of their team and the teams below it; everyone else only their own.
    """
    if not has_right(actor, "target", "read"):
        return None
    q = models.Q(organisation_id=actor.organisation_id)
    scope = scope_of(actor)
    if scope == Scope.ORGANISATION:
        return q
    if scope == Scope.TEAM and actor.team_id is not None:
        return q & (
            models.Q(user__team__path__startswith=actor.team.path)
            | models.Q(team__path__startswith=actor.team.path)
        )
    return q & models.Q(user_id=actor.pk)


def can_set_target(actor: User | None, *, user=None, team=None, region: str = "") -> bool:
    """Admins set any target; a manager those of the people and the teams below them.

    A manager's own target and their own team's come from above; region targets cut across
    teams, so only the organisation scope sets them.
    """
    if not has_right(actor, "target", "update") or actor.organisation_id is None:
        return False
    scope = scope_of(actor)
    if scope == Scope.ORGANISATION:
        return True
    if scope != Scope.TEAM or actor.team_id is None or region:
        return False
    if user is not None:
        return user.pk != actor.pk and can_assign_to(actor, user)
    if team is not None:
        return (
            team.organisation_id == actor.organisation_id
            and team.pk != actor.team_id
            and team.path.startswith(actor.team.path)
        )
    return False
