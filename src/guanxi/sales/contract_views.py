"""Pages for contracts: the list (with "renewing in the next 30/60/90 days"), the record page,
the form, and the way of a contract (activate, renew, terminate)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from guanxi.core import access
from guanxi.core.errors import InvalidTransition, ValidationFailed, VersionConflict
from guanxi.core.filters import parse_id
from guanxi.customers import selectors as customer_selectors
from guanxi.sales import contracts, orders, payment_views, selectors
from guanxi.sales.models import ContractStatus
from guanxi.sales.order_forms import ContractForm, ReasonForm
from guanxi.web import crud
from guanxi.web.timeline import describe
from guanxi.web.ui import error_messages, page


def _detail_url(contract) -> str:
    return reverse("sales:contract_detail", args=[contract.pk])


@page
def contract_list(request):
    actor = request.user
    access.require_right(actor, "contract", "read")
    account = parse_id(request.GET.get("account"))
    return crud.list_page(
        request,
        selector=contracts.contract_list,
        template="sales/contracts/list.html",
        rows_template="sales/contracts/_rows.html",
        sorts=contracts.CONTRACT_SORTS,
        filter_names=("owner", "status", "account", "renewing"),
        labels={
            "owner": _("Owner"),
            "status": _("Status"),
            "account": _("Account"),
            "renewing": _("Renewing"),
            "sort": _("Sort"),
            "cursor": _("Page"),
        },
        context={
            "statuses": ContractStatus.choices,
            "renewing_options": [
                (
                    str(days),
                    ngettext(
                        "Renewing in the next %(days)s day",
                        "Renewing in the next %(days)s days",
                        days,
                    )
                    % {"days": days},
                )
                for days in contracts.RENEWING_CHOICES
            ],
            "account_options": customer_selectors.account_choices(actor, include=account, limit=0)
            if account
            else [],
            "today": timezone.localdate(),
        },
    )


def _initial(request) -> dict:
    """What the page a contract is made from (an order, a deal, an account) fills in."""
    actor = request.user
    start = timezone.localdate()
    initial = {
        "currency": actor.organisation.currency,
        "start_date": start,
        "end_date": contracts.default_end(start),
        "remind_days_before": 30,
    }
    if parse_id(request.GET.get("order")):
        order = orders.order_get(actor, request.GET["order"])
        initial.update(
            order=order.pk,
            account=order.account_id,
            opportunity=order.opportunity_id,
            contact=order.contact_id,
            currency=order.currency,
            value=order.total,
            title=order.opportunity.name
            if order.opportunity_id
            else f"{order.account.name} {order.number}",
        )
    elif parse_id(request.GET.get("deal")):
        deal = selectors.opportunity_get(actor, request.GET["deal"])
        initial.update(
            opportunity=deal.pk,
            account=deal.account_id,
            contact=deal.contact_id,
            currency=deal.currency,
            value=deal.amount,
            title=deal.name,
        )
    elif parse_id(request.GET.get("account")):
        account = customer_selectors.account_get(actor, request.GET["account"])
        initial.update(account=account.pk, title=account.name)
    return initial


@page
def contract_create(request):
    actor = request.user
    access.require_right(actor, "contract", "create")
    form = ContractForm(request.POST or None, actor=actor, initial=_initial(request))
    response = crud.save(
        request,
        form,
        lambda f: contracts.contract_create(
            actor=actor, data=f.service_data(), owner=f.cleaned_data.get("owner")
        ),
        success=_detail_url,
        message=_("The contract was created."),
    )
    return response or render(request, "sales/contracts/form.html", {"form": form})


@page
def contract_detail(request, pk: int):
    actor = request.user
    contract = contracts.contract_get(actor, pk)
    ctx = {
        "contract": contract,
        "successor": contracts.contract_successor(actor, contract)
        if contract.status == ContractStatus.RENEWED
        else None,
        "previous_visible": contract.renewed_from_id is not None
        and access.can_see(actor, contract.renewed_from, "contract"),
        "deal_visible": contract.opportunity_id is not None
        and access.can_see(actor, contract.opportunity, "opportunity"),
        "order_visible": contract.order_id is not None
        and access.can_see(actor, contract.order, "order"),
        "timeline": describe(actor, contracts.contract_events(actor, contract)),
        "today": timezone.localdate(),
    }
    if access.has_right(actor, "payment", "read"):
        ctx.update(payment_views.panel_context(request, contract))
    return render(request, "sales/contracts/detail.html", ctx)


@page
def contract_edit(request, pk: int):
    actor = request.user
    contract = contracts.contract_get(actor, pk)
    access.require_right(actor, "contract", "update")
    form = ContractForm(request.POST or None, actor=actor, instance=contract)
    response = crud.save(
        request,
        form,
        lambda f: contracts.contract_update(
            actor=actor,
            contract=contract,
            data=f.service_data(),
            version=f.cleaned_data["version"],
        ),
        success=_detail_url,
        message=_("The contract was saved."),
    )
    return response or render(
        request, "sales/contracts/form.html", {"form": form, "contract": contract}
    )


_ACTIONS = {
    "activate": (contracts.contract_activate, _("The contract is active.")),
    "renew": (
        contracts.contract_renew,
        _("The contract for the next period was made: check it and activate it once signed."),
    ),
}


@require_POST
@page
def contract_action(request, pk: int, action: str):
    """The buttons of a contract's page: activate, renew."""
    contract = contracts.contract_get(request.user, pk)
    if action not in _ACTIONS:
        raise Http404
    service, message = _ACTIONS[action]
    version = request.POST.get("version", "")
    try:
        result = service(
            actor=request.user,
            contract=contract,
            version=int(version) if version.isdigit() else None,
        )
    except (ValidationFailed, VersionConflict, InvalidTransition) as exc:
        messages.error(request, " ".join(error_messages(exc)))
        return redirect(_detail_url(contract))
    messages.success(request, str(message))
    return redirect(_detail_url(result))


@page
def contract_terminate(request, pk: int):
    """End an active contract early, saying why."""
    actor = request.user
    contract = contracts.contract_get(actor, pk)
    access.require_right(actor, "contract", "update")
    form = ReasonForm(request.POST or None, initial={"version": contract.version})
    response = crud.save(
        request,
        form,
        lambda f: contracts.contract_terminate(
            actor=actor,
            contract=contract,
            reason=f.cleaned_data["reason"],
            version=f.cleaned_data["version"],
        ),
        success=_detail_url,
        message=_("The contract was terminated."),
    )
    return response or render(
        request, "sales/contracts/terminate.html", {"form": form, "contract": contract}
    )


@page
def contract_assign(request, pk: int):
    contract = contracts.contract_get(request.user, pk)
    access.require_right(request.user, "contract", "update")
    return crud.assign(
        request,
        contract,
        service=contracts.contract_assign,
        kwarg="contract",
        template_context={},
        done_url=_detail_url(contract),
    )


@page
def contract_delete(request, pk: int):
    contract = contracts.contract_get(request.user, pk)
    access.require_right(request.user, "contract", "delete")
    return crud.delete(
        request,
        contract,
        service=contracts.contract_delete,
        kwarg="contract",
        cancel_url=_detail_url(contract),
        done_url=reverse("sales:contract_list"),
    )
