"""REST endpoints for the signed-in user, users, roles, tokens and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from guanxi.core import access, selectors, services
from guanxi.core.api import ErrorOut, Input
from guanxi.core.errors import NotFound, ValidationFailed
from guanxi.core.filters import MAX_ID
from guanxi.core.models import User

router = Router()


class MeOut(Schema):
    id: int
    username: str
    name: str
    organisation: str
    role: str
    scope: str
    team: str | None
    language: str
    time_zone: str
    permissions: dict[str, list[str]]


@router.get(
    "/me", response=MeOut, tags=["me"], summary="Who you are and what you may do", operation_id="me"
)
def me(request):
    u = request.user
    return {
        "id": u.pk,
        "username": u.username,
        "name": u.display_name,
        "organisation": u.organisation.name,
        "role": u.role.code if u.role else "",
        "scope": access.scope_of(u),
        "team": u.team.name if u.team else None,
        "language": u.language or settings.LANGUAGE_CODE,
        "time_zone": u.time_zone or settings.DEFAULT_USER_TIME_ZONE,
        "permissions": u.role.permissions if u.role else {},
    }


class PreferencesIn(Input):
    language: str | None = Field(None, max_length=16)
    time_zone: str | None = Field(None, max_length=64)


@router.patch(
    "/me",
    response={200: MeOut, 422: ErrorOut},
    tags=["me"],
    summary="Change your language or time zone",
    operation_id="me_update",
)
def me_update(request, payload: PreferencesIn):
    services.user_set_preferences(user=request.user, **payload.dict(exclude_unset=True))
    return me(request)


class UserOut(Schema):
    id: int
    username: str
    name: str
    email: str
    role: str | None
    team: int | None


def _dump_user(u: User) -> dict:
    return {
        "id": u.pk,
        "username": u.username,
        "name": u.display_name,
        "email": u.email,
        "role": u.role.code if u.role else None,
        "team": u.team_id,
    }


@router.get(
    "/users", response=list[UserOut], tags=["users"], summary="List users", operation_id="user_list"
)
def user_list(request):
    return [_dump_user(u) for u in selectors.user_list(request.user)]


class UserRoleIn(Input):
    role: str = Field(..., description="Role code, e.g. `sales_rep`")
    team: int | None = None


@router.patch(
    "/users/{id}",
    response={200: UserOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    tags=["users"],
    summary="Change a user's role and team (administrators)",
    operation_id="user_update",
)
def user_update(request, id: int, payload: UserRoleIn):
    access.require_admin(request.user)
    user = selectors.user_get(request.user, id)
    role = selectors.role_list(request.user).filter(code=payload.role).first()
    if role is None:
        raise ValidationFailed.on("role", _("Unknown role."))
    team = selectors.team_get(request.user, payload.team) if payload.team else None
    services.user_change_role(actor=request.user, user=user, role=role, team=team)
    user.refresh_from_db()
    return _dump_user(user)


class TeamOut(Schema):
    id: int
    name: str
    parent: int | None = Field(None, alias="parent_id")


@router.get(
    "/teams", response=list[TeamOut], tags=["users"], summary="List teams", operation_id="team_list"
)
def team_list(request):
    return list(selectors.team_list(request.user))


class RoleOut(Schema):
    id: int
    code: str
    name: str
    scope: str
    is_admin: bool
    permissions: dict[str, list[str]]
    masked: dict[str, list[str]] = Field(
        default_factory=dict, description="Fields kept from the role's holders, per object"
    )
    version: int

    @staticmethod
    def resolve_permissions(role) -> dict[str, list[str]]:
        return {k: v for k, v in role.permissions.items() if k != access.MASKED}

    @staticmethod
    def resolve_masked(role) -> dict[str, list[str]]:
        return role.permissions.get(access.MASKED) or {}


@router.get(
    "/roles",
    response=list[RoleOut],
    tags=["users"],
    summary="List roles and rights",
    operation_id="role_list",
)
def role_list(request):
    return list(selectors.role_list(request.user))


class RoleIn(Input):
    scope: str
    permissions: dict[str, list[str]]
    masked: dict[str, list[str]] | None = Field(
        None,
        description='Fields to keep from the role\'s holders, e.g. `{"contact": ["mobile"]}`: '
        "exports leave them out",
    )


@router.put(
    "/roles/{id}",
    response={200: RoleOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    tags=["users"],
    summary="Replace a role's rights (administrators)",
    operation_id="role_update",
)
def role_update(request, id: int, payload: RoleIn):
    access.require_admin(request.user)
    role = selectors.role_get(request.user, id)
    with transaction.atomic():
        role = services.role_update(
            actor=request.user, role=role, permissions=payload.permissions, scope=payload.scope
        )
        if payload.masked is not None:
            role = services.role_mask_fields(actor=request.user, role=role, masked=payload.masked)
    return role


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None


class TokenCreated(TokenOut):
    token: str = Field(..., description="The secret: shown once, store it now")


class TokenIn(Input):
    name: str = Field("", max_length=100)


@router.get(
    "/tokens",
    response=list[TokenOut],
    tags=["me"],
    summary="Your API tokens",
    operation_id="token_list",
)
def token_list(request):
    return list(selectors.token_list(request.user))


@router.post(
    "/tokens",
    response={201: TokenCreated},
    tags=["me"],
    summary="Create an API token for yourself",
    operation_id="token_create",
)
def token_create(request, payload: TokenIn):
    token, secret = services.token_create(actor=request.user, user=request.user, name=payload.name)
    return 201, {**TokenOut.from_orm(token).dict(), "token": secret}


@router.delete(
    "/tokens/{id}",
    response={204: None, 404: ErrorOut},
    tags=["me"],
    summary="Revoke one of your API tokens",
    operation_id="token_revoke",
)
def token_revoke(request, id: int):
    token = selectors.token_list(request.user).filter(pk=id).first()
    if token is None:
        raise NotFound()
    services.token_revoke(actor=request.user, token=token)
    return 204, None


class NotificationOut(Schema):
    id: int
    verb: str
    text: str
    url: str
    created_at: datetime
    read_at: datetime | None


class NotificationsRead(Input):
    ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] | None = Field(
        None, max_length=500, description="Omit: mark all read"
    )


@router.get(
    "/notifications",
    response=list[NotificationOut],
    tags=["me"],
    summary="Your notifications, newest first (the last 50)",
    operation_id="notification_list",
)
def notification_list(request):
    """Such as "New lead for you", written in your language; `read_at` is null until read."""
    from guanxi.core import notifications

    return notifications.recent(request.user)


@router.post(
    "/notifications/read",
    response={200: dict[str, int], 422: ErrorOut},
    tags=["me"],
    summary="Mark your notifications read",
    operation_id="notification_read",
)
def notification_read(request, payload: NotificationsRead):
    from guanxi.core import notifications

    return {"marked": notifications.mark_read(request.user, payload.ids)}


class EventOut(Schema):  # also the shape of timeline entries
    id: int
    occurred_at: datetime
    actor: int | None = Field(None, alias="actor_id")
    verb: str
    object_type: str
    object_id: int | None
    object_repr: str
    account_id: int | None
    changes: dict[str, Any]
    data: dict[str, Any]


@router.get(
    "/events",
    response=list[EventOut],
    tags=["audit"],
    summary="The audit log, newest first (needs the right to read events)",
    operation_id="event_list",
)
def event_list(request, before: int | None = None, limit: int = Query(50, ge=1, le=200)):
    return selectors.audit_log(request.user, before=before, limit=limit)
