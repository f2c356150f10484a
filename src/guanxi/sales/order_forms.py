"""Forms of orders and contracts; their cleaned data goes to ``sales.orders`` and
``sales.contracts``."""

from __future__ import annotations

from django import forms
from django.forms.models import fields_for_model
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from guanxi.core.selectors import owner_choices
from guanxi.customers.selectors import account_choices, contact_choices
from guanxi.sales import contracts, orders
from guanxi.sales.models import Contract, ContractStatus, Order
from guanxi.sales.selectors import opportunity_choices
from guanxi.web.forms import RecordField, RecordForm, date_widget, owner_field, record_choices


def _label(model, name: str):
    return capfirst(model._meta.get_field(name).verbose_name)


class _LinkedForm(RecordForm):
    """A record made for an account, and perhaps a deal (and an order): those are chosen
    when creating it and stay afterwards."""

    links: tuple[str, ...] = ("account", "opportunity")

    def setup(self) -> None:
        actor = self.actor
        if self.instance is not None:
            for name in self.links:
                self.fields.pop(name, None)
            account = self.instance.account_id
        else:
            account = self["account"].value()
            self.fields["account"].widget.choices = record_choices(
                account_choices(actor, include=account)
            )
            self.fields["opportunity"].widget.choices = record_choices(
                opportunity_choices(actor, account=account, include=self["opportunity"].value())
            )
            self.fields["owner"] = owner_field(actor, owner_choices(actor))
        self.fields["contact"].widget.choices = record_choices(
            contact_choices(actor, account=account, include=self["contact"].value())
        )


class OrderForm(_LinkedForm):
    service_fields = orders.ORDER_CREATE_FIELDS


OrderForm.base_fields = {
    "account": RecordField(label=_label(Order, "account")),
    "opportunity": RecordField(label=_label(Order, "opportunity")),
    "contact": RecordField(label=_label(Order, "contact")),
    **fields_for_model(
        Order,
        fields=orders.ORDER_FIELDS[1:],
        widgets={
            "order_date": date_widget(),
            "delivery_date": date_widget(),
            "shipping_address": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        },
    ),
    **OrderForm.base_fields,
}


class ContractForm(_LinkedForm):
    service_fields = contracts.CONTRACT_CREATE_FIELDS
    links = ("account", "opportunity", "order")

    def setup(self) -> None:
        super().setup()
        if self.instance is None:
            self.fields["order"].widget.choices = record_choices(
                orders.order_choices(
                    self.actor, account=self["account"].value(), include=self["order"].value()
                )
            )
        elif self.instance.status == ContractStatus.ACTIVE:
            # What was signed stays: only the contact and the renewal settings change.
            for name in list(self.fields):
                if name not in (*contracts.ACTIVE_FIELDS, "version"):
                    self.fields.pop(name)


ContractForm.base_fields = {
    "account": RecordField(label=_label(Contract, "account")),
    "opportunity": RecordField(label=_label(Contract, "opportunity")),
    "order": RecordField(label=_label(Contract, "order")),
    "contact": RecordField(label=_label(Contract, "contact")),
    **fields_for_model(
        Contract,
        fields=tuple(f for f in contracts.CONTRACT_FIELDS if f != "contact"),
        widgets={
            "signed_on": date_widget(),
            "start_date": date_widget(),
            "end_date": date_widget(),
            "renewal_date": date_widget(),
            "terms": forms.Textarea(attrs={"rows": 6}),
        },
    ),
    **ContractForm.base_fields,
}
ContractForm.base_fields["renewal_date"].help_text = _("Blank: the end date.")


class ReasonForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    reason = forms.CharField(
        label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )
