"""Validated list filters shared by the UI and the API: unknown values are field errors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from guanxi.core.errors import ValidationFailed

MAX_ID = 2**63 - 1  # the largest id a BIGINT column holds

OWNER = "owner"  # "me" or a user id
ID = "id"  # a related record's id
BOOL = "bool"


def parse_id(value: Any) -> int | None:
    """A record id from user input, or None if it cannot be one (never raises)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.isdigit():
        number = int(value)
    else:
        return None
    return number if 0 < number <= MAX_ID else None


def apply_filters(
    qs: models.QuerySet, actor, filters: Mapping[str, Any] | None, spec: Mapping[str, Any]
) -> models.QuerySet:
    """Filter ``qs`` by ``filters`` according to ``spec`` ({name: choices class | kind})."""
    errors: dict[str, list[str]] = {}
    for name, value in (filters or {}).items():
        if value in (None, ""):
            continue
        kind = spec.get(name)
        if kind is None:
            errors[name] = [_("Unknown filter.")]
        elif kind == OWNER:
            if value == "me":
                qs = qs.filter(owner_id=actor.pk)
            elif parse_id(value) is not None:
                qs = qs.filter(owner_id=parse_id(value))
            else:
                errors[name] = [_("Select a valid choice.")]
        elif kind == ID:
            if parse_id(value) is not None:
                qs = qs.filter(**{f"{name}_id": parse_id(value)})
            else:
                errors[name] = [_("Select a valid choice.")]
        elif kind == BOOL:
            truth = str(value).lower()
            if truth not in {"true", "false", "1", "0"}:
                errors[name] = [_("Select a valid choice.")]
            else:
                qs = qs.filter(**{name: truth in {"true", "1"}})
        elif isinstance(kind, str):  # a lookup such as "tags__id"
            if parse_id(value) is not None:
                qs = qs.filter(**{kind: parse_id(value)})
            else:
                errors[name] = [_("Select a valid choice.")]
        else:
            if value not in kind.values:
                errors[name] = [_("Select a valid choice.")]
            else:
                qs = qs.filter(**{name: value})
    if errors:
        raise ValidationFailed(fields=errors)
    return qs


def check_sort(sort: str | None, allowed: tuple[str, ...], *, default: str | None = None) -> str:
    """``sort`` if allowed; without one, ``default`` or the first allowed."""
    if not sort:
        return default or allowed[0]
    if sort not in allowed:
        raise ValidationFailed.on("sort", _("Select a valid choice."))
    return sort
