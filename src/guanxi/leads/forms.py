"""Forms for leads; their cleaned data goes to ``leads.services``."""

from __future__ import annotations

from django import forms
from django.forms.models import fields_for_model
from django.utils.translation import gettext_lazy as _

from guanxi.leads.models import Channel, Lead, LeadStatus
from guanxi.leads.services import LEAD_FIELDS
from guanxi.web.forms import RecordForm, VersionForm, date_widget

LEAD_FORM_FIELDS = tuple(f for f in LEAD_FIELDS if f != "utm")
BY_RULES = "rules"


def _fields() -> dict:
    fields = fields_for_model(
        Lead, fields=LEAD_FORM_FIELDS, widgets={"message": forms.Textarea(attrs={"rows": 4})}
    )
    for name in ("phone", "mobile"):
        fields[name].widget.attrs.update({"type": "tel", "autocomplete": "tel"})
    return fields


CHANNEL_CHOICES = [
    (c, label) for c, label in Channel.choices if c in (Channel.MANUAL, Channel.CALL, Channel.EVENT)
]


class LeadForm(RecordForm):
    service_fields = LEAD_FORM_FIELDS

    def setup(self) -> None:
        if self.instance is None:
            from guanxi.core.selectors import owner_choices

            field = forms.ChoiceField(label=_("Owner"), initial=str(self.actor.pk), required=False)
            field.choices = [(BY_RULES, _("By the assignment rules"))] + [
                (str(u.pk), u.display_name) for u in owner_choices(self.actor)
            ]
            self.fields["owner"] = field
            self.fields["channel"] = forms.ChoiceField(
                label=_("How it arrived"),
                choices=CHANNEL_CHOICES,
                initial=Channel.MANUAL,
                required=False,
            )

    def service_data(self) -> dict:
        data = super().service_data()
        if "channel" in self.fields:
            data["channel"] = self.cleaned_data["channel"] or Channel.MANUAL
        return data


LeadForm.base_fields = {**_fields(), **LeadForm.base_fields}


class StatusForm(VersionForm):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(s, label) for s, label in LeadStatus.choices if s != LeadStatus.CONVERTED],
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        required=False,
        help_text=_("Needed to disqualify a lead."),
    )


class ReleaseForm(VersionForm):
    reason = forms.CharField(label=_("Why (optional)"), max_length=300, required=False)


class ConvertForm(VersionForm):
    account = forms.ChoiceField(label=_("Account"))
    contact = forms.ChoiceField(label=_("Contact"))
    create_deal = forms.BooleanField(label=_("Create a deal"), required=False, initial=True)
    deal_name = forms.CharField(label=_("Deal name"), max_length=200, required=False)
    amount = forms.DecimalField(
        label=_("Amount"), max_digits=14, decimal_places=2, min_value=0, required=False
    )
    expected_close = forms.DateField(
        label=_("Expected close"), required=False, widget=date_widget()
    )

    def __init__(self, *args, accounts=(), contacts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = [("new", _("Create a new account"))] + [
            (str(a.pk), a.name) for a in accounts
        ]
        self.fields["contact"].choices = [("new", _("Create a new contact"))] + [
            (str(c.pk), c.name) for c in contacts
        ]


class BulkForm(forms.Form):
    ACTIONS = (
        ("assign", _("Assign to…")),
        ("claim", _("Claim")),
        ("release", _("Release to the pool")),
        ("route", _("Assign by the rules")),
    )
    action = forms.ChoiceField(choices=ACTIONS)
    ids = forms.CharField(max_length=20000)
    owner = forms.CharField(required=False, max_length=20)

    def clean_ids(self):
        ids = [x for x in self.cleaned_data["ids"].replace(",", " ").split() if x.isdigit()]
        if not ids:
            raise forms.ValidationError(_("Select at least one lead."))
        if len(ids) > 500:
            raise forms.ValidationError(_("Select at most 500 leads at a time."))
        return [int(x) for x in ids]


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "UTF-8 or GBK, with column titles such as Name, Company, Mobile, Email "
            "(or 姓名, 公司, 手机, 邮箱)."
        ),
    )
    owner = forms.ChoiceField(label=_("Owner"), required=False)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        from guanxi.core.selectors import owner_choices

        self.fields["owner"].choices = [(BY_RULES, _("By the assignment rules"))] + [
            (str(u.pk), u.display_name) for u in owner_choices(actor)
        ]
        self.fields["owner"].initial = BY_RULES
