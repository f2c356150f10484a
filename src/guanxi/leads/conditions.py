"""Conditions on a lead's fields, shared by assignment rules, scoring rules and filters.

A condition is ``{"field": "region", "op": "eq", "value": "east"}``; a rule holds a list of
them and matches when every one holds. Values are compared as text, except for the numeric
fields, so an admin edits them in a form without knowing types.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from guanxi.core.errors import ValidationFailed

# Lead fields a condition may test, with their labels (for the rule editors).
FIELDS = {
    "kind": gettext_lazy("Type"),
    "source": gettext_lazy("Source"),
    "channel": gettext_lazy("Channel"),
    "region": gettext_lazy("Region"),
    "province": gettext_lazy("Province"),
    "city": gettext_lazy("City"),
    "industry": gettext_lazy("Industry"),
    "company": pgettext_lazy("company name", "Company"),
    "title": gettext_lazy("Job title"),
    "campaign": gettext_lazy("Campaign"),
    "email": gettext_lazy("Email"),
    "mobile": gettext_lazy("Mobile"),
    "wechat_id": gettext_lazy("WeChat ID"),
    "message": gettext_lazy("Message"),
    "marketing_consent": gettext_lazy("Agrees to marketing"),
    "score": gettext_lazy("Score"),
    "activities": gettext_lazy("Logged activities"),
    "days_since_touch": gettext_lazy("Days since last follow-up"),
    "utm_source": gettext_lazy("UTM source"),
    "utm_medium": gettext_lazy("UTM medium"),
    "utm_campaign": gettext_lazy("UTM campaign"),
}
NUMERIC = {"score", "activities", "days_since_touch"}

OPS = {
    "eq": gettext_lazy("is"),
    "ne": gettext_lazy("is not"),
    "in": gettext_lazy("is one of"),
    "contains": gettext_lazy("contains"),
    "empty": gettext_lazy("is empty"),
    "not_empty": gettext_lazy("is filled in"),
    "gte": gettext_lazy("is at least"),
    "lte": gettext_lazy("is at most"),
}
VALUELESS = {"empty", "not_empty"}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value).strip().casefold()


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def clean_conditions(conditions: Any, field: str = "conditions") -> list[dict[str, str]]:
    """Check and tidy a list of conditions; a field-level error names the bad one."""
    if conditions in (None, ""):
        return []
    if not isinstance(conditions, list):
        raise ValidationFailed.on(field, _("Enter a list of conditions."))
    cleaned = []
    for i, cond in enumerate(conditions, start=1):
        if not isinstance(cond, dict):
            raise ValidationFailed.on(field, _("Condition %(n)s is not valid.") % {"n": i})
        name, op = str(cond.get("field", "")), str(cond.get("op", ""))
        value = cond.get("value", "")
        value = "" if value is None else str(value).strip()
        if name not in FIELDS:
            raise ValidationFailed.on(
                field, _("Condition %(n)s: choose a field to test.") % {"n": i}
            )
        if op not in OPS:
            raise ValidationFailed.on(field, _("Condition %(n)s: choose a comparison.") % {"n": i})
        if op in {"gte", "lte"} and _number(value) is None:
            raise ValidationFailed.on(field, _("Condition %(n)s: enter a number.") % {"n": i})
        if op not in VALUELESS and op not in {"ne"} and value == "":
            raise ValidationFailed.on(field, _("Condition %(n)s: enter a value.") % {"n": i})
        if len(value) > 200:
            raise ValidationFailed.on(
                field, _("Condition %(n)s: the value is too long.") % {"n": i}
            )
        cleaned.append({"field": name, "op": op, "value": "" if op in VALUELESS else value})
    return cleaned


def lead_value(lead, name: str, facts: dict[str, Any] | None = None) -> Any:
    if facts and name in facts:
        return facts[name]
    if name.startswith("utm_"):
        return (lead.utm or {}).get(name, "")
    return getattr(lead, name, "")


def holds(lead, cond: dict[str, str], facts: dict[str, Any] | None = None) -> bool:
    op, expected = cond["op"], cond.get("value", "")
    actual = lead_value(lead, cond["field"], facts)
    if op == "empty":
        return _text(actual) in ("", "false", "0")
    if op == "not_empty":
        return _text(actual) not in ("", "false", "0")
    if op in {"gte", "lte"}:
        a, e = _number(actual), _number(expected)
        if a is None or e is None:
            return False
        return a >= e if op == "gte" else a <= e
    a, e = _text(actual), _text(expected)
    if op == "eq":
        return a == e
    if op == "ne":
        return a != e
    if op == "in":
        return a in {x.strip().casefold() for x in expected.replace("，", ",").split(",")}
    if op == "contains":
        return e in a
    return False


def matches(lead, conditions: list[dict[str, str]], facts: dict[str, Any] | None = None) -> bool:
    return all(holds(lead, c, facts) for c in conditions)


def describe(conditions: list[dict[str, str]]) -> str:
    """A one-line summary of conditions for lists ("Region is east and Score is at least 50")."""
    if not conditions:
        return _("Every lead")
    parts = []
    for c in conditions:
        label = str(FIELDS.get(c["field"], c["field"]))
        op = str(OPS.get(c["op"], c["op"]))
        parts.append(f"{label} {op} {_shown(c['field'], c['value'])}".strip())
    return _(" and ").join(parts)


def _shown(field: str, value: str) -> str:
    """A coded value as people read it ("east" → "East China"), each one of a list."""
    from django.core.exceptions import FieldDoesNotExist

    from guanxi.leads.models import Lead

    try:
        choices = dict(getattr(Lead._meta.get_field(field), "flatchoices", None) or ())
    except FieldDoesNotExist:  # UTM…: shown as typed
        return value
    if not choices:
        return value
    items = [v.strip() for v in value.replace("，", ",").split(",")]
    return ", ".join(str(choices.get(v, v)) for v in items)
