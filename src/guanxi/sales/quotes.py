"""Quotes (CPQ): build an offer for a deal, have it approved, send it, record the answer.

A quote moves draft → pending approval → approved → sent → accepted / rejected / expired.
Only a draft can change; submitting it asks for approval when a rule says so (see
``core.approvals``) and locks it while the decision is pending; a rejection brings it back
to draft. A quote that was approved or sent changes through a new revision: the lines are
copied, the old revision stays readable (superseded) and keeps its number.

Prices come from ``sales.pricing`` (the rules for promotions, discounts, rounding and tax are
written there) and are worked out again on every change of a draft; ``sales.lines`` looks
prices and promotions up and edits the lines, as it does for orders.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.core import access, approvals, events
from guanxi.core.errors import InvalidTransition, NotFound, ValidationFailed
from guanxi.core.filters import ID, OWNER, apply_filters, check_sort, parse_id
from guanxi.core.models import ApprovalRequest
from guanxi.core.normalize import InvalidValue, clean_text, normalize_email
from guanxi.core.pagination import Page, paginate
from guanxi.core.records import (
    apply,
    lock,
    next_number,
    reject_unknown,
    resolve,
    stamp,
    validate,
)
from guanxi.customers.models import Contact
from guanxi.sales import lines, pricing
from guanxi.sales.models import Opportunity, Quote, QuoteLine, QuoteStatus

QUOTE_FIELDS = (
    "contact",
    "currency",
    "channel",
    "language",
    "quote_date",
    "valid_until",
    "discount_percent",
    "notes",
)
LINE_FIELDS = lines.LINE_FIELDS
QUOTE_SORTS = ("-updated_at", "-created_at", "number")
QUOTE_FILTERS = {"owner": OWNER, "opportunity": ID, "account": ID, "status": QuoteStatus}
# The figures approval rules may test on a quote.
APPROVAL_FIGURES = {
    "discount_percent": gettext_lazy("Hand-given discount on the quote (%)"),
    "line_discount_percent": gettext_lazy("Largest hand-given discount on a line (%)"),
    "total": gettext_lazy("Total"),
}
EDITABLE = (QuoteStatus.DRAFT,)
REVISABLE = (QuoteStatus.APPROVED, QuoteStatus.SENT, QuoteStatus.REJECTED, QuoteStatus.EXPIRED)


def quote_url(quote: Quote) -> str:
    return reverse("sales:quote_detail", args=[quote.pk])


def _require_status(quote: Quote, allowed, message: str) -> None:
    if quote.status not in allowed:
        raise InvalidTransition(message)


def _require_draft(quote: Quote) -> None:
    _require_status(
        quote,
        EDITABLE,
        _("Only a draft quote can be changed: make a new revision of this one."),
    )


# --- Prices ----------------------------------------------------------------------------------

QUOTE_LINES = lines.Lines(QuoteLine, "quote")


def recalculate(quote: Quote) -> pricing.Totals:
    """Work out every line and the quote's totals again and store them (inside the caller's
    transaction; the quote is locked)."""
    return lines.recalculate(QUOTE_LINES, quote, day=quote.quote_date)


def _figures(quote: Quote, totals: pricing.Totals) -> dict[str, Decimal]:
    return {
        "discount_percent": totals.manual_discount_percent,
        "line_discount_percent": totals.largest_line_discount_percent,
        "total": totals.total,
    }


# --- Creating and editing --------------------------------------------------------------------


def _prepare(actor, data: dict[str, Any]) -> dict[str, Any]:
    data = dict(data)
    reject_unknown(data, QUOTE_FIELDS)
    if "notes" in data and data["notes"] is not None:
        data["notes"] = str(data["notes"]).strip()
    if "contact" in data:
        data["contact"] = resolve(
            actor, Contact.objects.all(), "contact", data["contact"], "contact"
        )
    return data


def _check_quote(quote: Quote) -> None:
    if quote.valid_until and quote.valid_until < quote.quote_date:
        raise ValidationFailed.on("valid_until", _("The quote cannot expire before its date."))
    if quote.contact_id and quote.contact.account_id not in (None, quote.account_id):
        raise ValidationFailed.on("contact", _("This contact works for another account."))


@transaction.atomic
def quote_create(*, actor, opportunity: Any, data: dict[str, Any] | None = None) -> Quote:
    """A new draft quote for a deal the actor can see, in the deal's currency by default."""
    access.require_right(actor, "quote", "create")
    opp = resolve(
        actor,
        Opportunity.objects.select_related("account"),
        "opportunity",
        opportunity,
        "opportunity",
    )
    if opp is None:
        raise ValidationFailed.on("opportunity", _("This field cannot be blank."))
    data = _prepare(actor, data or {})
    org = actor.organisation
    quote = Quote(
        owner=actor,
        opportunity=opp,
        account=opp.account,
        contact_id=opp.contact_id,
        currency=opp.currency,
        language="zh-hans" if (org.language or "").startswith("zh") else "en",
        quote_date=timezone.localdate(),
    )
    apply(quote, data)
    stamp(quote, actor, creating=True)
    quote.number = next_number(Quote, actor.organisation_id, f"Q-{quote.quote_date.year}-", 4)
    validate(quote)
    _check_quote(quote)
    quote.price_list = lines.best_price_list(quote, day=quote.quote_date)
    quote.save()
    events.record(
        actor,
        "quote.created",
        quote,
        account_id=quote.account_id,
        data={"number": quote.number, "opportunity": opp.pk},
    )
    return quote


