"""Pages for accounts (with the customer 360° page) and contacts."""

from __future__ import annotations

from functools import partial

from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from guanxi.core import access, registry
from guanxi.core.filters import parse_id
from guanxi.core.selectors import tag_list, timeline
from guanxi.customers import selectors, services
from guanxi.customers.forms import AccountForm, ContactForm
from guanxi.customers.models import (
    Account,
    AccountKind,
    AccountStatus,
    Grade,
    LifecycleStage,
    Region,
)
from guanxi.customers.templatetags import customer_rows
from guanxi.web import crud
from guanxi.web.timeline import describe
from guanxi.web.ui import page

TIMELINE_PAGE = 30


def _labels(model, names):
    return {n: model._meta.get_field(n).verbose_name for n in names if n != "tag"} | {
        "tag": _("Tag"),
        "owner": _("Owner"),
        "sort": _("Sort"),
        "cursor": _("Page"),
    }


# --- Accounts -------------------------------------------------------------------------------


@page
def account_list(request):
    actor = request.user
    access.require_right(actor, "account", "read")
    return crud.list_page(
        request,
        selector=selectors.account_list,
        template="customers/account_list.html",
        rows_template="customers/_account_rows.html",
        sorts=selectors.ACCOUNT_SORTS,
        filter_names=("owner", "region", "grade", "lifecycle_stage", "status", "kind", "tag"),
        labels=_labels(Account, ("region", "grade", "lifecycle_stage", "status", "kind", "owner")),
        context={
            "choices": {
                "region": Region.choices,
                "grade": Grade.choices,
                "lifecycle_stage": LifecycleStage.choices,
                "status": AccountStatus.choices,
                "kind": AccountKind.choices,
            },
            "tags": tag_list(actor),
        },
    )


@page
def account_detail(request, pk: int):
    """The customer 360° page: key facts, figures and panels from every domain, timeline."""
    actor = request.user
    account = selectors.account_get(actor, pk)
    overview = selectors.account_overview(actor, account)
    events = timeline(actor, account, limit=TIMELINE_PAGE)
    return render(
        request,
        "customers/account_detail.html",
        {
            "account": account,
            "tags": list(account.tags.all()),
            "figures": overview["figures"],
            "panels": overview["panels"],
            "timeline": describe(actor, events),
            "older": events[-1].pk if len(events) == TIMELINE_PAGE else None,
            "currency": actor.organisation.currency,
            "actions": [a for fn in registry.account_actions for a in fn(actor, account)],
        },
    )


@page
def account_timeline(request, pk: int):
    """Older timeline entries for "Load older" (``before`` = the last event id shown)."""
    actor = request.user
    account = selectors.account_get(actor, pk)
    before = request.GET.get("before", "")
    events = timeline(actor, account, before=parse_id(before), limit=TIMELINE_PAGE)
    return render(
        request,
        "customers/_timeline_items.html",
        {
            "account": account,
            "timeline": describe(actor, events),
            "older": events[-1].pk if len(events) == TIMELINE_PAGE else None,
        },
    )


@page
def account_create(request):
    actor = request.user
    access.require_right(actor, "account", "create")
    form = AccountForm(request.POST or None, actor=actor)
    response = crud.save(
        request,
        form,
        lambda f: services.account_create(
            actor=actor, data=f.service_data(), owner=f.cleaned_data.get("owner")
        ),
        success=lambda a: reverse("customers:account_detail", args=[a.pk]),
        message=_("The account was created."),
    )
    return response or render(request, "customers/account_form.html", {"form": form})


@page
def account_edit(request, pk: int):
    actor = request.user
    account = selectors.account_get(actor, pk)
    access.require_right(actor, "account", "update")
    form = AccountForm(request.POST or None, actor=actor, instance=account)
    response = crud.save(
        request,
        form,
        lambda f: services.account_update(
            actor=actor, account=account, data=f.service_data(), version=f.cleaned_data["version"]
        ),
        success=lambda a: reverse("customers:account_detail", args=[a.pk]),
        message=_("The account was saved."),
    )
    return response or render(
        request, "customers/account_form.html", {"form": form, "account": account}
    )


