"""Pages for payments: the receivables list with its aging, and the payments panel of an
order or a contract (plan, instalments, receipts) with the forms it posts."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from guanxi.core import access
from guanxi.core.errors import InvalidTransition, NotFound, ValidationFailed, VersionConflict
from guanxi.customers.selectors import account_get
from guanxi.sales import payment_selectors as selectors
from guanxi.sales import payments
from guanxi.sales.payment_forms import PresetForm, ReceiptForm, VoidForm
from guanxi.web import crud
from guanxi.web.ui import apply_errors, error_messages, is_htmx, page, safe_next, toast

RECEIVABLE_FILTERS = ("owner", "account", "overdue", "due_from", "due_to")
PLAN_FIELDS = {
    "due_date": gettext_lazy("due date"),
    "amount": gettext_lazy("amount"),
    "note": gettext_lazy("note"),
}


def _with_event(response: HttpResponse, name: str) -> HttpResponse:
    """Add an htmx event to the HX-Trigger header (next to a toast)."""
    triggers = json.loads(response.get("HX-Trigger") or "{}")
    triggers[name] = True
    response["HX-Trigger"] = json.dumps(triggers, ensure_ascii=True)
    return response


# --- Receivables ------------------------------------------------------------------------------


@page
def receivables(request):
    """Open instalments with aging cards; filters: mine, overdue, account, due range."""
    actor = request.user
    access.require_right(actor, "payment", "read")
    filters = {k: request.GET[k] for k in RECEIVABLE_FILTERS if request.GET.get(k)}
    try:
        aging = selectors.aging_summary(actor, filters=filters)
    except ValidationFailed:
        aging = None  # the list below reports the bad filter by its field
    currency = actor.organisation.currency
    if request.GET.get("fragment") == "aging":
        return render(request, "sales/payments/_aging.html", {"aging": aging, "currency": currency})
    account = None
    if filters.get("account"):
        try:
            account = account_get(actor, filters["account"])  # its name on the filter
        except NotFound:
            account = None
    return crud.list_page(
        request,
        selector=selectors.receivable_list,
        template="sales/payments/receivables.html",
        rows_template="sales/payments/_receivable_rows.html",
        filter_names=RECEIVABLE_FILTERS,
        sorts=selectors.RECEIVABLE_SORTS,
        labels={
            "owner": _("Owner"),
            "account": _("Account"),
            "overdue": _("Overdue"),
            "due_from": _("Due from"),
            "due_to": _("Due until"),
            "sort": _("Sort"),
        },
        searchable=False,
        context={
            "aging": aging,
            "currency": currency,
            "account": account,
            "overdue_options": [("true", _("Overdue")), ("false", _("Not yet due"))],
        },
    )


def _receivable_row(actor, pk):
    """The instalment as its receivables row, or None once it is paid."""
    try:
        return selectors.receivable_get(actor, pk)
    except NotFound:
        return None


@page
def receivable_pay(request, pk: int):
    """Record money against one instalment from its receivables row (htmx): the form row,
    then the updated row (gone once paid) with the aging cards asked to refresh."""
    actor = request.user
    inst = selectors.receivable_get(actor, pk)
    if request.method == "GET" and request.GET.get("cancel"):
        return HttpResponse("")  # the form row is taken away (hx-swap="delete")
    parent = inst.order or inst.contract
    today = selectors.today_for(actor.organisation)
    initial = {"received_on": today, "amount": inst.amount - inst.paid}
    form = ReceiptForm(request.POST or None, initial=initial, choose=False, prefix=f"pay{pk}")
    if request.method == "POST" and form.is_valid():
        try:
            payments.receipt_create(
                actor=actor, parent=parent, data=form.service_data(), instalment=inst.pk
            )
        except (ValidationFailed, InvalidTransition, VersionConflict) as exc:
            apply_errors(form, exc)
        else:
            if not is_htmx(request):
                messages.success(request, _("The payment was recorded."))
                return redirect(safe_next(request, reverse("sales:receivables")))
            row = _receivable_row(actor, pk)
            response = render(
                request,
                "sales/payments/_paid_row.html",
                {"i": row, "pk": pk, "next_url": None},
            )
            return _with_event(
                toast(response, _("The payment was recorded."), "success"), "payment-recorded"
            )
    if not is_htmx(request):
        return render(
            request, "sales/payments/pay.html", {"form": form, "i": inst, "parent": parent}
        )
    return render(request, "sales/payments/_pay_row.html", {"form": form, "i": inst})


# --- The payments panel of an order or a contract --------------------------------------------


def panel_urls(kind: str, pk: int) -> dict[str, str]:
    return {
        name: reverse(f"sales:{kind}_payments{suffix}", args=[pk])
        for name, suffix in (
            ("panel", ""),
            ("plan", "_plan"),
            ("preset", "_preset"),
            ("receipt", "_receipt"),
        )
    }


def panel_context(
    request,
    parent,
    *,
    receipt_form: ReceiptForm | None = None,
    preset_form: PresetForm | None = None,
    plan_rows: list[dict] | None = None,
    plan_errors: list[str] | None = None,
    void_errors: dict[int, list[str]] | None = None,
) -> dict[str, Any]:
    """What ``sales/payments/_panel.html`` needs: ``{"payments": …}`` for an order or a
    contract the actor can see (the order and contract pages include the panel with it)."""
    actor = request.user
    data = selectors.payments_of(actor, parent)
    kind = data["kind"]
    open_items = [i for i in data["instalments"] if i.outstanding_amount > 0]
    can_create = access.has_right(actor, "payment", "create")
    can_update = access.has_right(actor, "payment", "update")
    urls = panel_urls(kind, parent.pk)
    for receipt in data["receipts"]:
        receipt.void_url = reverse(f"sales:{kind}_payments_void", args=[parent.pk, receipt.pk])
    if plan_rows is None:
        plan_rows = [
            {
                "id": i.pk,
                "due_date": i.due_date.isoformat(),
                "amount": str(i.amount),
                "note": i.note,
                "paid": i.paid,
            }
            for i in data["instalments"]
        ]
    plan_rows = plan_rows + [{"id": "", "due_date": "", "amount": "", "note": ""}] * 2
    return {
        "payments": {
            **data,
            "urls": urls,
            "can_record": can_create and data["payable"] and data["outstanding"] > 0,
            "can_plan": can_update or (can_create and not data["instalments"]),
            "can_void": can_update,
            "receipt_form": receipt_form
            or ReceiptForm(
                initial={"received_on": data["today"], "amount": data["outstanding"]},
                instalments=open_items,
                prefix="receipt",
            ),
            "preset_form": preset_form or PresetForm(prefix="preset"),
            "plan_rows": plan_rows,
            "plan_errors": plan_errors or [],
            "void_errors": void_errors or {},
            "next": request.POST.get("next") or request.GET.get("next") or request.path,
        }
    }


def _parent(request, kind: str, pk: int):
    return selectors.parent_get(request.user, kind, pk)


def _panel_response(request, parent, *, message: str = "", level: str = "success", **kwargs):
    """The panel again (htmx), or back to the page the form was on with a message."""
    if not is_htmx(request):
        if message:
            (messages.success if level == "success" else messages.error)(request, message)
        default = reverse(f"sales:{payments.kind_of(parent)}_payments", args=[parent.pk])
        return redirect(safe_next(request, default))
    parent = selectors.parent_get(request.user, payments.kind_of(parent), parent.pk)  # fresh
    response = render(
        request, "sales/payments/_panel.html", panel_context(request, parent, **kwargs)
    )
    return toast(response, message, level) if message else response


@page
def payment_panel(request, kind: str, pk: int):
    """The panel on a page of its own (htmx: the panel alone)."""
    access.require_right(request.user, "payment", "read")
    parent = _parent(request, kind, pk)
    ctx = panel_context(request, parent)
    if is_htmx(request):
        return render(request, "sales/payments/_panel.html", ctx)
    return render(
        request, "sales/payments/panel_page.html", {**ctx, "parent": parent, "kind": kind}
    )


def _plan_items(post) -> tuple[list[dict], list[int]]:
    """The rows of the plan form that are filled in, and the row number of each."""
    ids, dates, amounts = post.getlist("id"), post.getlist("due_date"), post.getlist("amount")
    notes = post.getlist("note")
    items, rows = [], []
    for n in range(max(len(ids), len(dates), len(amounts))):
        due = (dates[n] if n < len(dates) else "").strip()
        amount = (amounts[n] if n < len(amounts) else "").strip()
        if not due and not amount:
            continue  # an empty row, or one emptied to remove its instalment
        item = {"due_date": due, "amount": amount, "note": notes[n] if n < len(notes) else ""}
        pk = ids[n] if n < len(ids) else ""
        if pk:
            item["id"] = pk
        items.append(item)
        rows.append(n + 1)
    return items, rows


def _plan_messages(exc, rows: list[int]) -> list[str]:
    out = []
    for key, msgs in (exc.fields or {}).items():
        parts = key.split(".")
        for msg in msgs:
            if len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(rows):
                out.append(
                    _("Row %(row)s, %(field)s: %(message)s")
                    % {
                        "row": rows[int(parts[1])],
                        "field": PLAN_FIELDS.get(parts[2], parts[2]),
                        "message": msg,
                    }
                )
            else:
                out.append(msg)
    return out or [str(exc.message)]


@require_POST
@page
def plan_set(request, kind: str, pk: int):
    parent = _parent(request, kind, pk)
    items, rows = _plan_items(request.POST)
    try:
        payments.plan_set(actor=request.user, parent=parent, instalments=items)
    except (ValidationFailed, VersionConflict, InvalidTransition) as exc:
        errors = _plan_messages(exc, rows)
        if not is_htmx(request):
            return _panel_response(request, parent, message=" ".join(errors), level="error")
        shown = [dict(item, id=item.get("id", "")) for item in items]
        return _panel_response(request, parent, plan_rows=shown, plan_errors=errors)
    return _panel_response(request, parent, message=_("The payment plan was saved."))


@require_POST
@page
def plan_preset(request, kind: str, pk: int):
    parent = _parent(request, kind, pk)
    form = PresetForm(request.POST, prefix="preset")
    if form.is_valid():
        try:
            payments.plan_apply_preset(
                actor=request.user,
                parent=parent,
                preset=form.cleaned_data["preset"],
                count=form.cleaned_data["count"],
                first_due=form.cleaned_data["first_due"],
            )
        except (ValidationFailed, VersionConflict, InvalidTransition) as exc:
            apply_errors(form, exc)
        else:
            return _panel_response(request, parent, message=_("The payment plan was saved."))
    if not is_htmx(request):
        text = " ".join(m for errs in form.errors.values() for m in errs)
        return _panel_response(request, parent, message=text, level="error")
    return _panel_response(request, parent, preset_form=form)


@require_POST
@page
def receipt_create(request, kind: str, pk: int):
    parent = _parent(request, kind, pk)
    data = selectors.payments_of(request.user, parent)
    form = ReceiptForm(
        request.POST,
        instalments=[i for i in data["instalments"] if i.outstanding_amount > 0],
        prefix="receipt",
    )
    if form.is_valid():
        try:
            payments.receipt_create(
                actor=request.user,
                parent=parent,
                data=form.service_data(),
                instalment=form.cleaned_data.get("instalment") or None,
            )
        except (ValidationFailed, VersionConflict, InvalidTransition) as exc:
            apply_errors(form, exc)
        else:
            return _panel_response(request, parent, message=_("The payment was recorded."))
    if not is_htmx(request):
        text = " ".join(m for errs in form.errors.values() for m in errs)
        return _panel_response(request, parent, message=text, level="error")
    return _panel_response(request, parent, receipt_form=form)


@require_POST
@page
def receipt_void(request, kind: str, pk: int, receipt_pk: int):
    parent = _parent(request, kind, pk)
    receipt = selectors.receipt_get(request.user, receipt_pk)
    if (receipt.order_id if kind == "order" else receipt.contract_id) != parent.pk:
        return HttpResponse(status=404)
    form = VoidForm(request.POST)
    errors: list[str] = []
    if form.is_valid():
        try:
            payments.receipt_void(
                actor=request.user,
                receipt=receipt,
                reason=form.cleaned_data["reason"],
                version=form.cleaned_data["version"],
            )
        except (ValidationFailed, VersionConflict, InvalidTransition) as exc:
            errors = error_messages(exc)
        else:
            return _panel_response(request, parent, message=_("The receipt was voided."))
    else:
        errors = [m for errs in form.errors.values() for m in errs]
    if not is_htmx(request):
        return _panel_response(request, parent, message=" ".join(errors), level="error")
    return _panel_response(request, parent, void_errors={receipt.pk: errors})
