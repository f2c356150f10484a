"""Template helpers shared by every page: money, phones, status badges, form fields."""

from __future__ import annotations

import functools
from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext as _

from guanxi.core.normalize import format_phone
from guanxi.web.html import format_html

register = template.Library()

CURRENCY_SYMBOLS = {"CNY": "¥", "USD": "$", "EUR": "€", "HKD": "HK$", "JPY": "JP¥", "GBP": "£"}
ZERO_DECIMALS = {"JPY"}

# One meaning per colour, on every page: success = good/closed won, danger = lost/overdue,
# warning = needs attention, info = in progress, accent = important, muted = inactive.
TONES: dict[str, dict[str, str]] = {
    "account_status": {
        "prospect": "info",
        "active": "success",
        "inactive": "muted",
        "no_intent": "danger",
    },
    "lifecycle_stage": {
        "acquisition": "info",
        "growth": "success",
        "maturity": "accent",
        "decline": "warning",
        "exit": "muted",
    },
    "grade": {"A": "accent", "B": "info", "C": "neutral", "D": "muted"},
    "deal_status": {"open": "info", "won": "success", "lost": "danger"},
    "lead_status": {
        "new": "info",
        "contacted": "neutral",
        "qualified": "success",
        "disqualified": "danger",
        "converted": "success",
    },
    "quote_status": {
        "draft": "neutral",
        "pending": "warning",
        "approved": "info",
        "sent": "accent",
        "accepted": "success",
        "rejected": "danger",
        "expired": "muted",
        "superseded": "muted",
    },
    "order_status": {
        "draft": "neutral",
        "confirmed": "info",
        "shipped": "accent",
        "completed": "success",
        "cancelled": "danger",
    },
    "contract_status": {
        "draft": "neutral",
        "active": "success",
        "expired": "muted",
        "terminated": "danger",
        "renewed": "info",
    },
    "stage_kind": {"open": "info", "won": "success", "lost": "danger"},
    "done": {"True": "success", "False": "neutral"},
}


@register.filter
def tone(value: Any, kind: str) -> str:
    return TONES.get(kind, {}).get(str(value), "neutral")


@register.simple_tag
def money(amount: Any, currency: str = "CNY") -> str:
    """``¥1,234.50``: the amount grouped and with decimals as the active language writes them."""
    if amount in (None, ""):
        return "—"
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return str(amount)
    places = 0 if currency in ZERO_DECIMALS else 2
    text = number_format(value, places, use_l10n=True, force_grouping=True)
    symbol = CURRENCY_SYMBOLS.get(currency)
    if symbol is None:
        return f"{currency} {text}"
    return f"-{symbol}{text[1:]}" if text.startswith("-") else f"{symbol}{text}"


@register.simple_tag
def money_map(amounts: dict | None, default_currency: str = "CNY") -> str:
    """Totals per currency (a figure's ``money``) as ``¥1,200.00 · $300.00``."""
    if not amounts:
        return money(Decimal("0"), default_currency)
    return " · ".join(money(v, c) for c, v in sorted(amounts.items()))


@register.filter
def phone(value: str) -> str:
    return format_phone(value or "")


@register.filter
def bcp47(language_code: str) -> str:
    """``zh-hans`` → ``zh-Hans`` for the ``lang`` attribute."""
    return to_locale(language_code or "en").replace("_", "-")


@register.filter
def overdue(activity) -> bool:
    due = getattr(activity, "due_at", None)
    return bool(due and not activity.done and due < timezone.now())


@register.filter
def percent(value: Any) -> str:
    # "42%" in English and in Chinese alike: nothing to translate.
    return f"{value}%"


@register.filter
def share(value: Any) -> str:
    """A fraction (0.42) as a whole percentage ("42%")."""
    if value in (None, ""):
        return "—"
    return percent(round(float(value) * 100))


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    return mapping.get(key, "") if isinstance(mapping, dict) else ""


@register.simple_tag
def badge(text: Any, tone_name: str = "neutral"):
    """``<span class="badge badge-TONE">text</span>``, escaped. A simple tag, not an include:
    lists render three badges a row, and a sub-template per badge was most of a page's time."""
    return format_html('<span class="badge badge-{}">{}</span>', tone_name, text)


@register.inclusion_tag("web/components/field.html")
def field(bound_field, hint: str = "", wide: bool = False):
    """A labelled input with its help text and errors, linked for screen readers."""
    widget_attrs = bound_field.field.widget.attrs
    described = []
    if bound_field.help_text or hint:
        described.append(f"{bound_field.auto_id}-help")
    if bound_field.errors:
        described.append(f"{bound_field.auto_id}-errors")
        widget_attrs["aria-invalid"] = "true"
    else:
        widget_attrs.pop("aria-invalid", None)
    if described:
        widget_attrs["aria-describedby"] = " ".join(described)
    else:
        widget_attrs.pop("aria-describedby", None)
    return {
        "field": bound_field,
        "hint": hint or bound_field.help_text,
        "wide": wide,
        "is_checkbox": bound_field.widget_type == "checkbox",
    }


_FILTER = (
    '<div class="filter"><label for="filter-{}">{}</label>\n'
    '<select id="filter-{}" name="{}"><option value="">{}</option>{}</select></div>\n'
)


@register.simple_tag
def filter_select(name: str, label: Any, options, value: Any = "", all_label: Any = None):
    """A labelled drop-down in a list's filter bar; ``options`` are pairs or records.

    Built in Python (a list page has up to seven, with all their options): the markup of
    ``web/components/filter.html``, which stays as its reference.
    """
    value = "" if value is None else str(value)
    pairs = []
    for option in options or ():
        if isinstance(option, list | tuple):
            pairs.append((str(option[0]), option[1]))
        else:
            pairs.append((str(option.pk), str(option)))
    selected = mark_safe(" selected")
    choices = mark_safe(  # noqa: S308 — each option is built by format_html
        "".join(
            format_html('<option value="{}"{}>{}</option>', v, selected if v == value else "", text)
            for v, text in pairs
        )
    )
    return format_html(_FILTER, name, label, name, name, all_label or _("All"), choices)


@functools.lru_cache(maxsize=512)
def _choice_labels(model: type, field_name: str, language: str) -> dict:
    field = model._meta.get_field(field_name)
    return {value: str(label) for value, label in field.flatchoices}


@register.filter
def display(obj: Any, field_name: str) -> str:
    """A choice field's label, like ``obj.get_FIELD_display`` but cached per language:
    Django's version rebuilds and re-translates every choice on each call (three a row)."""
    value = getattr(obj, field_name)
    labels = _choice_labels(type(obj), field_name, get_language() or "")
    return labels.get(value, value)
