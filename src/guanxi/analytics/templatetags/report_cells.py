"""A report cell formatted by its column's kind: money, counts, percentages, days."""

from __future__ import annotations

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from guanxi.web.templatetags.guanxi import money, percent

register = template.Library()


@register.simple_tag
def report_cell(row: dict, column, currency: str) -> str:
    value = row.get(column.key)
    if value is None or value == "":
        return "—"
    kind = column.kind
    if kind == "figure":  # a target's amount: money, except counts of customers
        kind = "int" if row.get("metric_code") == "new_customers" else "money"
    if kind == "money":
        return money(value, currency)
    if kind == "int":
        return number_format(value, 0, use_l10n=True, force_grouping=True)
    if kind == "percent":
        return percent(number_format(value, 1, use_l10n=True))
    if kind == "days":
        return _("%(days)s d") % {"days": number_format(value, 1, use_l10n=True)}
    return str(value)


@register.filter
def cell_class(column) -> str:
    return "num nowrap" if column.kind != "text" else ""
