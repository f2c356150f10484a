"""Turning cells into field values the way people write them in spreadsheets.

A choice may be written as its code or its label in either language (男, Male, male), a date
as 2026-03-01, 2026/3/1 or 2026年3月1日, a yes/no as 是/否, yes/no, 1/0. Lengths, required
fields and types are checked against the model's own field definitions, so an imported row
obeys the rules a form does; the services then apply their own cleaning on top.
"""

from __future__ import annotations

import functools
import re
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _

from guanxi.core.errors import ValidationFailed

_TRUE = {"1", "true", "yes", "y", "x", "是", "对", "✓", "√"}
_FALSE = {"0", "false", "no", "n", "否", "不", "不是", ""}
_DATE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")


def _key(text: str) -> str:
    return " ".join(str(text).strip().casefold().split())


@functools.cache
def choice_codes(model: type[models.Model], name: str) -> dict[str, str]:
    """Code and labels (English and Chinese) of each choice → the code."""
    field = model._meta.get_field(name)
    out: dict[str, str] = {}
    for code, label in field.flatchoices:
        out[_key(code)] = code
        for language in ("en", "zh-hans"):
            with translation.override(language):
                out.setdefault(_key(str(label)), code)
    return out


def parse_date(text: str) -> date:
    match = _DATE.match(text)
    if match:
        try:
            return date(*(int(g) for g in match.groups()))
        except ValueError:
            pass
    else:
        try:
            return datetime.fromisoformat(text.strip()).date()
        except ValueError:
            pass
    raise ValueError(text)


def parse_bool(text: str) -> bool:
    key = _key(text)
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise ValueError(text)


def coerce(model: type[models.Model], data: dict[str, Any]) -> dict[str, Any]:
    """Cells as typed values: choices to codes, dates, booleans, numbers; a bad cell is a
    field error (the first one found)."""
    out: dict[str, Any] = {}
    for name, value in data.items():
        try:
            field = model._meta.get_field(name)
        except Exception:
            out[name] = value
            continue
        text = value.strip() if isinstance(value, str) else value
        try:
            if field.is_relation or not isinstance(text, str):
                out[name] = text
            elif field.flatchoices:
                if text == "":
                    out[name] = ""
                    continue
                code = choice_codes(model, name).get(_key(text))
                if code is None:
                    raise ValidationFailed.on(
                        name, _("“%(value)s” is not one of the choices.") % {"value": text}
                    )
                out[name] = code
            elif isinstance(field, models.BooleanField):
                out[name] = parse_bool(text)
            elif isinstance(field, models.DateTimeField):
                out[name] = field.to_python(text) if text else None
            elif isinstance(field, models.DateField):
                out[name] = parse_date(text) if text else None
            elif isinstance(field, models.DecimalField | models.IntegerField | models.FloatField):
                cleaned = text.replace(",", "").replace("¥", "").replace("￥", "").strip()
                out[name] = field.to_python(cleaned) if cleaned else None
            else:
                out[name] = text
        except (ValueError, ValidationError):
            message = _("“%(value)s” is not valid here.") % {"value": text}
            raise ValidationFailed.on(name, message) from None
    return out


def check(model: type[models.Model], data: dict[str, Any], required: tuple[str, ...]) -> None:
    """Required fields present and text within its length: what ``full_clean`` would say of
    the plain fields, without building a model instance (the fast path's million rows)."""
    for name in required:
        if data.get(name) in (None, ""):
            raise ValidationFailed.on(name, _("This field cannot be blank."))
    for name, value in data.items():
        if isinstance(value, str):
            limit = getattr(model._meta.get_field(name), "max_length", None)
            if limit and len(value) > limit:
                raise ValidationFailed.on(
                    name,
                    _("Ensure this value has at most %(limit)d characters (it has %(n)d).")
                    % {"limit": limit, "n": len(value)},
                )
