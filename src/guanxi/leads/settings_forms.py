"""Forms of Settings → Leads; their cleaned data is what ``leads.configuration`` receives.

A rule's conditions are posted as repeated inputs — ``cond_field``, ``cond_op`` and
``cond_value``, one of each per row — so the condition editor works without JavaScript;
``ConditionsField`` turns them into the list of ``{"field", "op", "value"}`` the services
check (``conditions.clean_conditions``), and their errors are shown next to the editor.
"""

from __future__ import annotations

from itertools import zip_longest
from typing import Any

from django import forms
from django.forms.models import fields_for_model
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from guanxi.customers.models import Region, Source
from guanxi.leads.conditions import FIELDS, OPS
from guanxi.leads.configuration import POOL_FIELDS, RULE_FIELDS, SCORING_FIELDS, SETTINGS_FIELDS
from guanxi.leads.models import (
    AssignmentRule,
    Channel,
    LeadKind,
    LeadSettings,
    Pool,
    RuleAction,
    ScoringRule,
)
from guanxi.web.forms import RecordField, RecordForm, record_choices

# The names of the repeated inputs of one condition row.
ROW_INPUTS = ("cond_field", "cond_op", "cond_value")

# Which of user / team / pool each action uses (the others are cleared when saving).
ACTION_TARGETS = {
    RuleAction.USER: "user",
    RuleAction.ROUND_ROBIN: "team",
    RuleAction.LEAST_LOADED: "team",
    RuleAction.POOL: "pool",
}


def value_suggestions() -> dict[str, list[tuple[str, Any]]]:
    """Values to suggest for fields holding codes (a rule compares the code, not its label)."""
    return {
        "kind": list(LeadKind.choices),
        "source": list(Source.choices),
        "channel": list(Channel.choices),
        "region": list(Region.choices),
        "marketing_consent": [("true", _("Yes")), ("false", _("No"))],
    }


class ConditionsWidget(forms.Widget):
    """Reads the repeated row inputs; the editor itself is drawn by a template include."""

    def value_from_datadict(self, data, files, name):
        if not hasattr(data, "getlist"):
            return data.get(name)
        columns = [data.getlist(key) for key in ROW_INPUTS]
        return [
            {"field": field.strip(), "op": op.strip(), "value": value}
            for field, op, value in zip_longest(*columns, fillvalue="")
        ]

    def value_omitted_from_data(self, data, files, name):
        return not any(key in data for key in ROW_INPUTS)


class ConditionsField(forms.Field):
    """The rows of the condition editor; rows left blank are dropped.

    Whether a field, comparison and value make sense is the service's to say, so that the
    web form, the API and imports get the same messages.
    """

    widget = ConditionsWidget

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Conditions"))
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        if not value:
            return []
        if not isinstance(value, list):
            raise forms.ValidationError(_("Enter a list of conditions."), code="invalid")
        return [row for row in value if not _blank(row)]


def _blank(row: dict[str, Any]) -> bool:
    return not row.get("field") and not str(row.get("value", "")).strip()


class ConditionsMixin:
    """The condition editor's rows, with ``add_condition`` / ``remove_condition`` handled
    on the server for browsers without JavaScript."""

    def condition_rows(self) -> list[dict[str, Any]]:
        if self.is_bound:
            rows = self.fields["conditions"].widget.value_from_datadict(
                self.data, self.files, "conditions"
            )
            rows = list(rows or [])
            remove = self.data.get("remove_condition")
            if remove is not None and str(remove).isdigit() and int(remove) < len(rows):
                del rows[int(remove)]
            if "add_condition" in self.data:
                rows.append(_empty_row())
        else:
            rows = [dict(r) for r in (self.initial.get("conditions") or [])]
        if not rows:
            rows.append(_empty_row())
        return [{**row, "index": i} for i, row in enumerate(rows)]

    @property
    def editing_conditions(self) -> bool:
        """True when the post only added or removed a condition row (nothing is saved)."""
        return self.is_bound and ("add_condition" in self.data or "remove_condition" in self.data)


def _empty_row() -> dict[str, str]:
    return {"field": "", "op": "eq", "value": ""}


def field_choices() -> list[tuple[str, Any]]:
    return [("", _("Choose a field…")), *FIELDS.items()]


def op_choices() -> list[tuple[str, Any]]:
    return list(OPS.items())


