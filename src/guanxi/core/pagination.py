"""Keyset (cursor) pagination: the next page costs the same on page 1 and page 10,000.

The cursor carries the sort value and id of the last row shown; the next page is the rows
after that pair, written as a row-value comparison ``(col, id) > (%s, %s)`` so the database
walks the composite index (an ``a > x OR (a = x AND id > y)`` filter would not).
Sort columns must be NOT NULL.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import connections, models
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from guanxi.core.errors import ValidationFailed


@dataclass
class Page:
    items: list
    next_cursor: str | None
    sort: str
    limit: int


def _encode(value: Any, pk: int) -> str:
    if isinstance(value, datetime):
        value = {"dt": value.isoformat()}
    elif isinstance(value, Decimal):
        value = {"dec": str(value)}
    elif isinstance(value, date):
        value = value.isoformat()  # the field's to_python reads it back
    raw = json.dumps([value, pk], ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[Any, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, pk = json.loads(raw)
        if isinstance(value, dict) and "dt" in value:
            value = parse_datetime(value["dt"])
            if value is None:
                raise ValueError
        elif isinstance(value, dict) and "dec" in value:
            value = Decimal(value["dec"])
        if not isinstance(pk, int) or isinstance(value, dict | list):
            raise ValueError
        return value, pk
    except (ValueError, TypeError, json.JSONDecodeError, ArithmeticError):
        raise ValidationFailed.on("cursor", _("This cursor is not valid.")) from None


def paginate(qs: models.QuerySet, *, sort: str, cursor: str | None, limit: int) -> Page:
    """One page of ``qs`` ordered by ``sort`` ("name", "-updated_at", "-id"), then by id."""
    descending = sort.startswith("-")
    field = sort.lstrip("-")
    if field == "id":
        return _paginate_by_id(qs, sort=sort, cursor=cursor, limit=limit)
    table = qs.model._meta.db_table
    model_field = qs.model._meta.get_field(field)
    column = model_field.column
    if cursor:
        value, pk = _decode(cursor)
        try:
            value = model_field.get_db_prep_value(
                model_field.to_python(value), connections[qs.db], prepared=False
            )
        except Exception:
            raise ValidationFailed.on("cursor", _("This cursor is not valid.")) from None
        op = "<" if descending else ">"
        qs = qs.extra(  # noqa: S610 — fixed identifiers, values are parameters
            where=[f'("{table}"."{column}", "{table}"."id") {op} (%s, %s)'], params=[value, pk]
        )
    order = [f"-{field}", "-id"] if descending else [field, "id"]
    rows = list(qs.order_by(*order)[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = _encode(getattr(last, field), last.pk)
    return Page(items=rows, next_cursor=next_cursor, sort=sort, limit=limit)


def _paginate_by_id(qs: models.QuerySet, *, sort: str, cursor: str | None, limit: int) -> Page:
    """Ordered by id alone (the search order, ``core.search.NEWEST``).

    A SQLite search joined to its full-text index (``search(..., newest_first=True)``)
    orders and pages by the index's rowid — the same number — so FTS5 returns the rows
    in order and stops at the page's end.
    """
    from guanxi.core.search import MATCH_ID

    descending = sort.startswith("-")
    match = qs.query.extra.get(MATCH_ID)
    column, key = (match[0], MATCH_ID) if match else (f'"{qs.model._meta.db_table}"."id"', "id")
    if cursor:
        _value, pk = _decode(cursor)
        op = "<" if descending else ">"
        qs = qs.extra(where=[f"{column} {op} %s"], params=[pk])  # noqa: S610
    rows = list(qs.order_by(f"-{key}" if descending else key)[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = _encode(rows[-1].pk, rows[-1].pk)
    return Page(items=rows, next_cursor=next_cursor, sort=sort, limit=limit)
