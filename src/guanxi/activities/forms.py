"""The activity form; its cleaned data goes to ``activities.services``."""

from __future__ import annotations

from django import forms
from django.forms.models import fields_for_model
from django.utils.text import capfirst

from guanxi.activities.models import Activity
from guanxi.core.selectors import owner_choices
from guanxi.customers.selectors import account_choices, contact_choices
from guanxi.sales.selectors import opportunity_choices
from guanxi.web.forms import RecordField, RecordForm, datetime_widget, owner_field, record_choices

ACTIVITY_FORM_FIELDS = ("kind", "subject", "due_at", "done", "body")


def _label(name: str):
    return capfirst(Activity._meta.get_field(name).verbose_name)


class ActivityForm(RecordForm):
    service_fields = (*ACTIVITY_FORM_FIELDS, "account", "contact", "opportunity", "lead")

    def setup(self) -> None:
        actor = self.actor
        account = self["account"].value()
        self.fields["account"].widget.choices = record_choices(
            account_choices(actor, include=account)
        )
        self.fields["contact"].widget.choices = record_choices(
            contact_choices(actor, account=account, include=self["contact"].value())
        )
        self.fields["opportunity"].widget.choices = record_choices(
            opportunity_choices(actor, account=account, include=self["opportunity"].value())
        )
        self.fields["due_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"]
        if self.instance is None:
            self.fields["owner"] = owner_field(actor, owner_choices(actor))
        if not self["lead"].value():
            self.fields.pop("lead")


ActivityForm.base_fields = {
    **fields_for_model(
        Activity,
        fields=ACTIVITY_FORM_FIELDS,
        widgets={"due_at": datetime_widget(), "body": forms.Textarea(attrs={"rows": 5})},
    ),
    "account": RecordField(label=_label("account")),
    "contact": RecordField(label=_label("contact")),
    "opportunity": RecordField(label=_label("opportunity")),
    "lead": RecordField(label=_label("lead"), widget=forms.HiddenInput),
    **ActivityForm.base_fields,
}
