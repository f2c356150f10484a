"""Pages for activities: list, record page, form, and done in one click."""

from __future__ import annotations

from functools import partial

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.activities import selectors, services
from guanxi.activities.forms import ActivityForm
from guanxi.activities.models import ActivityKind
from guanxi.activities.templatetags import activity_rows
from guanxi.core import access
from guanxi.web import crud
from guanxi.web.ui import is_htmx, page, safe_next, toast

PARTIALS = {
    "row": "activities/_row.html",
    "item": "activities/_item.html",
    "status": "activities/_status.html",
}


@page
def activity_list(request):
    access.require_right(request.user, "activity", "read")
    return crud.list_page(
        request,
        selector=partial(selectors.activity_list, fields=activity_rows.ROW_FIELDS),
        template="activities/activity_list.html",
        rows_template="activities/_rows.html",
        sorts=selectors.ACTIVITY_SORTS,
        filter_names=("owner", "kind", "done", "account", "contact", "opportunity"),
        labels={
            "owner": _("Owner"),
            "kind": _("Type"),
            "done": _("Done"),
            "account": _("Account"),
            "contact": _("Contact"),
            "opportunity": _("Deal"),
            "sort": _("Sort"),
            "cursor": _("Page"),
        },
        searchable=False,
        context={
            "kinds": ActivityKind.choices,
            "done_options": [("false", _("Open")), ("true", _("Done"))],
        },
    )


@page
def activity_detail(request, pk: int):
    activity = selectors.activity_get(request.user, pk)
    return render(request, "activities/activity_detail.html", {"activity": activity})


@page
def activity_create(request):
    actor = request.user
    access.require_right(actor, "activity", "create")
    initial = {
        k: request.GET.get(k, "") for k in ("account", "contact", "opportunity", "kind", "lead")
    }
    form = ActivityForm(request.POST or None, actor=actor, initial=initial)
    response = crud.save(
        request,
        form,
        lambda f: services.activity_create(
            actor=actor, data=f.service_data(), owner=f.cleaned_data.get("owner")
        ),
        success=lambda a: safe_next(
            request,
            reverse("customers:account_detail", args=[a.account_id])
            if a.account_id
            else reverse("activities:activity_detail", args=[a.pk]),
        ),
        message=_("The activity was saved."),
    )
    return response or render(request, "activities/activity_form.html", {"form": form})


@page
def activity_edit(request, pk: int):
    actor = request.user
    activity = selectors.activity_get(actor, pk)
    access.require_right(actor, "activity", "update")
    form = ActivityForm(request.POST or None, actor=actor, instance=activity)
    response = crud.save(
        request,
        form,
        lambda f: services.activity_update(
            actor=actor, activity=activity, data=f.service_data(), version=f.cleaned_data["version"]
        ),
        success=lambda a: reverse("activities:activity_detail", args=[a.pk]),
        message=_("The activity was saved."),
    )
    return response or render(
        request, "activities/activity_form.html", {"form": form, "activity": activity}
    )


@require_POST
@page
def activity_complete(request, pk: int):
    """Mark done (or open again) in one click; htmx gets the updated row or list item back."""
    actor = request.user
    activity = selectors.activity_get(actor, pk)
    version = request.POST.get("version", "")
    activity = services.activity_complete(
        actor=actor,
        activity=activity,
        done=request.POST.get("done", "true") != "false",
        version=int(version) if version.isdigit() else None,
    )
    message = _("Marked as done.") if activity.done else _("Opened again.")
    if is_htmx(request):
        template = PARTIALS.get(request.POST.get("variant", ""), PARTIALS["item"])
        activity = selectors.activity_get(actor, pk)
        return toast(render(request, template, {"a": activity}), message, "success")
    return redirect(safe_next(request, reverse("activities:activity_detail", args=[pk])))


@page
def activity_assign(request, pk: int):
    activity = selectors.activity_get(request.user, pk)
    access.require_right(request.user, "activity", "update")
    return crud.assign(
        request,
        activity,
        service=services.activity_assign,
        kwarg="activity",
        template_context={},
        done_url=reverse("activities:activity_detail", args=[activity.pk]),
    )


@page
def activity_delete(request, pk: int):
    activity = selectors.activity_get(request.user, pk)
    access.require_right(request.user, "activity", "delete")
    return crud.delete(
        request,
        activity,
        service=services.activity_delete,
        kwarg="activity",
        cancel_url=reverse("activities:activity_detail", args=[activity.pk]),
        done_url=reverse("activities:activity_list"),
    )