def _label(model, name: str) -> str:
    return capfirst(model._meta.get_field(name).verbose_name)


class AssignmentRuleForm(ConditionsMixin, RecordForm):
    service_fields = RULE_FIELDS

    def __init__(self, *args, users=(), teams=(), pools=(), **kwargs):
        self.choice_rows = {"user": users, "team": teams, "pool": pools}
        super().__init__(*args, **kwargs)

    def setup(self) -> None:
        self.fields["user"].widget.choices = [("", "—")] + [
            (str(u.pk), u.display_name) for u in self.choice_rows["user"]
        ]
        self.fields["team"].widget.choices = record_choices(self.choice_rows["team"])
        self.fields["pool"].widget.choices = [("", _("The pool of the lead's region"))] + [
            (str(p.pk), p.name) for p in self.choice_rows["pool"]
        ]

    def service_data(self) -> dict:
        data = super().service_data()
        used = ACTION_TARGETS.get(data.get("action"))
        for target in ("user", "team", "pool"):
            if target != used:
                data[target] = None
        return data


AssignmentRuleForm.base_fields = {
    **fields_for_model(AssignmentRule, fields=("name", "is_active")),
    "conditions": ConditionsField(),
    "action": forms.ChoiceField(
        label=_label(AssignmentRule, "action"),
        choices=RuleAction.choices,
        initial=RuleAction.ROUND_ROBIN,
    ),
    "user": RecordField(
        label=_("Assign to"), help_text=_("For “Assign to a user”: who gets the leads.")
    ),
    "team": RecordField(
        label=_label(AssignmentRule, "team"),
        help_text=_("For round-robin and least-loaded: whose members (sub-teams included)."),
    ),
    "pool": RecordField(
        label=_label(AssignmentRule, "pool"),
        help_text=_("For “Put in a pool”: which pool."),
    ),
    **AssignmentRuleForm.base_fields,
}


class ScoringRuleForm(ConditionsMixin, RecordForm):
    service_fields = SCORING_FIELDS


ScoringRuleForm.base_fields = {
    **fields_for_model(ScoringRule, fields=("name", "is_active")),
    "conditions": ConditionsField(),
    "points": forms.IntegerField(
        label=_label(ScoringRule, "points"),
        min_value=-1000,
        max_value=1000,
        help_text=_("Negative points lower the score."),
    ),
    **ScoringRuleForm.base_fields,
}


class PoolForm(RecordForm):
    service_fields = POOL_FIELDS

    def __init__(self, *args, teams=(), **kwargs):
        self.teams = teams
        super().__init__(*args, **kwargs)

    def setup(self) -> None:
        self.fields["team"].widget.choices = [("", _("Everyone"))] + [
            (str(t.pk), t.name) for t in self.teams
        ]
        self.fields["region"].choices = [("", _("Any region")), *Region.choices]
        for name in ("account_reclaim_days", "account_limit"):  # empty: 0, never / no limit
            self.fields[name].required = False

    def clean_account_reclaim_days(self):
        return self.cleaned_data.get("account_reclaim_days") or 0

    def clean_account_limit(self):
        return self.cleaned_data.get("account_limit") or 0


PoolForm.base_fields = {
    **fields_for_model(Pool, fields=("name", "region", "reclaim_days", "claim_limit")),
    "team": RecordField(
        label=_label(Pool, "team"), help_text=Pool._meta.get_field("team").help_text
    ),
    **fields_for_model(Pool, fields=("account_reclaim_days", "account_limit", "is_active")),
    **PoolForm.base_fields,
}


class LeadSettingsForm(RecordForm):
    service_fields = SETTINGS_FIELDS

    def __init__(self, *args, pools=(), **kwargs):
        self.pools = pools
        super().__init__(*args, **kwargs)

    def setup(self) -> None:
        self.fields["default_pool"].widget.choices = [("", "—")] + [
            (str(p.pk), p.name) for p in self.pools
        ]


LeadSettingsForm.base_fields = {
    **fields_for_model(LeadSettings, fields=("hot_threshold", "decay_days")),
    "default_pool": RecordField(
        label=_label(LeadSettings, "default_pool"),
        help_text=_("New leads no rule assigns and no regional pool takes go here."),
    ),
    **LeadSettingsForm.base_fields,
}
