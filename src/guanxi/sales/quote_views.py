"""Pages for quotes: the builder (lines added with htmx), approval, PDF, email, revisions,
and the approvals inbox."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core import access, approvals
from guanxi.core.errors import InvalidTransition, ValidationFailed, VersionConflict
from guanxi.customers.selectors import contact_choices
from guanxi.sales import catalogue, orders, quotes, selectors
from guanxi.sales.cpq_forms import DecisionForm, LineForm, QuoteForm, SendForm
from guanxi.sales.models import QuoteStatus
from guanxi.sales.pdf import quote_pdf as render_pdf
from guanxi.web import crud
from guanxi.web.forms import record_choices
from guanxi.web.ui import apply_errors, error_messages, is_htmx, page, toast


def _detail_url(quote) -> str:
    return reverse("sales:quote_detail", args=[quote.pk])


@page
def quote_list(request):
    access.require_right(request.user, "quote", "read")
    return crud.list_page(
        request,
        selector=quotes.quote_list,
        template="sales/quotes/list.html",
        rows_template="sales/quotes/_rows.html",
        sorts=quotes.QUOTE_SORTS,
        filter_names=("owner", "status"),
        labels={"owner": _("Owner"), "status": _("Status"), "sort": _("Sort")},
        context={"statuses": QuoteStatus.choices},
    )


@require_POST
@page
def quote_create(request, deal_pk: int):
    deal = selectors.opportunity_get(request.user, deal_pk)
    quote = quotes.quote_create(actor=request.user, opportunity=deal)
    return redirect(_detail_url(quote))


def _builder_context(request, quote, line_form=None) -> dict:
    actor = request.user
    editable = quote.status == QuoteStatus.DRAFT and access.has_right(actor, "quote", "update")
    return {
        "quote": quote,
        "lines": quotes.quote_lines(quote),
        "editable": editable and access.can_see(actor, quote, "quote"),
        "line_form": line_form or LineForm(initial={"quantity": 1}),
        "products": catalogue.product_choices(actor, limit=200),
    }


@page
def quote_detail(request, pk: int):
    actor = request.user
    quote = quotes.quote_get(actor, pk)
    pending = quotes.pending_request(quote)
    ctx = _builder_context(request, quote)
    ctx.update(
        {
            "revisions": quotes.quote_revisions(quote),
            "approval_history": approvals.history(quote.organisation_id, "quote", quote.pk),
            "pending": pending,
            "can_decide": pending is not None and approvals.can_decide(actor, pending),
            "decision_form": DecisionForm(),
            "send_form": SendForm(initial={"to": quote.contact.email if quote.contact_id else ""}),
            "is_owner_side": access.can_see(actor, quote, "quote"),
            "order": orders.order_for_quote(actor, quote)
            if quote.status == QuoteStatus.ACCEPTED
            else None,
        }
    )
    return render(request, "sales/quotes/detail.html", ctx)


def _lines_response(request, quote, line_form=None, status=200):
    quote = quotes.quote_get(request.user, quote.pk)
    return render(
        request,
        "sales/quotes/_lines.html",
        {**_builder_context(request, quote, line_form), "oob": True},
        status=status,
    )


@require_POST
@page
def line_add(request, pk: int):
    actor = request.user
    quote = quotes.quote_get(actor, pk)
    form = LineForm(request.POST)
    if form.is_valid():
        try:
            quotes.quote_line_add(
                actor=actor,
                quote=quote,
                product=form.cleaned_data["product"],
                quantity=form.cleaned_data["quantity"],
                discount_percent=form.cleaned_data.get("discount_percent"),
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            if not is_htmx(request):
                return redirect(_detail_url(quote))
            return _lines_response(request, quote)
    if not is_htmx(request):
        return redirect(_detail_url(quote))
    # htmx swaps only successful answers: the form comes back with its errors by the fields.
    return _lines_response(request, quote, form)


@require_POST
@page
def line_update(request, pk: int, line_pk: int):
    actor = request.user
    quote = quotes.quote_get(actor, pk)
    data = {k: request.POST[k] for k in ("quantity", "discount_percent") if k in request.POST}
    try:
        quotes.quote_line_update(actor=actor, quote=quote, line=line_pk, data=data)
    except ValidationFailed as exc:
        response = _lines_response(request, quote, status=422)
        text = " ".join(m for msgs in exc.fields.values() for m in msgs) or str(exc.message)
        return toast(response, text, "error")
    return _lines_response(request, quote) if is_htmx(request) else redirect(_detail_url(quote))


@require_POST
@page
def line_remove(request, pk: int, line_pk: int):
    quote = quotes.quote_get(request.user, pk)
    quotes.quote_line_remove(actor=request.user, quote=quote, line=line_pk)
    return _lines_response(request, quote) if is_htmx(request) else redirect(_detail_url(quote))


@page
def quote_edit(request, pk: int):
    actor = request.user
    quote = quotes.quote_get(actor, pk)
    form = QuoteForm(request.POST or None, actor=actor, instance=quote)
    form.fields["contact"].widget.choices = record_choices(
        contact_choices(actor, account=quote.account_id, include=form["contact"].value())
    )
    response = crud.save(
        request,
        form,
        lambda f: quotes.quote_update(
            actor=actor, quote=quote, data=f.service_data(), version=f.cleaned_data["version"]
        ),
        success=_detail_url,
        message=_("The quote was saved."),
    )
    return response or render(request, "sales/quotes/form.html", {"form": form, "quote": quote})


_ACTIONS = {
    "submit": (quotes.quote_submit, _("The quote was submitted.")),
    "withdraw": (quotes.quote_withdraw, _("The quote is a draft again.")),
    "mark-sent": (quotes.quote_mark_sent, _("The quote was marked sent.")),
    "accept": (quotes.quote_accept, _("The quote was marked accepted.")),
    "reject": (quotes.quote_reject, _("The quote was marked rejected.")),
    "revise": (quotes.quote_revise, _("A new revision was made.")),
    "delete": (quotes.quote_delete, _("The quote was deleted.")),
}


@require_POST
@page
def quote_action(request, pk: int, action: str):
    """The buttons of a quote's page: submit, withdraw, mark sent, accept, reject, revise,
    delete."""
    from django.contrib import messages

    quote = quotes.quote_get(request.user, pk)
    if action not in _ACTIONS:
        return HttpResponse(status=404)
    service, message = _ACTIONS[action]
    version = request.POST.get("version", "")
    try:
        result = service(
            actor=request.user, quote=quote, version=int(version) if version.isdigit() else None
        )
    except (ValidationFailed, VersionConflict, InvalidTransition) as exc:
        messages.error(request, " ".join(error_messages(exc)))
        return redirect(_detail_url(quote))
    messages.success(request, str(message))
    if action == "delete":
        return redirect(reverse("sales:deal_detail", args=[quote.opportunity_id]))
    return redirect(_detail_url(result))


@require_POST
@page
def quote_decide(request, pk: int):
    from django.contrib import messages

    quote = quotes.quote_get(request.user, pk)
    form = DecisionForm(request.POST)
    form.is_valid()
    approve = request.POST.get("decision") == "approve"
    quotes.quote_decide(
        actor=request.user,
        quote=quote,
        approve=approve,
        comment=form.cleaned_data.get("comment", ""),
    )
    messages.success(
        request, _("The quote was approved.") if approve else _("The quote was rejected.")
    )
    return redirect(_detail_url(quote))


@page
def quote_pdf(request, pk: int):
    quote = quotes.quote_get(request.user, pk)
    response = HttpResponse(render_pdf(quote), content_type="application/pdf")
    disposition = "inline" if request.GET.get("inline") else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{quotes.pdf_filename(quote)}"'
    return response


@page
def quote_send(request, pk: int):
    from django.contrib import messages

    actor = request.user
    quote = quotes.quote_get(actor, pk)
    form = SendForm(
        request.POST or None, initial={"to": quote.contact.email if quote.contact_id else ""}
    )
    if request.method == "POST" and form.is_valid():
        try:
            quotes.quote_send(
                actor=actor,
                quote=quote,
                to=form.cleaned_data["to"],
                message=form.cleaned_data["message"],
            )
        except (ValidationFailed, VersionConflict) as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The quote was sent."))
            return redirect(_detail_url(quote))
    return render(request, "sales/quotes/send.html", {"form": form, "quote": quote})


@page
def approval_inbox(request):
    """ "Waiting for my approval": every pending request the user is to decide."""
    return render(
        request,
        "sales/quotes/approvals.html",
        {"requests": approvals.waiting_for(request.user)},
    )
