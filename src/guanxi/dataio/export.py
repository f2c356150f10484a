"""Exporting a list, with its filters, to CSV or XLSX.

Rows come from the list's own scoped selector, so an export holds exactly the records the
user may see, and only the fields their role does not mask (``core.access``). Rows are read
by id in batches and written as they come — CSV line by line, XLSX through openpyxl's
write-only mode — so memory stays flat at any size. A text cell that a spreadsheet would
run as a formula (it starts with = + - @, a tab or a carriage return) is written with a
leading apostrophe. Every export is audited with who, what filter and how many rows.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core import access
from guanxi.core.errors import ValidationFailed
from guanxi.core.spreadsheet import neutralise

FORMATS = ("csv", "xlsx")
# Columns that are bookkeeping, not data people read.
_HIDDEN = {"organisation", "created_by", "updated_by", "version", "search_tokens", "raw", "utm"}


@dataclass(frozen=True)
class Column:
    name: str
    label: Any
    path: str  # what ``values_list`` reads
    choices: dict | None = None


@dataclass
class Exportable:
    object_type: str
    model: type[models.Model]
    queryset: Callable[..., models.QuerySet]
    filters: tuple[str, ...]
    searchable: bool = True

    def columns(self) -> list[Column]:
        out = []
        for f in self.model._meta.concrete_fields:
            if f.name in _HIDDEN or (not f.editable and f.name not in _KEEP):
                continue
            if isinstance(f, models.JSONField):
                continue
            path = f.attname
            if f.is_relation:
                related = f.related_model
                names = {x.name for x in related._meta.concrete_fields}
                path = f"{f.name}__username" if "username" in names else f"{f.name}__name"
            choices = dict(f.flatchoices) if f.flatchoices else None
            label = gettext_lazy("ID") if f.name == "id" else f.verbose_name
            out.append(Column(f.name, label, path, choices))
        return out


_KEEP = {"id", "created_at", "updated_at", "consent_at", "done_at"}


def exportables() -> dict[str, Exportable]:
    from guanxi.activities.models import Activity
    from guanxi.activities.selectors import ACTIVITY_FILTERS, activity_queryset
    from guanxi.customers.models import Account, Contact
    from guanxi.customers.selectors import (
        ACCOUNT_FILTERS,
        CONTACT_FILTERS,
        account_queryset,
        contact_queryset,
    )
    from guanxi.leads.models import Lead
    from guanxi.leads.selectors import LEAD_FILTERS, lead_queryset
    from guanxi.sales.models import Opportunity
    from guanxi.sales.selectors import OPPORTUNITY_FILTERS, opportunity_queryset

    found = [
        Exportable("account", Account, account_queryset, tuple(ACCOUNT_FILTERS)),
        Exportable("contact", Contact, contact_queryset, tuple(CONTACT_FILTERS)),
        Exportable("opportunity", Opportunity, opportunity_queryset, tuple(OPPORTUNITY_FILTERS)),
        Exportable(
            "activity", Activity, activity_queryset, tuple(ACTIVITY_FILTERS), searchable=False
        ),
        Exportable("lead", Lead, lead_queryset, (*LEAD_FILTERS, "view", "min_score", "hot")),
    ]
    return {e.object_type: e for e in found}


def exportable(object_type: str) -> Exportable:
    found = exportables().get(object_type)
    if found is None:
        raise ValidationFailed.on("object", _("This kind of record cannot be exported."))
    return found


def allowed_columns(actor, object_type: str) -> list[Column]:
    """The columns the actor may export: every readable field their role does not mask."""
    cols = exportable(object_type).columns()
    names = set(access.visible_fields(actor, object_type, [c.name for c in cols]))
    return [c for c in cols if c.name in names]


def check_request(
    actor, object_type: str, columns: list[str] | None, filters: dict, query: str, fmt: str
) -> tuple[list[str], dict]:
    """Refuse what the actor may not export; the columns and filters to use."""
    spec = exportable(object_type)
    access.require_right(actor, object_type, "export")
    allowed = allowed_columns(actor, object_type)
    names = [c.name for c in allowed]
    wanted = list(columns or names)
    errors = {}
    if fmt not in FORMATS:
        errors["format"] = [_("Select a valid choice.")]
    bad = [c for c in wanted if c not in names]
    if bad or not wanted:
        errors["columns"] = [_("Select columns you may see.")]
    unknown = [k for k in filters if k not in spec.filters]
    if unknown:
        errors["filters"] = [_("Unknown filter.")]
    if query and not spec.searchable:
        errors["q"] = [_("This list cannot be searched.")]
    if errors:
        raise ValidationFailed(fields=errors)
    clean_filters = {k: str(v) for k, v in filters.items() if v not in (None, "")}
    # Let the selector refuse bad filter values now rather than in the job.
    _queryset(actor, spec, clean_filters, query).query  # noqa: B018
    return wanted, clean_filters


def _queryset(actor, spec: Exportable, filters: dict, query: str) -> models.QuerySet:
    kwargs: dict[str, Any] = {"filters": filters}
    if spec.searchable:
        kwargs["q"] = query or None
    return spec.queryset(actor, **kwargs)


def rows(actor, job) -> Iterator[list[Any]]:
    """The job's rows, as cells, read by id in batches (the selector's scope applied)."""
    spec = exportable(job.object_type)
    by_name = {c.name: c for c in allowed_columns(actor, job.object_type)}
    cols = [by_name[n] for n in job.columns if n in by_name]
    qs = _queryset(actor, spec, job.filters, job.query).select_related(None).order_by()
    paths = [c.path for c in cols]
    size = settings.EXPORT_BATCH_ROWS
    last = 0
    zone = timezone.get_current_timezone()
    while True:
        batch = list(qs.filter(pk__gt=last).order_by("pk").values_list("pk", *paths)[:size])
        if not batch:
            return
        for _pk, *values in batch:
            yield [_cell(c, v, zone) for c, v in zip(cols, values, strict=True)]
        last = batch[-1][0]


def _cell(col: Column, value: Any, zone) -> Any:
    if value is None:
        return ""
    if col.choices is not None:
        return str(col.choices.get(value, value))
    if isinstance(value, datetime):
        return timezone.localtime(value, zone).replace(tzinfo=None)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, Decimal | int | float):
        return value
    return neutralise(str(value))


def write(actor, job, path: Path) -> int:
    """Write the job's file; the number of rows."""
    by_name = {c.name: c for c in allowed_columns(actor, job.object_type)}
    count = 0
    with translation.override(job.language or settings.LANGUAGE_CODE):
        header = [capfirst(str(by_name[n].label)) for n in job.columns if n in by_name]
        if job.file_format == "xlsx":
            from openpyxl import Workbook

            book = Workbook(write_only=True)
            sheet = book.create_sheet()
            sheet.append(header)
            for row in rows(actor, job):
                sheet.append(row)
                count += 1
            book.save(path)
            return count
        with open(path, "w", encoding="utf-8-sig", newline="") as handle:
            out = csv.writer(handle)
            out.writerow(header)
            for row in rows(actor, job):
                out.writerow(row)
                count += 1
    return count
