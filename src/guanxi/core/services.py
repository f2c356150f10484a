"""Writes for organisations, users, teams, roles and API tokens."""

from __future__ import annotations

import copy
import hashlib
import secrets
import time
import zoneinfo

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from guanxi.core import access, events, registry
from guanxi.core.errors import NotFound, ValidationFailed
from guanxi.core.models import ApiToken, Organisation, Role, Scope, Tag, Team, User
from guanxi.core.normalize import clean_text
from guanxi.core.records import validate

TOKEN_PREFIX = "gx_"


@transaction.atomic
def organisation_create(
    *,
    name: str,
    slug: str = "",
    language: str = "zh-hans",
    currency: str = "CNY",
    time_zone: str = "Asia/Shanghai",
) -> Organisation:
    """A new tenant with the default roles and whatever each domain sets up for it."""
    org = Organisation(
        name=clean_text(name),
        slug=slug or slugify(name) or secrets.token_hex(4),
        language=language,
        currency=currency,
        time_zone=time_zone,
    )
    validate(org)
    org.save()
    for code, spec in access.DEFAULT_ROLES.items():
        with translation.override(org.language):  # named in the organisation's language
            role_name = str(spec["name"])
        Role.objects.create(
            organisation=org,
            code=code,
            name=role_name,
            scope=spec["scope"],
            is_admin=spec["is_admin"],
            permissions={k: list(v) for k, v in spec["permissions"].items()},
        )
    for setup in registry.organisation_setup:
        setup(org)
    return org


@transaction.atomic
def team_create(
    *, actor: User | None, organisation: Organisation, name: str, parent: Team | None = None
) -> Team:
    if actor is not None:
        access.require_admin(actor)
    if parent is not None and parent.organisation_id != organisation.pk:
        raise ValidationFailed.on("parent", _("Select a record you can see."))
    team = Team(organisation=organisation, name=clean_text(name), parent=parent)
    validate(team, exclude=["path"])
    team.save()
    team.path = f"{parent.path if parent else '/'}{team.pk}/"
    team.save(update_fields=["path"])
    if actor is not None:
        events.record(actor, "team.created", team)
    return team


def _check_zone(zone: str) -> None:
    try:
        zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed.on("time_zone", _("Unknown time zone.")) from None


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    organisation: Organisation,
    username: str,
    password: str,
    role_code: str,
    team: Team | None = None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    language: str = "",
    time_zone: str = "",
    check_password: bool = True,
) -> User:
    """A user of ``organisation``. ``actor`` None means the command line (install time)."""
    if actor is not None:
        access.require_admin(actor)
        if actor.organisation_id != organisation.pk:
            raise NotFound()
    try:
        role = Role.objects.get(organisation=organisation, code=role_code)
    except Role.DoesNotExist:
        raise ValidationFailed.on("role", _("Unknown role.")) from None
    if team is not None and team.organisation_id != organisation.pk:
        raise ValidationFailed.on("team", _("Select a record you can see."))
    if time_zone:
        _check_zone(time_zone)
    user = User(
        organisation=organisation,
        username=clean_text(username),
        role=role,
        team=team,
        first_name=clean_text(first_name),
        last_name=clean_text(last_name),
        email=clean_text(email).lower(),
        language=language or organisation.language,
        time_zone=time_zone,
    )
    if check_password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationFailed(fields={"password": list(exc.messages)}) from None
    user.set_password(password)
    validate(user, exclude=["password"])
    user.save()
    if actor is not None:
        events.record(actor, "user.created", user, data={"role": role.code})
    return user


@transaction.atomic
def user_change_role(*, actor: User, user: User, role: Role, team: Team | None) -> User:
    """Change what a user may do and see — a permission change, always audited."""
    access.require_admin(actor)
    if user.organisation_id != actor.organisation_id:
        raise NotFound()
    if role.organisation_id != actor.organisation_id:
        raise ValidationFailed.on("role", _("Select a record you can see."))
    if team is not None and team.organisation_id != actor.organisation_id:
        raise ValidationFailed.on("team", _("Select a record you can see."))
    if user.pk == actor.pk and not role.is_admin:
        raise ValidationFailed.on("role", _("You cannot remove your own administrator role."))
    changes = {}
    if user.role_id != role.pk:
        changes["role"] = (user.role.code if user.role else None, role.code)
    if user.team_id != (team.pk if team else None):
        changes["team"] = (user.team_id, team.pk if team else None)
    if changes:
        user.role, user.team = role, team
        user.save(update_fields=["role", "team"])
        events.record(actor, "permission.user_changed", user, object_type="user", changes=changes)
    return user