@transaction.atomic
def quote_update(*, actor, quote: Quote, data: dict[str, Any], version: int | None = None) -> Quote:
    """Change a draft's terms; prices and totals are worked out again."""
    access.require_on(actor, quote, "quote", "update")
    data = _prepare(actor, data)
    quote = lock(Quote, quote.pk, version)
    _require_draft(quote)
    changes = apply(quote, data)
    if not changes:
        return quote
    validate(quote)
    _check_quote(quote)
    if {"currency", "channel", "quote_date"} & set(changes):
        lines.reprice(QUOTE_LINES, quote, day=quote.quote_date)
        quote.price_list = lines.best_price_list(quote, day=quote.quote_date)
    recalculate(quote)
    stamp(quote, actor)
    quote.save()
    events.record(actor, "quote.updated", quote, account_id=quote.account_id, changes=changes)
    return quote


def _touch(actor, quote: Quote, verb: str, data: dict[str, Any]) -> Quote:
    recalculate(quote)
    stamp(quote, actor)
    quote.save()
    events.record(actor, verb, quote, account_id=quote.account_id, data=data)
    return quote


@transaction.atomic
def quote_line_add(
    *,
    actor,
    quote: Quote,
    product: Any,
    quantity: Any,
    discount_percent: Any = None,
    version: int | None = None,
) -> QuoteLine:
    """Add a product to a draft at its price-list price (promotions apply by themselves)."""
    access.require_on(actor, quote, "quote", "update")
    product = lines.sellable_product(actor, product)
    quote = lock(Quote, quote.pk, version)
    _require_draft(quote)
    line = lines.add_line(
        QUOTE_LINES,
        quote,
        actor=actor,
        product=product,
        quantity=quantity,
        discount_percent=discount_percent,
        day=quote.quote_date,
    )
    _touch(actor, quote, "quote.line_added", {"product": product.pk, "quantity": line.quantity})
    return line


@transaction.atomic
def quote_line_update(
    *, actor, quote: Quote, line: Any, data: dict[str, Any], version: int | None = None
) -> QuoteLine:
    """Change a line's quantity or its own discount."""
    access.require_on(actor, quote, "quote", "update")
    quote = lock(Quote, quote.pk, version)
    _require_draft(quote)
    line = lines.line_of(QUOTE_LINES, quote, line)
    if lines.update_line(line, actor=actor, data=data):
        _touch(actor, quote, "quote.line_changed", {"line": line.pk, "product": line.product_id})
    return line


@transaction.atomic
def quote_line_remove(*, actor, quote: Quote, line: Any, version: int | None = None) -> None:
    access.require_on(actor, quote, "quote", "update")
    quote = lock(Quote, quote.pk, version)
    _require_draft(quote)
    line = lines.line_of(QUOTE_LINES, quote, line)
    product_id = line.product_id
    line.delete()
    _touch(actor, quote, "quote.line_removed", {"product": product_id})


