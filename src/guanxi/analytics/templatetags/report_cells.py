"""A report cell formatted by its column's kind: money, counts, quantities, percentages,
days."""

from __future__ import annotations

import json

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
    if kind == "quantity":  # whole units without decimals, parts of units with two
        places = 0 if value == value.to_integral_value() else 2
        return number_format(value, places, use_l10n=True, force_grouping=True)
    if kind == "int":
        return number_format(value, 0, use_l10n=True, force_grouping=True)
    if kind == "percent":
        return percent(number_format(value, 1, use_l10n=True))
    if kind == "days":
        return _("%(days)s d") % {"days": number_format(value, 1, use_l10n=True)}
    return str(value)


@register.filter
def chart_json(chart: dict) -> str:
    """A chart's spec as JSON for a data attribute (the template escapes it)."""
    return json.dumps(chart, ensure_ascii=False, default=str)


@register.filter
def cell_class(column) -> str:
    return "num nowrap" if column.kind != "text" else ""
