"""Pages for accounts in the public pool: the pool's list, claiming, releasing."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _

from guanxi.core import access
from guanxi.core.errors import InvalidTransition, NotFound, ValidationFailed, VersionConflict
from guanxi.customers.selectors import account_get
from guanxi.leads import account_pool, selectors
from guanxi.leads.forms import ReleaseForm
from guanxi.web.ui import apply_errors, page


@page
def pool_accounts(request):
    actor = request.user
    access.require_right(actor, "account", "read")
    filters = {"pool": request.GET.get("pool", ""), "q": request.GET.get("q", "").strip()}
    try:
        found = selectors.pooled_accounts(
            actor, pool=filters["pool"], q=filters["q"], cursor=request.GET.get("cursor")
        )
        errors = []
    except ValidationFailed as exc:
        found, errors = None, [m for msgs in exc.fields.values() for m in msgs]
    return render(
        request,
        "leads/pool_accounts.html",
        {
            "page": found,
            "items": found.items if found else [],
            "list_errors": errors,
            "filters": filters,
            "pools": [(str(p.pk), p.name) for p in selectors.pool_list(actor)],
            "can_claim": access.has_right(actor, "account", "update"),
        },
    )


@page
def account_claim(request, pk: int):
    if request.method != "POST":
        return redirect("leads:pool_accounts")
    try:
        account = selectors.pooled_account_get(request.user, pk)
    except NotFound:
        messages.error(request, _("This account is no longer in a pool you can use."))
        return redirect("leads:pool_accounts")
    try:
        account_pool.account_claim(actor=request.user, account=account)
    except (ValidationFailed, InvalidTransition) as exc:
        for msgs in getattr(exc, "fields", {"": [str(exc)]}).values():
            for m in msgs:
                messages.error(request, m)
        return redirect("leads:pool_accounts")
    messages.success(request, _("The account is yours now."))
    return redirect("customers:account_detail", account.pk)


@page
def account_release(request, pk: int):
    actor = request.user
    account = account_get(actor, pk)
    access.require_right(actor, "account", "update")
    form = ReleaseForm(request.POST or None, initial={"version": account.version})
    if request.method == "POST" and form.is_valid():
        try:
            account_pool.account_release(
                actor=actor,
                account=account,
                reason=form.cleaned_data["reason"],
                version=form.cleaned_data["version"],
            )
        except (ValidationFailed, VersionConflict) as exc:
            apply_errors(form, exc)
            form.conflict = isinstance(exc, VersionConflict)
        else:
            messages.success(request, _("The account went back to the pool."))
            return redirect("leads:pool_accounts")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "leads/account_release.html", {"form": form, "account": account}, status=status
    )


def account_actions(actor, account) -> list[dict]:
    """ "Release to the pool" in the account page's menu, for whoever may change it."""
    if account.owner_id is None or not access.has_right(actor, "account", "update"):
        return []
    return [
        {
            "label": _("Release to the pool"),
            "url": reverse("leads:account_release", args=[account.pk]),
        }
    ]


urlpatterns = [
    path("pool/accounts/", pool_accounts, name="pool_accounts"),
    path("pool/accounts/<int:pk>/claim/", account_claim, name="account_claim"),
    path("accounts/<int:pk>/release/", account_release, name="account_release"),
]