@transaction.atomic
def quote_delete(*, actor, quote: Quote, version: int | None = None) -> None:
    """Delete a draft quote (one that was submitted stays, for the record)."""
    access.require_on(actor, quote, "quote", "delete")
    quote = lock(Quote, quote.pk, version)
    _require_status(quote, EDITABLE, _("Only a draft quote can be deleted."))
    pk, number, account_id = quote.pk, str(quote), quote.account_id
    quote.delete()
    events.record(
        actor,
        "quote.deleted",
        None,
        object_type="quote",
        account_id=account_id,
        organisation_id=actor.organisation_id,
        data={"id": pk, "number": number},
    )


@transaction.atomic
def quote_assign(*, actor, quote: Quote, owner: Any, version: int | None = None) -> Quote:
    from guanxi.core.records import assign_owner

    return assign_owner(actor, quote, "quote", owner, version)


# --- The way through approval ----------------------------------------------------------------


def _set_status(actor, quote: Quote, status: str, verb: str, data: dict | None = None) -> Quote:
    old = quote.status
    quote.status = status
    stamp(quote, actor)
    quote.save()
    events.record(
        actor,
        verb,
        quote,
        account_id=quote.account_id,
        changes={"status": (old, status)},
        data={"number": quote.number, "amount": quote.total, "currency": quote.currency}
        | (data or {}),
    )
    return quote


@transaction.atomic
def quote_submit(*, actor, quote: Quote, version: int | None = None) -> Quote:
    """Finish a draft: approved at once, or pending while the approvers named by the rules
    decide (the quote is locked meanwhile)."""
    access.require_on(actor, quote, "quote", "update")
    quote = lock(Quote, quote.pk, version)
    _require_draft(quote)
    if not QuoteLine.objects.filter(quote=quote).exists():
        raise ValidationFailed.on("non_field", _("Add at least one line first."))
    totals = recalculate(quote)
    request = approvals.request_approval(
        actor=actor,
        obj=quote,
        object_type="quote",
        figures=_figures(quote, totals),
        url=quote_url(quote),
    )
    if request is None:
        quote.decided_at = timezone.now()
        return _set_status(actor, quote, QuoteStatus.APPROVED, "quote.approved", {"auto": True})
    return _set_status(
        actor,
        quote,
        QuoteStatus.PENDING,
        "quote.submitted",
        {"approval": request.pk, "reasons": request.reasons},
    )


@transaction.atomic
def quote_withdraw(*, actor, quote: Quote, version: int | None = None) -> Quote:
    """Take a pending quote back to draft (its approval request is withdrawn)."""
    access.require_on(actor, quote, "quote", "update")
    quote = lock(Quote, quote.pk, version)
    _require_status(
        quote, (QuoteStatus.PENDING,), _("Only a quote awaiting approval can be withdrawn.")
    )
    approvals.cancel_pending(actor=actor, object_type="quote", object_id=quote.pk)
    return _set_status(actor, quote, QuoteStatus.DRAFT, "quote.withdrawn")


def _on_decided(actor, request: ApprovalRequest, approved: bool) -> None:
    """The approver's decision on a quote (inside ``approvals.decide``'s transaction)."""
    quote = lock(Quote, request.object_id, None)
    if quote.status != QuoteStatus.PENDING:
        raise InvalidTransition(_("This quote is not awaiting approval."))
    quote.decided_at = timezone.now()
    if approved:
        _set_status(
            actor, quote, QuoteStatus.APPROVED, "quote.approved", {"comment": request.comment}
        )
    else:
        _set_status(
            actor, quote, QuoteStatus.DRAFT, "quote.approval_rejected", {"comment": request.comment}
        )


def pending_request(quote: Quote) -> ApprovalRequest | None:
    return (
        ApprovalRequest.objects.filter(
            organisation_id=quote.organisation_id,
            object_type="quote",
            object_id=quote.pk,
            status="pending",
        )
        .order_by("-id")
        .first()
    )


def quote_decide(*, actor, quote: Quote, approve: bool, comment: str = "") -> Quote:
    """Approve or reject a pending quote: only one of the approvers the rules named."""
    request = pending_request(quote)
    if request is None:
        raise InvalidTransition(_("This quote is not awaiting approval."))
    approvals.decide(actor=actor, request=request, approve=approve, comment=comment)
    return Quote.objects.get(pk=quote.pk)


approvals.register(
    approvals.ApprovalType(
        object_type="quote",
        label=gettext_lazy("Quote"),
        figures=APPROVAL_FIGURES,
        on_decided=_on_decided,
    )
)


# --- Sending, the customer's answer, revisions -----------------------------------------------


def _recipient(quote: Quote, to: str | None) -> str:
    address = to if to not in (None, "") else (quote.contact.email if quote.contact_id else "")
    if not address:
        raise ValidationFailed.on("to", _("Give the address to send the quote to."))
    try:
        return normalize_email(address)
    except InvalidValue as exc:
        raise ValidationFailed.on("to", exc) from None


def quote_send(
    *, actor, quote: Quote, to: str | None = None, message: str = "", version: int | None = None
) -> Quote:
    """Email the quote's PDF (through the configured SMTP server) and note it on the timeline.

    Only an approved (or already sent) quote goes out. Nothing is recorded if the email
    cannot be sent.
    """
    from guanxi.sales.pdf import quote_pdf

    access.require_on(actor, quote, "quote", "update")
    if not settings.EMAIL_NOTIFICATIONS:
        raise ValidationFailed.on(
            "to", _("No email server is configured (GUANXI_SMTP_URL): download the PDF instead.")
        )
    with transaction.atomic():
        quote = lock(Quote, quote.pk, version)
        _require_status(
            quote,
            (QuoteStatus.APPROVED, QuoteStatus.SENT),
            _("Only an approved quote can be sent."),
        )
        address = _recipient(quote, to)
        pdf = quote_pdf(quote)
        org = quote.organisation
        with translation.override(quote.language):
            subject = _("Quote %(number)s from %(company)s") % {
                "number": str(quote),
                "company": org.name,
            }
            body = (
                message.replace("\x00", "").strip()[:5000]
                if message
                else _(
                    "Dear customer,\n\nplease find our quote %(number)s attached.\n\n%(company)s"
                )
                % {"number": str(quote), "company": org.name}
            )
        email = EmailMessage(
            subject=subject,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[address],
            reply_to=[actor.email] if actor.email else None,
        )
        email.attach(pdf_filename(quote), pdf, "application/pdf")
        try:
            email.send()
        except OSError as exc:
            raise ValidationFailed.on(
                "to", _("The email could not be sent: %(error)s") % {"error": exc}
            ) from None
        quote.sent_at = timezone.now()
        quote.sent_to = address
        return _set_status(actor, quote, QuoteStatus.SENT, "quote.sent", {"to": address})


@transaction.atomic
def quote_mark_sent(*, actor, quote: Quote, version: int | None = None) -> Quote:
    """An approved quote reached the customer some other way (printed, by WeChat, the PDF
    attached by hand): recorded as sent, like an email, so the customer's answer can follow.
    Emits ``quote.sent`` without a ``to``."""
    access.require_on(actor, quote, "quote", "update")
    quote = lock(Quote, quote.pk, version)
    _require_status(quote, (QuoteStatus.APPROVED,), _("Only an approved quote can be sent."))
    quote.sent_at = timezone.now()
    quote.sent_to = ""
    return _set_status(actor, quote, QuoteStatus.SENT, "quote.sent", {"to": ""})


def pdf_filename(quote: Quote) -> str:
    return f"{quote.number}{'' if quote.revision == 1 else f'-v{quote.revision}'}.pdf"


@transaction.atomic
def quote_accept(*, actor, quote: Quote, version: int | None = None) -> Quote:
    """The customer accepted a sent quote. Emits ``quote.accepted`` (orders start from it)."""
    access.require_on(actor, quote, "quote", "update")
    quote = lock(Quote, quote.pk, version)
    _require_status(quote, (QuoteStatus.SENT,), _("Only a sent quote can be accepted."))
    quote.decided_at = timezone.now()
    return _set_status(actor, quote, QuoteStatus.ACCEPTED, "quote.accepted")


@transaction.atomic
def quote_reject(*, actor, quote: Quote, reason: str = "", version: int | None = None) -> Quote:
    """The customer turned a sent quote down."""
    access.require_on(actor, quote, "quote", "update")
    quote = lock(Quote, quote.pk, version)
    _require_status(quote, (QuoteStatus.SENT,), _("Only a sent quote can be marked rejected."))
    quote.decided_at = timezone.now()
    return _set_status(
        actor, quote, QuoteStatus.REJECTED, "quote.rejected", {"reason": clean_text(reason)[:300]}
    )


