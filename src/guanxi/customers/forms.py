"""Forms for accounts and contacts; their cleaned data goes to ``customers.services``."""

from __future__ import annotations

from django import forms
from django.db import models
from django.forms.models import fields_for_model
from django.utils.text import capfirst

from guanxi.core.selectors import owner_choices
from guanxi.customers.models import Account, Contact
from guanxi.customers.selectors import account_choices
from guanxi.customers.services import ACCOUNT_FIELDS, CONTACT_FIELDS
from guanxi.web.forms import (
    RecordField,
    RecordForm,
    TagsField,
    date_widget,
    owner_field,
    record_choices,
)

# The model fields a form edits: what the service accepts, less the relations and tags
# that get their own pickers.
ACCOUNT_FORM_FIELDS = tuple(f for f in ACCOUNT_FIELDS if f != "tags")
CONTACT_FORM_FIELDS = tuple(f for f in CONTACT_FIELDS if f not in {"account", "tags"})


def _formfield(model_field, **kwargs):
    if isinstance(model_field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return model_field.formfield(**kwargs)


def _model_fields(model, names, **widgets) -> dict:
    fields = fields_for_model(model, fields=names, widgets=widgets, formfield_callback=_formfield)
    for name in ("phone", "mobile"):
        if name in fields:  # the service normalises and validates phone numbers
            fields[name].widget.attrs.update({"type": "tel", "autocomplete": "tel"})
    return fields


class AccountForm(RecordForm):
    service_fields = (*ACCOUNT_FORM_FIELDS, "tags")

    def setup(self) -> None:
        if self.instance is None:
            self.fields["owner"] = owner_field(self.actor, owner_choices(self.actor))


AccountForm.base_fields = {
    **_model_fields(
        Account,
        ACCOUNT_FORM_FIELDS,
        description=forms.Textarea(attrs={"rows": 4}),
    ),
    "tags": TagsField(),
    **AccountForm.base_fields,
}


class ContactForm(RecordForm):
    service_fields = ("account", *CONTACT_FORM_FIELDS, "tags")

    def setup(self) -> None:
        selected = self["account"].value()
        self.fields["account"].widget.choices = record_choices(
            account_choices(self.actor, include=selected)
        )
        if self.instance is None:
            self.fields["owner"] = owner_field(self.actor, owner_choices(self.actor))


ContactForm.base_fields = {
    "account": RecordField(label=capfirst(Contact._meta.get_field("account").verbose_name)),
    **_model_fields(
        Contact,
        CONTACT_FORM_FIELDS,
        birthday=date_widget(),
        notes=forms.Textarea(attrs={"rows": 4}),
    ),
    "tags": TagsField(),
    **ContactForm.base_fields,
}
