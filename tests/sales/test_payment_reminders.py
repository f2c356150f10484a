"""The daily payment reminders: once per occasion, grouped per owner, set-based."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from guanxi.core.models import Event, Notification
from guanxi.sales import payments
from guanxi.sales.models import Instalment, OrderStatus
from guanxi.sales.payment_reminders import remind_payments
from tests.sales.factories import make_order

pytestmark = pytest.mark.django_db

DUE = date(2026, 6, 1)


def _order_due(owner, account, due: date, amount="500.00", **kwargs):
    order = make_order(owner, account, amount, **kwargs)
    payments.plan_set(actor=owner, parent=order, instalments=[{"due_date": due, "amount": amount}])
    return order


def _notes(user):
    return list(Notification.objects.filter(user=user).order_by("id"))


def test_due_soon_then_overdue_on_days_1_7_and_30_each_once(world):
    rep = world.users["rep_a"]
    _order_due(rep, world.records["rep_a"].account, DUE)
    org = world.org.pk
    reminded = {}
    for offset in range(-6, 62):
        day = DUE + timedelta(days=offset)
        n = remind_payments(organisation_id=org, today=day)
        if n:
            reminded[offset] = n
        assert remind_payments(organisation_id=org, today=day) == 0  # a second run: nothing
    assert reminded == {-3: 1, 1: 1, 7: 1, 30: 1}
    texts = [n.text for n in _notes(rep)]
    assert len(texts) == 4
    assert "falls due on" in texts[0] and "500.00 CNY" in texts[0]
    assert "1 day overdue" in texts[1] and "7 days overdue" in texts[2]
    assert "30 days overdue" in texts[3]
    assert _notes(rep)[0].url.startswith("/deals/receivables/?owner=me&due_to=")
    assert _notes(rep)[1].url == "/deals/receivables/?owner=me&overdue=true"
    inst = Instalment.objects.get()
    assert inst.reminded_before_on == DUE - timedelta(days=3)
    assert inst.reminded_after_on == DUE + timedelta(days=30)
    assert Event.objects.filter(verb="payment.reminded").count() == 4


def test_missed_days_are_caught_up_once(world):
    rep = world.users["rep_a"]
    _order_due(rep, world.records["rep_a"].account, DUE)
    days = [10, 11, 29, 30, 31, 200]
    counts = [remind_payments(organisation_id=world.org.pk, today=DUE + timedelta(d)) for d in days]
    assert counts == [1, 0, 0, 1, 0, 0]


def test_paid_draft_and_cancelled_are_left_alone(world):
    rep = world.users["rep_a"]
    account = world.records["rep_a"].account
    paid = _order_due(rep, account, DUE)
    payments.receipt_create(actor=rep, parent=paid, data={"amount": "500"})
    _order_due(rep, account, DUE, status=OrderStatus.DRAFT)
    cancelled = _order_due(rep, account, DUE)
    cancelled.status = OrderStatus.CANCELLED
    cancelled.save(update_fields=["status"])
    assert remind_payments(organisation_id=world.org.pk, today=DUE + timedelta(days=1)) == 0
    assert _notes(rep) == []


def test_one_notification_per_owner_whatever_the_count(world, django_assert_max_num_queries):
    rep_a, rep_b = world.users["rep_a"], world.users["rep_b"]
    for i in range(3):
        _order_due(rep_a, world.records["rep_a"].account, DUE - timedelta(days=i), "100")
    _order_due(rep_b, world.records["rep_b"].account, DUE, "250")
    # constant queries: reads, updates, one insert of events, one notification per owner
    with django_assert_max_num_queries(14):
        assert remind_payments(organisation_id=world.org.pk, today=DUE + timedelta(days=2)) == 4
    (note_a,) = _notes(rep_a)
    assert note_a.text.startswith("3 payments are overdue: 300.00 CNY")
    assert "Account of rep_a" in note_a.text
    (note_b,) = _notes(rep_b)
    assert "250.00 CNY" in note_b.text and "2 days overdue" in note_b.text
    # many more instalments: the same number of queries
    for i in range(12):
        _order_due(rep_a, world.records["rep_a"].account, DUE + timedelta(days=20 + i % 3), "10")
    with django_assert_max_num_queries(14):
        assert remind_payments(organisation_id=world.org.pk, today=DUE + timedelta(days=40)) == 16


def test_reminders_speak_the_owners_language_and_email(
    world, smtp, django_capture_on_commit_callbacks
):
    from guanxi.core.services import user_set_preferences

    rep = world.users["rep_a"]
    rep.email = "rep_a@example.cn"
    rep.save(update_fields=["email"])
    user_set_preferences(user=rep, language="zh-hans")
    _order_due(rep, world.records["rep_a"].account, DUE)
    with django_capture_on_commit_callbacks(execute=True):
        remind_payments(organisation_id=world.org.pk, today=DUE + timedelta(days=7))
    (note,) = _notes(rep)
    assert "逾期" in note.text
    assert len(smtp.messages) == 1 and "rep_a@example.cn" in smtp.messages[0].rcpt_tos


def test_the_periodic_job_runs_every_organisation(world):
    from guanxi.sales.tasks import remind_payments as job

    rep = world.users["rep_a"]
    today = payments.today_for(world.org)
    _order_due(rep, world.records["rep_a"].account, today - timedelta(days=1))
    assert job.call_local() == 1
    assert job.call_local() == 0
