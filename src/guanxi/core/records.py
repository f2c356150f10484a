"""The steps every service takes to write a business record, in one place.

A service names the fields a client may set (never organisation, owner, version or the audit
columns: those change only through their own services), then ``apply`` copies the values,
``validate`` runs the model's validation and reports field-level errors, ``stamp`` sets the
audit columns and bumps the version. ``lock`` re-reads the row for update and refuses a
stale version, so two people editing the same record cannot overwrite each other.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core import access
from guanxi.core.errors import NotFound, ValidationFailed, VersionConflict
from guanxi.core.filters import parse_id
from guanxi.core.normalize import InvalidValue

M = TypeVar("M", bound=models.Model)


def reject_unknown(data: Mapping[str, Any], allowed: Iterable[str]) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationFailed(fields={k: [_("This field cannot be set here.")] for k in unknown})


def apply(instance: models.Model, data: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Set the attributes and return what changed as {field: (old, new)}."""
    changes: dict[str, tuple[Any, Any]] = {}
    for name, value in data.items():
        field = instance._meta.get_field(name)
        if field.is_relation:
            old = getattr(instance, field.attname)
            new = value.pk if isinstance(value, models.Model) else value
            # Set the instance when there is one, so later reads need no query.
            setattr(
                instance,
                name if new is None or isinstance(value, models.Model) else field.attname,
                value,
            )
            if old != new:
                changes[name] = (old, new)
            continue
        old = getattr(instance, name)
        if isinstance(value, str) and "\x00" in value:  # PostgreSQL cannot store it
            raise ValidationFailed.on(name, _("Null characters are not allowed."))
        if value is not None and not isinstance(value, bool | int | float):
            try:
                value = field.to_python(value)
            except ValidationError as exc:
                raise ValidationFailed(fields={name: list(exc.messages)}) from None
            value = _in_utc(name, value)
        if (
            value is None
            and not field.null
            and isinstance(field, models.CharField | models.TextField)
        ):
            value = ""
        setattr(instance, name, value)
        if old != value:
            changes[name] = (old, value)
    return changes


def _in_utc(name: str, value: Any) -> Any:
    """A time with an offset as it is stored, in UTC. Python allows offsets up to a day and
    PostgreSQL only up to 15:59, so a time sent as ``…+20:27`` must not reach it as it is."""
    if not isinstance(value, datetime) or value.utcoffset() is None:
        return value
    try:
        return value.astimezone(UTC)
    except OverflowError:  # before year 1 or after 9999 in UTC
        raise ValidationFailed.on(name, _("Enter a valid date/time.")) from None


def validate(instance: models.Model, *, exclude: Iterable[str] = ()) -> None:
    """Model validation (types, lengths, choices, constraints) as field-level errors.

    Relations are left out: services resolve them through ``resolve``/``choose_owner``,
    which also check the actor may see them (full_clean would only check they exist).
    """
    relations = [f.name for f in instance._meta.concrete_fields if f.is_relation]
    try:
        instance.full_clean(exclude=[*exclude, *relations], validate_unique=True)
    except ValidationError as exc:
        fields = {
            ("non_field" if k == "__all__" else k): [str(m) for m in v]
            for k, v in exc.message_dict.items()
        }
        raise ValidationFailed(fields=fields) from None


def normalise_field(data: dict[str, Any], field: str, fn) -> None:
    """Replace ``data[field]`` by ``fn(value)``; a bad value becomes that field's error."""
    if field in data:
        try:
            data[field] = fn(data[field])
        except InvalidValue as exc:
            raise ValidationFailed.on(field, exc) from None


def lock(model: type[M], pk: int, expected_version: int | None) -> M:
    """Re-read the row for update; refuse if the client's version is stale."""
    instance = model._default_manager.select_for_update().get(pk=pk)
    if expected_version is not None and int(expected_version) != instance.version:
        raise VersionConflict()
    return instance


def stamp(instance: models.Model, actor, *, creating: bool = False) -> None:
    now = timezone.now()
    if creating:
        instance.organisation_id = actor.organisation_id
        instance.created_by = actor
        instance.created_at = now
        instance.version = 1
    else:
        instance.version += 1
    instance.updated_by = actor
    instance.updated_at = now


def next_number(model: type[models.Model], organisation_id: int, prefix: str, width: int) -> str:
    """The next number of a series per organisation: ``Q-2026-`` gives Q-2026-0001, …

    The organisation's row is locked first, so two records never get the same number.
    """
    from guanxi.core.models import Organisation

    Organisation.objects.select_for_update().filter(pk=organisation_id).first()
    last = model._default_manager.filter(
        organisation_id=organisation_id, number__startswith=prefix
    ).aggregate(m=models.Max("number"))["m"]
    n = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{n:0{width}d}"


def resolve(actor, qs: models.QuerySet[M], obj_type: str, value: Any, field: str) -> M | None:
    """A related record the actor can see, given by id or instance; a field error if not."""
    if value in (None, ""):
        return None
    pk = value.pk if isinstance(value, models.Model) else value
    try:
        return access.get_visible(actor, qs, obj_type, pk)
    except NotFound:
        raise ValidationFailed.on(field, _("Select a record you can see.")) from None


def choose_owner(actor, owner: Any) -> Any:
    """The owner for a record the actor creates or hands over: themselves by default."""
    from guanxi.core.models import User

    if owner in (None, ""):
        return actor
    pk = owner.pk if isinstance(owner, models.Model) else parse_id(owner)
    candidate = (
        User.objects.filter(pk=pk, organisation_id=actor.organisation_id).first() if pk else None
    )
    if candidate is None or not access.can_assign_to(actor, candidate):
        raise ValidationFailed.on("owner", _("Select a user whose records you can see."))
    return candidate


def assign_owner(actor, obj: models.Model, obj_type: str, owner: Any, version: int | None):
    """Hand a record to another owner, with its event; the caller holds the transaction."""
    from guanxi.core import events

    access.require_on(actor, obj, obj_type, "update")
    new_owner = choose_owner(actor, owner)
    obj = lock(type(obj), obj.pk, version)
    if obj.owner_id == new_owner.pk:
        return obj
    old = obj.owner_id
    obj.owner = new_owner
    stamp(obj, actor)
    obj.save(update_fields=["owner", "version", "updated_by", "updated_at"])
    account_id = obj.pk if obj_type == "account" else getattr(obj, "account_id", None)
    events.record(
        actor,
        f"{obj_type}.assigned",
        obj,
        account_id=account_id,
        changes={"owner": (old, new_owner.pk)},
    )
    return obj
