"""Quotes: prices, promotions, revisions, the approval flow, the PDF and the email."""

from __future__ import annotations

import email
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from guanxi.core import approvals
from guanxi.core.errors import (
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from guanxi.core.models import ApprovalStatus, Event, Notification
from guanxi.customers.services import account_update
from guanxi.sales import quotes
from guanxi.sales.models import QuoteStatus
from guanxi.sales.pdf import quote_pdf

pytestmark = pytest.mark.django_db


def _quote(world, who="rep_a", **data):
    rep = world.users[who]
    return quotes.quote_create(actor=rep, opportunity=world.records[who].opportunity, data=data)


def test_numbered_per_organisation_and_priced_from_the_best_list(world, cat):
    rep = world.users["rep_a"]
    account_update(actor=rep, account=world.records["rep_a"].account, data={"region": "east"})
    q1 = _quote(world)
    q2 = _quote(world)
    assert q1.number.endswith("-0001") and q2.number.endswith("-0002")
    line = quotes.quote_line_add(actor=rep, quote=q1, product=cat.rice, quantity="10")
    assert line.unit_price == Decimal("90.00") and line.price_source == "East China"
    tea = quotes.quote_line_add(actor=rep, quote=q1, product=cat.tea, quantity="1")
    assert tea.unit_price == Decimal("300.00")  # not on the list: the list price
    q1.refresh_from_db()
    line.refresh_from_db()
    # 10 × 90 = 900, tier 5 % → 45 off; tax 9 % of 855 = 76.95
    assert line.promotion_discount == Decimal("45.00") and line.promotions == ["大米满10袋95折"]
    assert line.tax == Decimal("76.95")
    assert q1.total == Decimal("855.00") + Decimal("76.95") + Decimal("339.00")
    assert Event.objects.filter(verb="quote.line_added", object_id=q1.pk).count() == 2


def test_bad_input_is_a_field_error_and_nothing_changes(world, cat):
    rep = world.users["rep_a"]
    q = _quote(world)
    for bad in ("0", "-1", "abc", "1e20"):
        with pytest.raises(ValidationFailed) as exc:
            quotes.quote_line_add(actor=rep, quote=q, product=cat.rice, quantity=bad)
        assert "quantity" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        quotes.quote_update(actor=rep, quote=q, data={"discount_percent": "101"})
    assert "discount_percent" in exc.value.fields
    assert quotes.quote_lines(q) == []


def test_a_large_discount_waits_for_the_team_manager(world, cat):
    rep, east_manager, manager = (world.users[n] for n in ("rep_a", "east_manager", "manager"))
    q = _quote(world)
    quotes.quote_line_add(actor=rep, quote=q, product=cat.tea, quantity="2", discount_percent="20")
    q = quotes.quote_submit(actor=rep, quote=q)
    assert q.status == QuoteStatus.PENDING
    # locked while pending
    with pytest.raises(InvalidTransition):
        quotes.quote_line_add(actor=rep, quote=q, product=cat.rice, quantity="1")
    with pytest.raises(InvalidTransition):
        quotes.quote_update(actor=rep, quote=q, data={"notes": "x"})
    # the nearest team manager (East) decides; not the rep, not the Sales manager above
    inbox = approvals.waiting_for(east_manager)
    assert [r.object_id for r in inbox] == [q.pk]
    assert approvals.waiting_for(manager) == []
    assert Notification.objects.filter(user=east_manager, verb="approval.requested").exists()
    for outsider in (rep, manager, world.users["rep_b"]):
        with pytest.raises(PermissionDenied):
            quotes.quote_decide(actor=outsider, quote=q, approve=True)
    with pytest.raises(ValidationFailed):  # a rejection says why
        quotes.quote_decide(actor=east_manager, quote=q, approve=False)
    q = quotes.quote_decide(actor=east_manager, quote=q, approve=True, comment="OK, 大客户")
    assert q.status == QuoteStatus.APPROVED
    with pytest.raises(InvalidTransition):  # decided once
        quotes.quote_decide(actor=east_manager, quote=q, approve=False, comment="no")
    verbs = list(
        Event.objects.filter(organisation=world.org).order_by("id").values_list("verb", flat=True)
    )
    assert {"approval.requested", "quote.submitted", "approval.approved", "quote.approved"} <= set(
        verbs
    )
    assert Notification.objects.filter(user=rep, verb="approval.approved").exists()
    # the approver may read the quote they decided
    assert quotes.quote_get(east_manager, q.pk) == q


def test_rejection_returns_the_quote_to_draft(world, cat):
    rep, east_manager = world.users["rep_a"], world.users["east_manager"]
    q = _quote(world, discount_percent="30")
    quotes.quote_line_add(actor=rep, quote=q, product=cat.tea, quantity="1")
    q = quotes.quote_submit(actor=rep, quote=q)
    q = quotes.quote_decide(actor=east_manager, quote=q, approve=False, comment="Too much")
    assert q.status == QuoteStatus.DRAFT
    history = approvals.history(world.org.pk, "quote", q.pk)
    assert [(h.status, h.comment) for h in history] == [(ApprovalStatus.REJECTED, "Too much")]
    quotes.quote_update(actor=rep, quote=q, data={"discount_percent": "5"})
    q = quotes.quote_submit(actor=rep, quote=q)
    assert q.status == QuoteStatus.APPROVED  # under every threshold: approved at once


def test_withdraw_and_refused_transitions(world, cat):
    rep = world.users["rep_a"]
    q = _quote(world)
    with pytest.raises(ValidationFailed):  # no lines
        quotes.quote_submit(actor=rep, quote=q)
    with pytest.raises(InvalidTransition):
        quotes.quote_accept(actor=rep, quote=q)
    with pytest.raises(InvalidTransition):
        quotes.quote_revise(actor=rep, quote=q)
    quotes.quote_line_add(actor=rep, quote=q, product=cat.tea, quantity="1", discount_percent="50")
    q = quotes.quote_submit(actor=rep, quote=q)
    q = quotes.quote_withdraw(actor=rep, quote=q)
    assert q.status == QuoteStatus.DRAFT
    assert approvals.history(world.org.pk, "quote", q.pk)[0].status == ApprovalStatus.CANCELLED


def test_revision_copies_lines_and_keeps_the_old_one(world, cat):
    rep = world.users["rep_a"]
    q = _quote(world)
    quotes.quote_line_add(actor=rep, quote=q, product=cat.rice, quantity="12")
    q = quotes.quote_submit(actor=rep, quote=q)
    new = quotes.quote_revise(actor=rep, quote=q)
    q.refresh_from_db()
    assert q.status == QuoteStatus.SUPERSEDED and new.status == QuoteStatus.DRAFT
    assert (new.number, new.revision, new.previous_id) == (q.number, 2, q.pk)
    assert new.total == q.total and len(quotes.quote_lines(new)) == 1
    assert [r.revision for r in quotes.quote_revisions(new)] == [2, 1]
    with pytest.raises(InvalidTransition):
        quotes.quote_revise(actor=rep, quote=q)


def test_scope_reps_see_their_own_managers_their_team(world, cat):
    q = _quote(world, who="rep_a")
    with pytest.raises(NotFound):
        quotes.quote_get(world.users["rep_b"], q.pk)
    with pytest.raises(NotFound):
        quotes.quote_get(world.users["stranger"], q.pk)
    assert quotes.quote_get(world.users["east_manager"], q.pk) == q
    assert quotes.quote_get(world.users["manager"], q.pk) == q
    with pytest.raises(ValidationFailed):  # someone else's deal
        quotes.quote_create(
            actor=world.users["rep_b"], opportunity=world.records["rep_a"].opportunity
        )


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_pdf_in_chinese_and_english(world, cat):
    rep = world.users["rep_a"]
    q = _quote(world, notes="货到付款", language="zh-hans")
    quotes.quote_line_add(actor=rep, quote=q, product=cat.rice, quantity="10")
    quotes.quote_line_add(actor=rep, quote=q, product=cat.tea, quantity="1")
    q = quotes.quote_get(rep, q.pk)
    text = _text(quote_pdf(q))
    assert "五常有机大米 5kg" in text and "Longjing green tea" in text
    assert "报价单" in text or "报价" in text
    assert "合计" in text and f"¥{q.total:,.2f}" in text
    assert world.org.name in text and "货到付款" in text
    q = quotes.quote_update(actor=rep, quote=q, data={"language": "en"})
    text = _text(quote_pdf(quotes.quote_get(rep, q.pk)))
    assert "Quote" in text and "Total" in text and "五常有机大米 5kg" in text


def test_send_by_email_with_the_pdf(world, cat, smtp):
    rep = world.users["rep_a"]
    q = _quote(world)
    quotes.quote_line_add(actor=rep, quote=q, product=cat.rice, quantity="2")
    with pytest.raises(InvalidTransition):  # a draft does not go out
        quotes.quote_send(actor=rep, quote=q, to="buyer@example.cn")
    q = quotes.quote_submit(actor=rep, quote=q)
    with pytest.raises(ValidationFailed) as exc:
        quotes.quote_send(actor=rep, quote=q, to="not an address")
    assert "to" in exc.value.fields and smtp.messages == []
    q = quotes.quote_send(actor=rep, quote=q, to="Buyer@Example.cn")
    assert q.status == QuoteStatus.SENT and q.sent_to == "buyer@example.cn"
    assert len(smtp.messages) == 1
    message = email.message_from_bytes(smtp.messages[0].content)
    assert smtp.messages[0].rcpt_tos == ["buyer@example.cn"]
    attachments = [p for p in message.walk() if p.get_content_type() == "application/pdf"]
    assert len(attachments) == 1
    assert "五常有机大米 5kg" in _text(attachments[0].get_payload(decode=True))
    event = Event.objects.get(verb="quote.sent", object_id=q.pk)
    assert event.account_id == q.account_id and event.data["to"] == "buyer@example.cn"
    q = quotes.quote_accept(actor=rep, quote=q)
    assert q.status == QuoteStatus.ACCEPTED
    assert Event.objects.filter(verb="quote.accepted", object_id=q.pk).exists()


def test_send_without_an_email_server_is_refused(world, cat, settings):
    settings.EMAIL_NOTIFICATIONS = False
    rep = world.users["rep_a"]
    q = _quote(world)
    quotes.quote_line_add(actor=rep, quote=q, product=cat.rice, quantity="2")
    q = quotes.quote_submit(actor=rep, quote=q)
    with pytest.raises(ValidationFailed):
        quotes.quote_send(actor=rep, quote=q, to="buyer@example.cn")
    q.refresh_from_db()
    assert q.status == QuoteStatus.APPROVED


def test_quotes_past_their_validity_expire(world, cat):
    from datetime import timedelta

    from guanxi.sales.tasks import expire_quotes

    rep = world.users["rep_a"]
    q = _quote(world)
    quotes.quote_line_add(actor=rep, quote=q, product=cat.rice, quantity="1")
    q = quotes.quote_submit(actor=rep, quote=q)
    q.valid_until = q.quote_date - timedelta(days=1)
    q.save(update_fields=["valid_until"])
    assert expire_quotes.call_local() == 1
    q.refresh_from_db()
    assert q.status == QuoteStatus.EXPIRED
    assert Event.objects.filter(verb="quote.expired", object_id=q.pk).exists()
    assert quotes.quote_revise(actor=rep, quote=q).status == QuoteStatus.DRAFT
