"""Forms of the payment pages; their cleaned data goes to ``sales.payments``."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from guanxi.sales.models import PaymentMethod
from guanxi.sales.payment_plans import PlanPreset
from guanxi.web.forms import VersionForm, date_widget
from guanxi.web.templatetags.guanxi import money


def instalment_label(inst) -> str:
    return gettext_now("Due %(date)s · %(amount)s outstanding") % {
        "date": date_format(inst.due_date, "SHORT_DATE_FORMAT"),
        "amount": money(inst.amount - inst.paid, inst.currency),
    }


class ReceiptForm(forms.Form):
    received_on = forms.DateField(label=_("Received on"), widget=date_widget())
    amount = forms.DecimalField(
        label=_("Amount"), max_digits=16, decimal_places=2, min_value=Decimal("0.01")
    )
    method = forms.ChoiceField(label=_("Method"), choices=PaymentMethod.choices)
    reference = forms.CharField(
        label=_("Reference"),
        max_length=100,
        required=False,
        help_text=_("The bank slip or transaction number."),
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    instalment = forms.ChoiceField(label=_("Instalment"), required=False, choices=())

    def __init__(self, *args, instalments=(), choose=True, **kwargs):
        super().__init__(*args, **kwargs)
        if choose:
            self.fields["instalment"].choices = [("", _("The oldest due first"))] + [
                (str(i.pk), instalment_label(i)) for i in instalments
            ]
        else:
            del self.fields["instalment"]

    def service_data(self) -> dict:
        return {
            k: self.cleaned_data[k]
            for k in ("received_on", "amount", "method", "reference", "note")
        }


class VoidForm(VersionForm):
    reason = forms.CharField(label=_("Why is it voided?"), max_length=300)


class PresetForm(forms.Form):
    preset = forms.ChoiceField(label=_("Plan"), choices=PlanPreset.choices)
    count = forms.IntegerField(
        label=_("Number of monthly instalments"),
        required=False,
        min_value=2,
        max_value=60,
        initial=3,
    )
    first_due = forms.DateField(
        label=_("First due date"),
        required=False,
        widget=date_widget(),
        help_text=_("Empty: the order's dates (a contract's signing and start)."),
    )
