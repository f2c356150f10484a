"""Pages for orders: the list, the record page with its lines (edited with htmx while a
draft), the form, the way of an order (confirm, ship, complete, cancel) and the order made
from an accepted quote."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core import access
from guanxi.core.errors import InvalidTransition, ValidationFailed, VersionConflict
from guanxi.core.filters import parse_id
from guanxi.customers import selectors as customer_selectors
from guanxi.sales import catalogue, contracts, orders, payment_views, quotes, selectors
from guanxi.sales.cpq_forms import LineForm
from guanxi.sales.models import OrderStatus
from guanxi.sales.order_forms import OrderForm, ReasonForm
from guanxi.web import crud
from guanxi.web.timeline import describe
from guanxi.web.ui import apply_errors, error_messages, is_htmx, page, toast


def _detail_url(order) -> str:
    return reverse("sales:order_detail", args=[order.pk])


def _version(request) -> int | None:
    version = request.POST.get("version", "")
    return int(version) if version.isdigit() else None


@page
def order_list(request):
    actor = request.user
    access.require_right(actor, "order", "read")
    account = parse_id(request.GET.get("account"))
    return crud.list_page(
        request,
        selector=orders.order_list,
        template="sales/orders/list.html",
        rows_template="sales/orders/_rows.html",
        sorts=orders.ORDER_SORTS,
        filter_names=("owner", "status", "account", "date_from", "date_to"),
        labels={
            "owner": _("Owner"),
            "status": _("Status"),
            "account": _("Account"),
            "date_from": _("Ordered from"),
            "date_to": _("Ordered until"),
            "sort": _("Sort"),
            "cursor": _("Page"),
        },
        context={
            "statuses": OrderStatus.choices,
            "account_options": customer_selectors.account_choices(actor, include=account, limit=0)
            if account
            else [],
        },
    )


@page
def order_create(request):
    actor = request.user
    access.require_right(actor, "order", "create")
    initial = {"currency": actor.organisation.currency, "order_date": timezone.localdate()}
    deal = request.GET.get("deal", "")
    if parse_id(deal):
        found = selectors.opportunity_get(actor, deal)
        initial.update(
            opportunity=found.pk,
            account=found.account_id,
            contact=found.contact_id,
            currency=found.currency,
        )
    elif parse_id(request.GET.get("account")):
        initial["account"] = customer_selectors.account_get(actor, request.GET["account"]).pk
    form = OrderForm(request.POST or None, actor=actor, initial=initial)
    response = crud.save(
        request,
        form,
        lambda f: orders.order_create(
            actor=actor, data=f.service_data(), owner=f.cleaned_data.get("owner")
        ),
        success=_detail_url,
        message=_("The order was created: add its lines."),
    )
    return response or render(request, "sales/orders/form.html", {"form": form})


def _lines_context(request, order, line_form=None) -> dict:
    actor = request.user
    editable = order.status == OrderStatus.DRAFT and access.has_right(actor, "order", "update")
    return {
        "order": order,
        "lines": orders.order_lines(order),
        "editable": editable,
        "line_form": line_form or LineForm(initial={"quantity": 1}),
        "products": catalogue.product_choices(actor, limit=200) if editable else [],
    }


@page
def order_detail(request, pk: int):
    actor = request.user
    order = orders.order_get(actor, pk)
    ctx = _lines_context(request, order)
    ctx.update(
        {
            "contracts": contracts.related_contracts(actor, order=order)
            if access.has_right(actor, "contract", "read")
            else [],
            "timeline": describe(actor, orders.order_events(actor, order)),
            "deal_visible": order.opportunity_id is not None
            and access.can_see(actor, order.opportunity, "opportunity"),
            "quote_visible": order.quote_id is not None
            and access.can_see(actor, order.quote, "quote"),
        }
    )
    if access.has_right(actor, "payment", "read"):
        ctx.update(payment_views.panel_context(request, order))
    return render(request, "sales/orders/detail.html", ctx)


def _lines_response(request, order, line_form=None, status=200):
    order = orders.order_get(request.user, order.pk)
    return render(
        request,
        "sales/orders/_lines.html",
        {**_lines_context(request, order, line_form), "oob": True},
        status=status,
    )


@require_POST
@page
def line_add(request, pk: int):
    actor = request.user
    order = orders.order_get(actor, pk)
    form = LineForm(request.POST)
    if form.is_valid():
        try:
            orders.order_line_add(
                actor=actor,
                order=order,
                product=form.cleaned_data["product"],
                quantity=form.cleaned_data["quantity"],
                discount_percent=form.cleaned_data.get("discount_percent"),
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            if not is_htmx(request):
                return redirect(_detail_url(order))
            return _lines_response(request, order)
    if not is_htmx(request):
        return redirect(_detail_url(order))
    return _lines_response(request, order, form)


@require_POST
@page
def line_update(request, pk: int, line_pk: int):
    actor = request.user
    order = orders.order_get(actor, pk)
    data = {k: request.POST[k] for k in ("quantity", "discount_percent") if k in request.POST}
    try:
        orders.order_line_update(actor=actor, order=order, line=line_pk, data=data)
    except ValidationFailed as exc:
        response = _lines_response(request, order, status=422)
        return toast(response, " ".join(error_messages(exc)), "error")
    return _lines_response(request, order) if is_htmx(request) else redirect(_detail_url(order))


@require_POST
@page
def line_remove(request, pk: int, line_pk: int):
    order = orders.order_get(request.user, pk)
    orders.order_line_remove(actor=request.user, order=order, line=line_pk)
    return _lines_response(request, order) if is_htmx(request) else redirect(_detail_url(order))


@page
def order_edit(request, pk: int):
    actor = request.user
    order = orders.order_get(actor, pk)
    access.require_right(actor, "order", "update")
    form = OrderForm(request.POST or None, actor=actor, instance=order)
    response = crud.save(
        request,
        form,
        lambda f: orders.order_update(
            actor=actor, order=order, data=f.service_data(), version=f.cleaned_data["version"]
        ),
        success=_detail_url,
        message=_("The order was saved."),
    )
    return response or render(request, "sales/orders/form.html", {"form": form, "order": order})


_ACTIONS = {
    "confirm": (orders.order_confirm, _("The order was confirmed.")),
    "ship": (orders.order_ship, _("The order was marked shipped.")),
    "complete": (orders.order_complete, _("The order was completed.")),
}


@require_POST
@page
def order_action(request, pk: int, action: str):
    """The buttons of an order's page: confirm, ship, complete."""
    order = orders.order_get(request.user, pk)
    if action not in _ACTIONS:
        raise Http404
    service, message = _ACTIONS[action]
    try:
        service(actor=request.user, order=order, version=_version(request))
    except (ValidationFailed, VersionConflict, InvalidTransition) as exc:
        messages.error(request, " ".join(error_messages(exc)))
        return redirect(_detail_url(order))
    messages.success(request, str(message))
    return redirect(_detail_url(order))