@transaction.atomic
def quotes_expire(*, organisation_id: int, today: date | None = None) -> int:
    """Sent or approved quotes past their validity become expired (the daily job)."""
    today = today or timezone.localdate()
    due = Quote.objects.select_for_update().filter(
        organisation_id=organisation_id,
        status__in=(QuoteStatus.APPROVED, QuoteStatus.SENT),
        valid_until__lt=today,
    )
    n = 0
    for quote in due:
        old = quote.status
        quote.status = QuoteStatus.EXPIRED
        quote.version += 1
        quote.updated_at = timezone.now()
        quote.save(update_fields=["status", "version", "updated_at"])
        events.record(
            None,
            "quote.expired",
            quote,
            account_id=quote.account_id,
            changes={"status": (old, QuoteStatus.EXPIRED)},
        )
        n += 1
    return n


@transaction.atomic
def quote_revise(*, actor, quote: Quote, version: int | None = None) -> Quote:
    """A new draft revision with the same number and lines; the old one is kept, superseded."""
    access.require_on(actor, quote, "quote", "update")
    old = lock(Quote, quote.pk, version)
    _require_status(old, REVISABLE, _("This quote cannot be revised in its current state."))
    if Quote.objects.filter(previous=old).exists():
        raise InvalidTransition(_("A newer revision of this quote exists."))
    new = Quote.objects.get(pk=old.pk)
    new.pk = None
    new.revision = old.revision + 1
    new.previous = old
    new.status = QuoteStatus.DRAFT
    new.sent_at = new.decided_at = None
    new.sent_to = ""
    new.owner = old.owner
    stamp(new, actor, creating=True)
    new.save()
    lines.copy_lines(QUOTE_LINES, old, QUOTE_LINES, new, actor=actor)
    recalculate(new)
    new.save()
    _set_status(actor, old, QuoteStatus.SUPERSEDED, "quote.superseded", {"by": new.pk})
    events.record(
        actor,
        "quote.revised",
        new,
        account_id=new.account_id,
        data={"number": new.number, "revision": new.revision, "previous": old.pk},
    )
    return new


# --- Reads -----------------------------------------------------------------------------------


def _with_lines(qs: models.QuerySet[Quote]) -> models.QuerySet[Quote]:
    return qs.prefetch_related(
        models.Prefetch("lines", queryset=QuoteLine.objects.select_related("product"))
    )


def quote_queryset(actor, *, filters=None) -> models.QuerySet[Quote]:
    qs = access.scoped(
        actor, Quote.objects.select_related("owner", "account", "opportunity"), "quote"
    )
    return apply_filters(qs, actor, filters, QUOTE_FILTERS)


def quote_list(
    actor,
    *,
    filters=None,
    sort: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
    q: str | None = None,
) -> Page:
    sort = check_sort(sort, QUOTE_SORTS)
    qs = _with_lines(quote_queryset(actor, filters=filters))
    q = clean_text(q)  # as numbers are stored: no NUL, which PostgreSQL refuses
    if q:
        qs = qs.filter(number__icontains=q)
    return paginate(qs, sort=sort, cursor=cursor, limit=limit)


def quote_get(actor, pk: Any) -> Quote:
    """A quote the actor may read — in their scope, or one they were asked to approve."""
    base = _with_lines(
        Quote.objects.select_related(
            "owner", "account", "opportunity", "contact", "price_list", "organisation"
        )
    )
    try:
        return access.get_visible(actor, base, "quote", pk)
    except NotFound:
        quote = base.filter(organisation_id=actor.organisation_id, pk=parse_id(pk) or 0).first()
        if quote is not None and approvals.is_approver_of(actor, "quote", quote.pk):
            return quote
        raise


def quote_lines(quote: Quote) -> list[QuoteLine]:
    """The lines of a quote the caller has read through ``quote_get``."""
    return list(quote.lines.all())


def quote_revisions(quote: Quote) -> list[Quote]:
    """Every revision of the quote's number, newest first."""
    return list(
        Quote.objects.filter(organisation_id=quote.organisation_id, number=quote.number)
        .only("id", "number", "revision", "status", "total", "currency", "updated_at")
        .order_by("-revision")
    )


def deal_quotes(actor, opportunity: Opportunity) -> list[Quote]:
    return list(
        access.scoped(actor, Quote.objects.all(), "quote")
        .filter(opportunity=opportunity)
        .order_by("-id")[:50]
    )
