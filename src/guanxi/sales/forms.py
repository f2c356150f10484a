"""The deal form; its cleaned data goes to ``sales.services``."""

from __future__ import annotations

from django import forms
from django.forms.models import fields_for_model
from django.utils.text import capfirst

from guanxi.core.selectors import owner_choices
from guanxi.customers.selectors import account_choices, contact_choices
from guanxi.sales.models import Opportunity
from guanxi.sales.selectors import stage_choices
from guanxi.web.forms import RecordField, RecordForm, date_widget, owner_field, record_choices

DEAL_FORM_FIELDS = (
    "name",
    "amount",
    "currency",
    "expected_close",
    "competitor",
    "lost_reason",
    "description",
)


def _label(name: str):
    return capfirst(Opportunity._meta.get_field(name).verbose_name)


class DealForm(RecordForm):
    service_fields = ("account", "contact", "pipeline", "stage", *DEAL_FORM_FIELDS)

    def setup(self) -> None:
        actor = self.actor
        account = self["account"].value()
        self.fields["account"].widget.choices = record_choices(
            account_choices(actor, include=account)
        )
        self.fields["contact"].widget.choices = record_choices(
            contact_choices(actor, account=account, include=self["contact"].value())
        )
        pipelines = stage_choices(actor)
        self.fields["pipeline"].widget.choices = record_choices([p for p, _s in pipelines])
        self.fields["stage"].widget.choices = [("", "—")] + [
            (p.name, [(str(s.pk), s.name) for s in stages]) for p, stages in pipelines
        ]
        if self.instance is None:
            self.fields["owner"] = owner_field(actor, owner_choices(actor))


DealForm.base_fields = {
    "account": RecordField(label=_label("account"), required=True),
    "contact": RecordField(label=_label("contact")),
    "pipeline": RecordField(label=_label("pipeline")),
    "stage": RecordField(label=_label("stage")),
    **fields_for_model(
        Opportunity,
        fields=DEAL_FORM_FIELDS,
        widgets={
            "expected_close": date_widget(),
            "description": forms.Textarea(attrs={"rows": 4}),
        },
    ),
    **DealForm.base_fields,
}
