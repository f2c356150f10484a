"""Forms of products, price lists, promotions, quotes and approval rules; their cleaned data
goes to ``sales.catalogue``, ``sales.quotes`` and ``core.approvals``."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.forms.models import fields_for_model
from django.utils.translation import gettext_lazy as _

from guanxi.core import approvals
from guanxi.core.models import ApprovalRule
from guanxi.sales import catalogue, quotes
from guanxi.sales.models import PriceList, Product, Promotion, Quote
from guanxi.web.forms import RecordField, RecordForm, date_widget


def _model_fields(model, names, widgets=None):
    return fields_for_model(model, fields=names, widgets=widgets or {})


class ProductForm(RecordForm):
    service_fields = catalogue.PRODUCT_FIELDS


ProductForm.base_fields = {
    **_model_fields(
        Product,
        ProductForm.service_fields,
        {"description": forms.Textarea(attrs={"rows": 3})},
    ),
    **ProductForm.base_fields,
}


class PriceListForm(RecordForm):
    service_fields = catalogue.PRICE_LIST_FIELDS


def _region_grade_fields():
    from guanxi.customers.models import Grade, Region

    return {
        "region": forms.ChoiceField(
            label=_("Region"), required=False, choices=[("", _("Any")), *Region.choices]
        ),
        "grade": forms.ChoiceField(
            label=_("Customer grade"), required=False, choices=[("", _("Any")), *Grade.choices]
        ),
    }


PriceListForm.base_fields = {
    **_model_fields(
        PriceList,
        PriceListForm.service_fields,
        {"valid_from": date_widget(), "valid_until": date_widget()},
    ),
    **_region_grade_fields(),
    **PriceListForm.base_fields,
}


class PriceForm(forms.Form):
    product = RecordField(label=_("Product"), required=True)
    unit_price = forms.DecimalField(
        label=_("Unit price"), min_value=0, max_digits=16, decimal_places=2
    )


class PromotionForm(RecordForm):
    service_fields = catalogue.PROMOTION_FIELDS

    def initial_from(self, obj) -> dict:
        initial = super().initial_from(obj)
        initial["tiers"] = ", ".join(f"{t['min_quantity']}:{t['percent']}" for t in obj.tiers)
        return initial


PromotionForm.base_fields = {
    **_model_fields(
        Promotion,
        tuple(f for f in PromotionForm.service_fields if f not in ("tiers", "product")),
        {"valid_from": date_widget(), "valid_until": date_widget()},
    ),
    "product": RecordField(label=_("Only this product")),
    "tiers": forms.CharField(
        label=_("Quantity breaks"),
        required=False,
        max_length=500,
        help_text=_("For quantity breaks: quantity:percent, e.g. 10:5, 50:8"),
    ),
    **PromotionForm.base_fields,
}


class QuoteForm(RecordForm):
    service_fields = quotes.QUOTE_FIELDS


QuoteForm.base_fields = {
    **_model_fields(
        Quote,
        tuple(f for f in QuoteForm.service_fields if f != "contact"),
        {
            "quote_date": date_widget(),
            "valid_until": date_widget(),
            "notes": forms.Textarea(attrs={"rows": 3}),
        },
    ),
    "contact": RecordField(label=_("Contact")),
    **QuoteForm.base_fields,
}


class LineForm(forms.Form):
    product = RecordField(label=_("Product"), required=True)
    quantity = forms.DecimalField(
        label=_("Quantity"), min_value=Decimal("0.01"), max_digits=12, decimal_places=2, initial=1
    )
    discount_percent = forms.DecimalField(
        label=_("Line discount (%)"),
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        required=False,
    )


class DecisionForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SendForm(forms.Form):
    to = forms.EmailField(label=_("Send to"))
    message = forms.CharField(
        label=_("Message"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ApprovalRuleForm(RecordForm):
    service_fields = approvals.RULE_FIELDS

    def setup(self) -> None:
        types = approvals.registered()
        self.fields["object_type"] = forms.ChoiceField(
            label=_("Record type"), choices=[(k, t.label) for k, t in types.items()]
        )
        self.fields["field"] = forms.ChoiceField(
            label=_("Figure"),
            choices=[(f, label) for t in types.values() for f, label in t.figures.items()],
        )


ApprovalRuleForm.base_fields = {
    **_model_fields(ApprovalRule, ApprovalRuleForm.service_fields),
    **ApprovalRuleForm.base_fields,
}
