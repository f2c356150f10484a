"""The request handling every record type shares: lists, forms, owner changes, deletion.

Each domain's views describe what differs (selector, service, template) and call these.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core import access
from guanxi.core.errors import ValidationFailed, VersionConflict
from guanxi.core.models import Scope
from guanxi.core.selectors import owner_choices, owner_names
from guanxi.web.forms import AssignForm, VersionForm
from guanxi.web.ui import apply_errors, error_messages, is_htmx

PAGE_SIZE = 50
SORT_LABELS = {
    "-updated_at": gettext_lazy("Recently updated"),
    "-created_at": gettext_lazy("Newest first"),
    "name": gettext_lazy("Name"),
    "-amount": gettext_lazy("Largest amount"),
    "-score": gettext_lazy("Highest score"),
    "-id": gettext_lazy("Most recently added"),
    "due_date": gettext_lazy("Due first"),
    "-due_date": gettext_lazy("Due last"),
    "-received_on": gettext_lazy("Latest received first"),
    "number": gettext_lazy("Number"),
    "-order_date": gettext_lazy("Latest order date"),
    "end_date": gettext_lazy("Ending soonest"),
}
# The search order (``core.search.NEWEST``): offered while searching, or once chosen.
SEARCH_SORT = "-id"


def owner_filter_options(actor) -> list[tuple[str, Any]]:
    """ "Mine", then the people whose records the actor sees (none for own-records roles)."""
    options: list[tuple[str, Any]] = [("me", _("Mine"))]
    if access.scope_of(actor) != Scope.OWN:
        options += [(str(u.pk), u.display_name) for u in owner_names(actor) if u.pk != actor.pk]
    return options


def list_page(
    request,
    *,
    selector: Callable,
    template: str,
    rows_template: str,
    filter_names: Iterable[str],
    labels: Mapping[str, Any],
    sorts: Iterable[str] = (),
    searchable: bool = True,
    context: Mapping[str, Any] | None = None,
    limit: int = PAGE_SIZE,
):
    """A keyset-paginated list; an htmx "Load more" gets only the next rows."""
    q = request.GET.get("q", "").strip()[:100]
    filters = {k: request.GET[k] for k in filter_names if request.GET.get(k)}
    cursor = request.GET.get("cursor") or None
    kwargs: dict[str, Any] = {
        "filters": filters,
        "sort": request.GET.get("sort") or None,
        "cursor": cursor,
        "limit": limit,
    }
    if searchable:
        kwargs["q"] = q or None
    errors: list[str] = []
    try:
        page = selector(request.user, **kwargs)
    except ValidationFailed as exc:
        page = None
        errors = error_messages(exc, labels)
    next_url = None
    if page is not None and page.next_cursor:
        params = request.GET.copy()
        params["cursor"] = page.next_cursor
        next_url = f"{request.path}?{params.urlencode()}"
    ctx = {
        "page": page,
        "items": page.items if page else [],
        "list_errors": errors,
        "q": q,
        "filters": filters,
        "sort": page.sort if page else request.GET.get("sort", ""),
        "cursor": cursor,
        "next_url": next_url,
        "filtered": bool(q or filters),
        "sort_options": [
            (s, SORT_LABELS.get(s, s))
            for s in sorts
            if s != SEARCH_SORT or q or request.GET.get("sort") == SEARCH_SORT
        ],
        "owner_options": owner_filter_options(request.user),
        **(context or {}),
    }
    if is_htmx(request) and cursor and not errors:
        return render(request, rows_template, ctx)
    return render(request, template, ctx, status=400 if errors else 200)


def save(request, form, call: Callable, *, success: Callable[[Any], str], message: str):
    """Validate ``form`` and run ``call(form)`` (a service); None means "render the form"."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        obj = call(form)
    except (ValidationFailed, VersionConflict) as exc:
        apply_errors(form, exc)
        form.conflict = isinstance(exc, VersionConflict)
        return None
    messages.success(request, message)
    return redirect(success(obj))


def assign(request, obj, *, service: Callable, kwarg: str, template_context: dict, done_url: str):
    """Change a record's owner: a form listing the users the actor may hand it to."""
    form = AssignForm(
        request.POST or None,
        users=owner_choices(request.user),
        initial={"owner": str(obj.owner_id), "version": obj.version},
    )
    response = save(
        request,
        form,
        lambda f: service(
            actor=request.user,
            **{kwarg: obj},
            owner=f.cleaned_data["owner"],
            version=f.cleaned_data["version"],
        ),
        success=lambda _obj: done_url,
        message=_("The owner was changed."),
    )
    if response is not None:
        return response
    return render(
        request,
        "web/components/assign.html",
        {"form": form, "object": obj, "cancel_url": done_url, **template_context},
    )


def delete(request, obj, *, service: Callable, kwarg: str, cancel_url: str, done_url: str):
    """Ask for confirmation, then delete through the service (which checks the right)."""
    form = VersionForm(request.POST or None, initial={"version": obj.version})
    response = save(
        request,
        form,
        lambda f: service(actor=request.user, **{kwarg: obj}, version=f.cleaned_data["version"]),
        success=lambda _obj: done_url,
        message=_("“%(name)s” was deleted.") % {"name": obj},
    )
    if response is not None:
        return response
    return render(
        request,
        "web/components/confirm_delete.html",
        {"form": form, "object": obj, "cancel_url": cancel_url},
    )
