"""Pages for leads: the list with its quick views, the lead page, follow-up and conversion."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core import access
from guanxi.core.errors import ValidationFailed, VersionConflict
from guanxi.core.models import Scope
from guanxi.core.selectors import owner_choices
from guanxi.customers.models import Region, Source
from guanxi.leads import selectors, services
from guanxi.leads.forms import BY_RULES, BulkForm, ConvertForm, LeadForm, ReleaseForm, StatusForm
from guanxi.leads.models import Channel, Lead, LeadStatus
from guanxi.web import crud
from guanxi.web.timeline import describe
from guanxi.web.ui import apply_errors, page

VIEW_LABELS = {
    "all": gettext_lazy("All sales leads"),
    "mine": gettext_lazy("Mine"),
    "hot": gettext_lazy("Hot"),
    "new_today": gettext_lazy("New today"),
    "overdue": gettext_lazy("Overdue follow-up"),
    "pool": gettext_lazy("Pool"),
    "invalid": gettext_lazy("Invalid"),
    "enquiries": gettext_lazy("General enquiries"),
}


def _views(actor) -> list[tuple[str, str]]:
    names = ["all", "mine", "hot", "new_today", "overdue", "pool", "enquiries"]
    if access.scope_of(actor) != Scope.OWN:
        names.append("invalid")
    return [(n, VIEW_LABELS[n]) for n in names]


@page
def lead_list(request):
    actor = request.user
    access.require_right(actor, "lead", "read")
    view = request.GET.get("view", "") or ("mine" if "view" not in request.GET else "all")

    def selector(actor, **kwargs):
        kwargs["filters"] = {**kwargs.get("filters", {}), "view": view}
        return selectors.lead_list(actor, **kwargs)

    return crud.list_page(
        request,
        selector=selector,
        template="leads/lead_list.html",
        rows_template="leads/_lead_rows.html",
        sorts=selectors.LEAD_SORTS,
        filter_names=("owner", "status", "source", "region", "channel", "pool"),
        labels={
            "owner": _("Owner"),
            "status": _("Status"),
            "source": _("Source"),
            "region": _("Region"),
            "channel": _("Channel"),
            "pool": _("Pool"),
            "view": _("View"),
            "sort": _("Sort"),
            "cursor": _("Page"),
        },
        context={
            "view": view,
            "views": _views(actor),
            "counts": selectors.view_counts(actor),
            "hot": selectors.hot_threshold(actor),
            "choices": {
                "status": LeadStatus.choices,
                "source": Source.choices,
                "region": Region.choices,
                "channel": Channel.choices,
            },
            "pools": [(str(p.pk), p.name) for p in selectors.pool_list(actor)],
            "bulk_owners": owner_choices(actor),
        },
    )


@page
def lead_detail(request, pk: int):
    actor = request.user
    lead = selectors.lead_get(actor, pk)
    events = selectors.lead_timeline(actor, lead)
    return render(
        request,
        "leads/lead_detail.html",
        {
            "lead": lead,
            "matches": selectors.lead_matches(actor, lead),
            "activities": selectors.lead_activities(actor, lead),
            "timeline": describe(actor, events),
            "hot": selectors.hot_threshold(actor),
            "can_claim": lead.owner_id is None and lead.is_open and not lead.invalid_reason,
            "status_form": StatusForm(initial={"status": lead.status, "version": lead.version}),
        },
    )


def _owner_arg(form) -> object:
    owner = form.cleaned_data.get("owner")
    return None if owner == BY_RULES else owner


@page
def lead_create(request):
    actor = request.user
    access.require_right(actor, "lead", "create")
    form = LeadForm(request.POST or None, actor=actor)
    response = crud.save(
        request,
        form,
        lambda f: services.lead_create(actor=actor, data=f.service_data(), owner=_owner_arg(f)),
        success=lambda lead: _after_create(actor, lead),
        message=_("The lead was created."),
    )
    return response or render(request, "leads/lead_form.html", {"form": form})


def _after_create(actor, lead: Lead) -> str:
    try:
        selectors.lead_get(actor, lead.pk)
    except Exception:  # routed to someone the actor cannot see
        return reverse("leads:lead_list")
    return reverse("leads:lead_detail", args=[lead.pk])


@page
def lead_edit(request, pk: int):
    actor = request.user
    lead = selectors.lead_get(actor, pk)
    access.require_right(actor, "lead", "update")
    form = LeadForm(request.POST or None, actor=actor, instance=lead)
    response = crud.save(
        request,
        form,
        lambda f: services.lead_update(
            actor=actor, lead=lead, data=f.service_data(), version=f.cleaned_data["version"]
        ),
        success=lambda x: reverse("leads:lead_detail", args=[x.pk]),
        message=_("The lead was saved."),
    )
    return response or render(request, "leads/lead_form.html", {"form": form, "lead": lead})


def _action(request, lead, form, call, message: str, template: str, extra=None):
    """Validate ``form``, run ``call`` (a service); back to the lead, or the form with errors."""
    if request.method == "POST" and form.is_valid():
        try:
            call(form)
        except (ValidationFailed, VersionConflict) as exc:
            apply_errors(form, exc)
            form.conflict = isinstance(exc, VersionConflict)
        else:
            messages.success(request, message)
            try:
                selectors.lead_get(request.user, lead.pk)
            except Exception:
                return redirect("leads:lead_list")
            return redirect("leads:lead_detail", lead.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, template, {"form": form, "lead": lead, **(extra or {})}, status=status)


@page
def lead_status(request, pk: int):
    actor = request.user
    lead = selectors.lead_get(actor, pk)
    form = StatusForm(
        request.POST or None, initial={"status": lead.status, "version": lead.version}
    )
    return _action(
        request,
        lead,
        form,
        lambda f: services.lead_set_status(
            actor=actor,
            lead=lead,
            status=f.cleaned_data["status"],
            reason=f.cleaned_data["reason"],
            version=f.cleaned_data["version"],
        ),
        _("The status was changed."),
        "leads/lead_status.html",
    )


@page
def lead_assign(request, pk: int):
    lead = selectors.lead_get(request.user, pk)
    access.require_right(request.user, "lead", "update")
    return crud.assign(
        request,
        lead,
        service=services.lead_assign,
        kwarg="lead",
        template_context={},
        done_url=reverse("leads:lead_detail", args=[lead.pk]),
    )


@page
def lead_claim(request, pk: int):
    actor = request.user
    lead = selectors.lead_get(actor, pk)
    if request.method != "POST":
        return redirect("leads:lead_detail", lead.pk)
    try:
        services.lead_claim(actor=actor, lead=lead, version=request.POST.get("version") or None)
    except ValidationFailed as exc:
        for msgs in exc.fields.values():
            for m in msgs:
                messages.error(request, m)
    else:
        messages.success(request, _("The lead is yours now."))
    return redirect("leads:lead_detail", lead.pk)


@page
def lead_release(request, pk: int):
    actor = request.user
    lead = selectors.lead_get(actor, pk)
    form = ReleaseForm(request.POST or None, initial={"version": lead.version})
    return _action(
        request,
        lead,
        form,
        lambda f: services.lead_release(
            actor=actor,
            lead=lead,
            reason=f.cleaned_data["reason"],
            version=f.cleaned_data["version"],
        ),
        _("The lead went back to the pool."),
        "leads/lead_release.html",
    )


@page
def lead_convert(request, pk: int):
    actor = request.user
    lead = selectors.lead_get(actor, pk)
    matches = selectors.lead_matches(actor, lead)
    accounts, contacts = selectors.conversion_choices(actor, lead, matches)
    form = ConvertForm(
        request.POST or None,
        accounts=accounts,
        contacts=contacts,
        initial={
            "version": lead.version,
            "deal_name": lead.company or lead.name,
            "account": str(accounts[0].pk) if accounts else "new",
            "contact": str(contacts[0].pk) if contacts else "new",
        },
    )

    def call(f):
        data = f.cleaned_data
        deal = None
        if data["create_deal"]:
            deal = {"name": data["deal_name"] or lead.company or lead.name}
            if data["amount"] is not None:
                deal["amount"] = data["amount"]
            if data["expected_close"]:
                deal["expected_close"] = data["expected_close"]
        return services.lead_convert(
            actor=actor,
            lead=lead,
            account=None if data["account"] == "new" else data["account"],
            contact=None if data["contact"] == "new" else data["contact"],
            opportunity=deal,
            version=data["version"],
        )

    if request.method == "POST" and form.is_valid():
        try:
            converted = call(form)
        except (ValidationFailed, VersionConflict) as exc:
            apply_errors(form, exc)
            form.conflict = isinstance(exc, VersionConflict)
        else:
            messages.success(request, _("The lead was converted."))
            return redirect("customers:account_detail", converted.account_id)
    return render(
        request,
        "leads/lead_convert.html",
        {"form": form, "lead": lead, "matches": matches},
        status=400 if request.method == "POST" else 200,
    )


@page
def lead_delete(request, pk: int):
    lead = selectors.lead_get(request.user, pk)
    access.require_right(request.user, "lead", "delete")
    return crud.delete(
        request,
        lead,
        service=services.lead_delete,
        kwarg="lead",
        cancel_url=reverse("leads:lead_detail", args=[lead.pk]),
        done_url=reverse("leads:lead_list"),
    )


@page
def lead_bulk(request):
    actor = request.user
    access.require_right(actor, "lead", "read")
    back = request.POST.get("next") or reverse("leads:lead_list")
    if not back.startswith("/"):
        back = reverse("leads:lead_list")
    data = None
    if request.method == "POST":
        data = request.POST.copy()
        data["ids"] = " ".join(request.POST.getlist("ids"))
    form = BulkForm(data)
    if request.method != "POST" or not form.is_valid():
        for errors in form.errors.values() if request.method == "POST" else []:
            for e in errors:
                messages.error(request, e)
        return redirect(back)
    try:
        result = services.leads_bulk(
            actor=actor,
            action=form.cleaned_data["action"],
            ids=form.cleaned_data["ids"],
            owner=form.cleaned_data["owner"] or None,
        )
    except ValidationFailed as exc:
        for msgs in exc.fields.values():
            for m in msgs:
                messages.error(request, m)
        return redirect(back)
    if result["done"]:
        messages.success(request, _("%(n)s leads done.") % {"n": result["done"]})
    for err in result["errors"][:10]:
        messages.error(request, _("Lead %(id)s: %(message)s") % err)
    if len(result["errors"]) > 10:
        messages.error(request, _("%(n)s more leads failed.") % {"n": len(result["errors"]) - 10})
    return redirect(back)


@page
def lead_import(request):
    """Upload a CSV of leads: each good row is captured, each bad one listed with its line."""
    from guanxi.leads.forms import ImportForm
    from guanxi.leads.importer import import_leads

    actor = request.user
    access.require_right(actor, "lead", "create")
    form = ImportForm(request.POST or None, request.FILES or None, actor=actor)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = import_leads(actor=actor, raw=upload.read(), owner=_owner_arg(form))
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            labels = {
                f.name: f.verbose_name
                for f in Lead._meta.get_fields()
                if hasattr(f, "verbose_name")
            }
            for err in result.errors:
                err["label"] = labels.get(err["field"], err["field"])
    return render(
        request,
        "leads/lead_import.html",
        {"form": form, "result": result},
        status=400 if request.method == "POST" and result is None else 200,
    )