@transaction.atomic
def role_update(*, actor: User, role: Role, permissions: dict[str, list[str]], scope: str) -> Role:
    """Replace a role's rights and scope; audited as a permission change."""
    access.require_admin(actor)
    if role.organisation_id != actor.organisation_id:
        raise NotFound()
    errors = {}
    if scope not in Scope.values:
        errors["scope"] = [_("Select a valid choice.")]
    for obj, actions in permissions.items():
        if obj not in access.OBJECTS or not set(actions) <= set(access.ACTIONS):
            errors[f"permissions.{obj}"] = [_("Select a valid choice.")]
    if role.is_admin and not set(access.ACTIONS) <= set(permissions.get("role", [])):
        errors["permissions.role"] = [_("The administrator role must keep every right on roles.")]
    if errors:
        raise ValidationFailed(fields=errors)
    clean = {
        obj: [a for a in access.ACTIONS if a in actions] for obj, actions in permissions.items()
    }
    if access.MASKED in role.permissions:  # set by role_mask_fields, kept as it is
        clean[access.MASKED] = role.permissions[access.MASKED]
    changes = {}
    if clean != role.permissions:
        changes["permissions"] = (role.permissions, clean)
    if scope != role.scope:
        changes["scope"] = (role.scope, scope)
    if changes:
        role.permissions, role.scope = clean, scope
        role.version += 1
        role.save()
        events.record(actor, "permission.role_changed", role, object_type="role", changes=changes)
    return role


@transaction.atomic
def role_mask_fields(*, actor: User, role: Role, masked: dict[str, list[str]]) -> Role:
    """Keep these fields of each object type from the role's holders (exports leave them
    out); audited as a permission change."""
    access.require_admin(actor)
    if role.organisation_id != actor.organisation_id:
        raise NotFound()
    clean = {obj: sorted(set(names)) for obj, names in masked.items() if names}
    unknown = [obj for obj in clean if obj not in access.OWNED_OBJECTS]
    if unknown:
        raise ValidationFailed(
            fields={f"masked.{o}": [_("Select a valid choice.")] for o in unknown}
        )
    before = role.permissions.get(access.MASKED, {})
    if clean != before:
        role.permissions = {**role.permissions, access.MASKED: clean}
        role.version += 1
        role.save()
        events.record(
            actor,
            "permission.role_changed",
            role,
            object_type="role",
            changes={"masked": (before, clean)},
        )
    return role


def user_set_preferences(
    *, user: User, language: str | None = None, time_zone: str | None = None
) -> User:
    fields = []
    if language is not None:
        if language not in dict(settings.LANGUAGES):
            raise ValidationFailed.on("language", _("Select a valid choice."))
        user.language = language
        fields.append("language")
    if time_zone is not None:
        _check_zone(time_zone)
        user.time_zone = time_zone
        fields.append("time_zone")
    if fields:
        user.save(update_fields=fields)
    return user


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def token_create(*, actor: User, user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new API token for ``user``; the secret is returned once and never stored."""
    if actor.pk != user.pk:
        access.require_admin(actor)
        if user.organisation_id != actor.organisation_id:
            raise NotFound()
    if user.organisation_id is None:
        raise ValidationFailed.on("user", _("This user belongs to no organisation."))
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        organisation_id=user.organisation_id,
        user=user,
        name=clean_text(name)[:100] or _("API token"),
        prefix=secret[:10],
        key_hash=_hash(secret),
    )
    events.record(actor, "token.created", token, object_type="token", data={"user": user.pk})
    return token, secret


@transaction.atomic
def token_revoke(*, actor: User, token: ApiToken) -> None:
    if token.user_id != actor.pk:
        access.require_admin(actor)
        if token.organisation_id != actor.organisation_id:
            raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        events.record(actor, "token.revoked", token, object_type="token")


# The users of bearer secrets this process checked lately, by the secret's hash: an API
# client sending a hundred requests a second does not cost a four-table read on each.
# A revocation, or a change to users, roles or teams, made in this process drops them at
# once; one made in another process applies here within TOKEN_RECHECK_SECONDS.
TOKEN_RECHECK_SECONDS = 1.0
_tokens_held: dict[str, tuple[float, User]] = {}


def token_authenticate(secret: str) -> User | None:
    """The active user a bearer secret belongs to, or None.

    The user is the request's own copy: what a request sets on it stays with that request.
    """
    if not secret or not secret.startswith(TOKEN_PREFIX):
        return None
    key = _hash(secret)
    held = _tokens_held.get(key)
    if held is not None and time.monotonic() - held[0] < TOKEN_RECHECK_SECONDS:
        return copy.copy(held[1])
    token = (
        ApiToken.objects.select_related("user", "user__role", "user__team", "user__organisation")
        .filter(key_hash=key, revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        _tokens_held.pop(key, None)
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    if len(_tokens_held) >= 10_000:
        _tokens_held.clear()
    _tokens_held[key] = (time.monotonic(), token.user)
    return copy.copy(token.user)


def tokens_forget(event=None) -> None:
    """Check every bearer secret against the database again (tokens or people changed)."""
    _tokens_held.clear()


@transaction.atomic
def tags_ensure(*, actor: User, names: list[str]) -> list[Tag]:
    """The organisation's tags with these names, creating missing ones if allowed."""
    wanted = {clean_text(n)[:50] for n in names if clean_text(n)}
    existing = {
        t.name: t
        for t in Tag.objects.filter(organisation_id=actor.organisation_id, name__in=wanted)
    }
    missing = wanted - set(existing)
    if missing:
        access.require_right(actor, "tag", "create")
        for name in sorted(missing):
            tag = Tag(
                organisation_id=actor.organisation_id, name=name, created_by=actor, updated_by=actor
            )
            tag.save()
            existing[name] = tag
    return [existing[n] for n in sorted(wanted)]
