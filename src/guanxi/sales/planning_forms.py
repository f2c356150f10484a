"""Forms of the forecast and targets pages (the services validate again)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.sales.models import TargetMetric

AMOUNT = {"max_digits": 16, "decimal_places": 2, "min_value": 0}


class ForecastForm(forms.Form):
    commit = forms.DecimalField(label=_("Commit"), **AMOUNT)
    best_case = forms.DecimalField(label=_("Best case"), **AMOUNT)
    comment = forms.CharField(label=_("Comment"), max_length=500, required=False)


class AdjustForm(forms.Form):
    commit = forms.DecimalField(label=_("Adjusted commit"), required=False, **AMOUNT)
    best_case = forms.DecimalField(label=_("Adjusted best case"), required=False, **AMOUNT)
    comment = forms.CharField(label=_("Why"), max_length=500)


class TargetForm(forms.Form):
    subject = forms.ChoiceField(label=_("For"))
    metric = forms.ChoiceField(label=_("Measure"), choices=TargetMetric.choices)
    amount = forms.DecimalField(label=_("Target"), **AMOUNT)

    def __init__(self, *args, subjects: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].choices = subjects

    def subject_kwargs(self) -> dict:
        """``user:4`` / ``team:2`` / ``region:east`` as the service's keyword."""
        kind, _sep, value = self.cleaned_data["subject"].partition(":")
        return {kind: value}