@page
def order_cancel(request, pk: int):
    """Cancel an order, saying why."""
    actor = request.user
    order = orders.order_get(actor, pk)
    access.require_right(actor, "order", "update")
    form = ReasonForm(request.POST or None, initial={"version": order.version})
    response = crud.save(
        request,
        form,
        lambda f: orders.order_cancel(
            actor=actor,
            order=order,
            reason=f.cleaned_data["reason"],
            version=f.cleaned_data["version"],
        ),
        success=_detail_url,
        message=_("The order was cancelled."),
    )
    return response or render(request, "sales/orders/cancel.html", {"form": form, "order": order})


@page
def order_assign(request, pk: int):
    order = orders.order_get(request.user, pk)
    access.require_right(request.user, "order", "update")
    return crud.assign(
        request,
        order,
        service=orders.order_assign,
        kwarg="order",
        template_context={},
        done_url=_detail_url(order),
    )


@page
def order_delete(request, pk: int):
    order = orders.order_get(request.user, pk)
    access.require_right(request.user, "order", "delete")
    return crud.delete(
        request,
        order,
        service=orders.order_delete,
        kwarg="order",
        cancel_url=_detail_url(order),
        done_url=reverse("sales:order_list"),
    )


@require_POST
@page
def order_from_quote(request, quote_pk: int):
    """The "Create order" button of an accepted quote."""
    quote = quotes.quote_get(request.user, quote_pk)
    try:
        order = orders.order_from_quote(actor=request.user, quote=quote)
    except InvalidTransition as exc:
        messages.error(request, str(exc.message))
        return redirect(reverse("sales:quote_detail", args=[quote.pk]))
    messages.success(request, _("The order %(number)s was created.") % {"number": order.number})
    return redirect(_detail_url(order))