@page
def account_assign(request, pk: int):
    account = selectors.account_get(request.user, pk)
    access.require_right(request.user, "account", "update")
    return crud.assign(
        request,
        account,
        service=services.account_assign,
        kwarg="account",
        template_context={},
        done_url=reverse("customers:account_detail", args=[account.pk]),
    )


@page
def account_delete(request, pk: int):
    account = selectors.account_get(request.user, pk)
    access.require_right(request.user, "account", "delete")
    return crud.delete(
        request,
        account,
        service=services.account_delete,
        kwarg="account",
        cancel_url=reverse("customers:account_detail", args=[account.pk]),
        done_url=reverse("customers:account_list"),
    )


@page
def account_options(request):
    """``<option>``s for an account drop-down, filtered by what the user types."""
    rows = selectors.account_choices(request.user, q=request.GET.get("q", "").strip()[:100] or None)
    return render(
        request,
        "web/components/options.html",
        {"rows": rows, "selected": request.GET.get("selected", ""), "blank": True},
    )


# --- Contacts -------------------------------------------------------------------------------


@page
def contact_list(request):
    actor = request.user
    access.require_right(actor, "contact", "read")
    account_filter = request.GET.get("account", "")
    return crud.list_page(
        request,
        selector=partial(selectors.contact_list, fields=customer_rows.CONTACT_ROW_FIELDS),
        template="customers/contact_list.html",
        rows_template="customers/_contact_rows.html",
        sorts=selectors.CONTACT_SORTS,
        filter_names=("owner", "account", "tag"),
        labels={"owner": _("Owner"), "account": _("Account"), "tag": _("Tag"), "sort": _("Sort")},
        context={
            "tags": tag_list(actor),
            "accounts": selectors.account_choices(actor, include=account_filter),
        },
    )


@page
def contact_detail(request, pk: int):
    contact = selectors.contact_get(request.user, pk)
    return render(
        request,
        "customers/contact_detail.html",
        {
            "contact": contact,
            "tags": list(contact.tags.all()),
            "panels": selectors.contact_panels(request.user, contact),
        },
    )


@page
def contact_create(request):
    actor = request.user
    access.require_right(actor, "contact", "create")
    form = ContactForm(
        request.POST or None, actor=actor, initial={"account": request.GET.get("account", "")}
    )
    response = crud.save(
        request,
        form,
        lambda f: services.contact_create(
            actor=actor, data=f.service_data(), owner=f.cleaned_data.get("owner")
        ),
        success=lambda c: reverse("customers:contact_detail", args=[c.pk]),
        message=_("The contact was created."),
    )
    return response or render(request, "customers/contact_form.html", {"form": form})


@page
def contact_edit(request, pk: int):
    actor = request.user
    contact = selectors.contact_get(actor, pk)
    access.require_right(actor, "contact", "update")
    form = ContactForm(request.POST or None, actor=actor, instance=contact)
    response = crud.save(
        request,
        form,
        lambda f: services.contact_update(
            actor=actor, contact=contact, data=f.service_data(), version=f.cleaned_data["version"]
        ),
        success=lambda c: reverse("customers:contact_detail", args=[c.pk]),
        message=_("The contact was saved."),
    )
    return response or render(
        request, "customers/contact_form.html", {"form": form, "contact": contact}
    )


@page
def contact_assign(request, pk: int):
    contact = selectors.contact_get(request.user, pk)
    access.require_right(request.user, "contact", "update")
    return crud.assign(
        request,
        contact,
        service=services.contact_assign,
        kwarg="contact",
        template_context={},
        done_url=reverse("customers:contact_detail", args=[contact.pk]),
    )


@page
def contact_delete(request, pk: int):
    contact = selectors.contact_get(request.user, pk)
    access.require_right(request.user, "contact", "delete")
    return crud.delete(
        request,
        contact,
        service=services.contact_delete,
        kwarg="contact",
        cancel_url=reverse("customers:contact_detail", args=[contact.pk]),
        done_url=reverse("customers:contact_list"),
    )


@page
def contact_options(request):
    rows = selectors.contact_choices(
        request.user,
        q=request.GET.get("q", "").strip()[:100] or None,
        account=request.GET.get("account") or None,
    )
    return render(
        request,
        "web/components/options.html",
        {"rows": rows, "selected": request.GET.get("selected", ""), "blank": True},
    )
