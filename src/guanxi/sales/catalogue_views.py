"""Pages for products, price lists, promotions, exchange rates and approval rules."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core import access, approvals
from guanxi.core.errors import ValidationFailed
from guanxi.sales import catalogue
from guanxi.sales.cpq_forms import (
    ApprovalRuleForm,
    PriceForm,
    PriceListForm,
    ProductForm,
    PromotionForm,
)
from guanxi.sales.models import Currency
from guanxi.web import crud
from guanxi.web.forms import record_choices
from guanxi.web.ui import apply_errors, page


@page
def product_list(request):
    access.require_right(request.user, "product", "read")
    return crud.list_page(
        request,
        selector=catalogue.product_list,
        template="sales/products/list.html",
        rows_template="sales/products/_rows.html",
        sorts=catalogue.PRODUCT_SORTS,
        filter_names=("category",),
        labels={"category": _("Category"), "sort": _("Sort")},
    )


def _form_page(request, *, form, obj, create, update, kwarg, done, template, title, back):
    """Create (``obj`` None) or edit one catalogue record through its service."""
    actor = request.user

    def call(f):
        if obj is None:
            return create(actor=actor, data=f.service_data())
        return update(
            actor=actor, data=f.service_data(), version=f.cleaned_data["version"], **{kwarg: obj}
        )

    response = crud.save(request, form, call, success=done, message=_("Saved."))
    return response or render(
        request, template, {"form": form, "object": obj, "title": title, "back": back}
    )


@page
def product_form(request, pk: int | None = None):
    actor = request.user
    obj = catalogue.product_get(actor, pk) if pk else None
    access.require_right(actor, "product", "update" if obj else "create")
    return _form_page(
        request,
        form=ProductForm(request.POST or None, actor=actor, instance=obj),
        obj=obj,
        create=catalogue.product_create,
        update=catalogue.product_update,
        kwarg="product",
        done=lambda o: reverse("sales:product_list"),
        template="sales/products/form.html",
        title=_("Edit product") if obj else _("New product"),
        back=reverse("sales:product_list"),
    )


@page
def price_list_index(request):
    actor = request.user
    access.require_right(actor, "price_list", "read")
    return render(
        request,
        "sales/products/pricing.html",
        {
            "price_lists": catalogue.price_list_list(actor),
            "promotions": catalogue.promotion_list(actor),
            "rates": catalogue.currency_rate_list(actor),
            "currencies": [c for c in Currency.choices if c[0] != actor.organisation.currency],
        },
    )


@page
def price_list_form(request, pk: int | None = None):
    actor = request.user
    obj = catalogue.price_list_get(actor, pk) if pk else None
    access.require_right(actor, "price_list", "update" if obj else "create")
    return _form_page(
        request,
        form=PriceListForm(request.POST or None, actor=actor, instance=obj),
        obj=obj,
        create=catalogue.price_list_create,
        update=catalogue.price_list_update,
        kwarg="price_list",
        done=lambda o: reverse("sales:price_list_detail", args=[o.pk]),
        template="sales/products/form.html",
        title=_("Edit price list") if obj else _("New price list"),
        back=reverse("sales:pricing"),
    )


@page
def price_list_detail(request, pk: int):
    actor = request.user
    price_list = catalogue.price_list_get(actor, pk)
    form = PriceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            catalogue.price_set(
                actor=actor,
                price_list=price_list,
                product=form.cleaned_data["product"],
                unit_price=form.cleaned_data["unit_price"],
            )
            return redirect(request.path)
        except ValidationFailed as exc:
            apply_errors(form, exc)
    form.fields["product"].widget.choices = record_choices(
        catalogue.product_choices(actor, limit=500)
    )
    return render(
        request,
        "sales/products/price_list.html",
        {
            "price_list": price_list,
            "items": catalogue.price_list_items(actor, price_list),
            "form": form,
        },
    )


@require_POST
@page
def price_remove(request, pk: int, product_pk: int):
    price_list = catalogue.price_list_get(request.user, pk)
    catalogue.price_remove(actor=request.user, price_list=price_list, product=product_pk)
    return redirect(reverse("sales:price_list_detail", args=[pk]))


@page
def promotion_form(request, pk: int | None = None):
    actor = request.user
    obj = catalogue.promotion_get(actor, pk) if pk else None
    access.require_right(actor, "price_list", "update" if obj else "create")
    form = PromotionForm(request.POST or None, actor=actor, instance=obj)
    form.fields["product"].widget.choices = record_choices(
        catalogue.product_choices(actor, limit=500)
    )
    return _form_page(
        request,
        form=form,
        obj=obj,
        create=catalogue.promotion_create,
        update=catalogue.promotion_update,
        kwarg="promotion",
        done=lambda o: reverse("sales:pricing"),
        template="sales/products/form.html",
        title=_("Edit promotion") if obj else _("New promotion"),
        back=reverse("sales:pricing"),
    )


@require_POST
@page
def currency_rate_set(request):
    from django.contrib import messages

    try:
        catalogue.currency_rate_set(
            actor=request.user,
            currency=request.POST.get("currency", ""),
            rate=request.POST.get("rate", ""),
        )
        messages.success(request, _("Saved."))
    except ValidationFailed as exc:
        messages.error(request, " ".join(m for v in exc.fields.values() for m in v))
    return redirect(reverse("sales:pricing"))


@page
def approval_rules(request):
    return render(
        request,
        "sales/products/approval_rules.html",
        {"rules": approvals.rule_list(request.user), "types": approvals.registered()},
    )


@page
def approval_rule_form(request, pk: int | None = None):
    actor = request.user
    obj = approvals.rule_get(actor, pk) if pk else None
    access.require_admin(actor)

    def create(*, actor, data):
        return approvals.rule_save(actor=actor, data=data)

    def update(*, actor, data, version, rule):
        return approvals.rule_save(actor=actor, data=data, rule=rule, version=version)

    return _form_page(
        request,
        form=ApprovalRuleForm(request.POST or None, actor=actor, instance=obj),
        obj=obj,
        create=create,
        update=update,
        kwarg="rule",
        done=lambda o: reverse("sales:approval_rules"),
        template="sales/products/form.html",
        title=_("Edit approval rule") if obj else _("New approval rule"),
        back=reverse("sales:approval_rules"),
    )
