"""Contracts: made from an order, a deal or alone; activate, terminate, renew; the daily job."""

from __future__ import annotations

import email
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from guanxi.core.errors import (
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    VersionConflict,
)
from guanxi.core.models import Event, Notification
from guanxi.sales import contracts, orders
from guanxi.sales.models import Contract, ContractStatus
from guanxi.sales.tasks import contracts_daily
from tests.sales.order_helpers import draft_order

pytestmark = pytest.mark.django_db


def _contract(world, who="rep_a", **data):
    data = {"account": world.records[who].account.pk, "title": "年度供货合同", **data}
    return contracts.contract_create(actor=world.users[who], data=data)


def _active(world, who="rep_a", **data):
    contract = _contract(world, who, **data)
    return contracts.contract_activate(actor=world.users[who], contract=contract)


def test_from_an_order_a_deal_or_alone(world, cat):
    rep = world.users["rep_a"]
    order = orders.order_confirm(actor=rep, order=draft_order(world, cat))
    deal = world.records["rep_a"].opportunity
    today = timezone.localdate()
    c1 = contracts.contract_create(actor=rep, data={"order": order.pk})
    assert (c1.account_id, c1.opportunity_id, c1.order_id) == (
        order.account_id,
        deal.pk,
        order.pk,
    )
    assert (c1.value, c1.currency, c1.title) == (order.total, order.currency, deal.name)
    assert c1.number == f"CT-{today.year}-0001" and c1.status == ContractStatus.DRAFT
    assert c1.start_date == today and c1.end_date == contracts.default_end(today)
    assert c1.renewal_date == c1.end_date and c1.remind_days_before == 30
    c2 = contracts.contract_create(actor=rep, data={"opportunity": deal.pk, "value": "5000"})
    assert (c2.opportunity_id, c2.order_id, c2.value) == (deal.pk, None, Decimal("5000"))
    c3 = _contract(
        world,
        start_date=date(2026, 1, 1),
        end_date=date(2026, 12, 31),
        renewal_date=date(2026, 11, 30),
        remind_days_before=45,
        auto_renew=True,
        terms="货到付款",
    )
    assert c3.number.endswith("-0003") and c3.opportunity_id is None
    assert (c3.renewal_date, c3.remind_days_before, c3.auto_renew) == (
        date(2026, 11, 30),
        45,
        True,
    )
    created = Event.objects.get(verb="contract.created", object_id=c1.pk)
    assert created.account_id == order.account_id and created.data["order"] == order.pk


def test_bad_input_is_a_field_error_and_nothing_is_written(world, cat):
    rep = world.users["rep_a"]
    account = world.records["rep_a"].account.pk
    cancelled = orders.order_cancel(actor=rep, order=draft_order(world, cat), reason="x")
    cases = [
        ({"title": "x"}, "account"),
        ({"account": world.records["rep_b"].account.pk}, "account"),
        ({"order": cancelled.pk}, "order"),
        ({"opportunity": world.records["rep_a"].opportunity.pk, "account": 1}, "account"),
        ({"account": account, "start_date": "2026-05-01", "end_date": "2026-04-30"}, "end_date"),
        (
            {
                "account": account,
                "start_date": "2026-01-01",
                "end_date": "2026-12-31",
                "renewal_date": "2027-01-15",
            },
            "renewal_date",
        ),
        ({"account": account, "remind_days_before": 400}, "remind_days_before"),
        ({"account": account, "value": "-1"}, "value"),
        ({"account": account, "currency": "BTC"}, "currency"),
        ({"account": account, "title": "   "}, "title"),
        ({"account": account, "status": "active"}, "status"),
        ({"account": account, "contact": world.records["rep_b"].contact.pk}, "contact"),
    ]
    for data, field in cases:
        with pytest.raises(ValidationFailed) as exc:
            contracts.contract_create(actor=rep, data=data)
        assert field in exc.value.fields, data
    assert not Contract.objects.exists()
    assert not Event.objects.filter(object_type="contract").exists()


def test_next_period():
    assert contracts.next_period(date(2026, 1, 1), date(2026, 12, 31)) == (
        date(2027, 1, 1),
        date(2027, 12, 31),
    )
    assert contracts.next_period(date(2027, 1, 1), date(2027, 12, 31)) == (
        date(2028, 1, 1),
        date(2028, 12, 31),
    )
    assert contracts.next_period(date(2026, 3, 15), date(2026, 9, 14)) == (
        date(2026, 9, 15),
        date(2027, 3, 14),
    )
    assert contracts.next_period(date(2026, 1, 1), date(2026, 1, 10)) == (
        date(2026, 1, 11),
        date(2026, 1, 20),
    )
    assert contracts.default_end(date(2028, 2, 29)) == date(2029, 2, 27)


def test_activate_terminate_renew(world):
    rep = world.users["rep_a"]
    contract = _contract(world, value="12000", terms="每季度供货")
    with pytest.raises(VersionConflict):
        contracts.contract_activate(actor=rep, contract=contract, version=contract.version + 1)
    contract = contracts.contract_activate(actor=rep, contract=contract, version=contract.version)
    assert contract.status == ContractStatus.ACTIVE
    assert contract.signed_on == timezone.localdate()
    new = contracts.contract_renew(actor=rep, contract=contract)
    contract.refresh_from_db()
    assert contract.status == ContractStatus.RENEWED
    assert (new.status, new.renewed_from_id, new.value, new.terms) == (
        ContractStatus.DRAFT,
        contract.pk,
        Decimal("12000"),
        "每季度供货",
    )
    assert new.start_date == contract.end_date + timedelta(days=1)
    assert new.renewal_date == new.end_date and new.number != contract.number
    assert contracts.contract_successor(rep, contract) == new
    renewed = Event.objects.get(verb="contract.renewed", object_id=contract.pk)
    assert renewed.data["by"] == new.pk and renewed.changes["status"] == ["active", "renewed"]
    assert Event.objects.get(verb="contract.created", object_id=new.pk).data["renewed_from"] == (
        contract.pk
    )
    new = contracts.contract_activate(actor=rep, contract=new)
    with pytest.raises(ValidationFailed) as exc:
        contracts.contract_terminate(actor=rep, contract=new, reason="")
    assert "reason" in exc.value.fields
    new = contracts.contract_terminate(actor=rep, contract=new, reason="客户倒闭")
    assert new.status == ContractStatus.TERMINATED and new.termination_reason == "客户倒闭"
    assert new.terminated_at is not None


STEPS = {
    "activate": lambda a, c: contracts.contract_activate(actor=a, contract=c),
    "terminate": lambda a, c: contracts.contract_terminate(actor=a, contract=c, reason="r"),
    "renew": lambda a, c: contracts.contract_renew(actor=a, contract=c),
    "edit_value": lambda a, c: contracts.contract_update(actor=a, contract=c, data={"value": 1}),
    "edit_renewal": lambda a, c: contracts.contract_update(
        actor=a, contract=c, data={"remind_days_before": 7}
    ),
}
ALLOWED = {
    "draft": {"activate", "edit_value", "edit_renewal"},
    "active": {"terminate", "renew", "edit_renewal"},
    "expired": {"renew"},
    "terminated": set(),
    "renewed": set(),
}


@pytest.mark.parametrize("status", list(ALLOWED))
@pytest.mark.parametrize("step", list(STEPS))
def test_transitions_allowed_and_refused(world, status, step):
    rep = world.users["rep_a"]
    contract = _contract(world)
    if status != "draft":
        contract = contracts.contract_activate(actor=rep, contract=contract)
    if status == "expired":
        Contract.objects.filter(pk=contract.pk).update(
            start_date=date(2020, 1, 1), end_date=date(2020, 12, 31), renewal_date=None
        )
        contract.refresh_from_db()
        contracts.contracts_daily(organisation_id=world.org.pk)
    elif status == "terminated":
        contracts.contract_terminate(actor=rep, contract=contract, reason="r")
    elif status == "renewed":
        contracts.contract_renew(actor=rep, contract=contract)
    contract.refresh_from_db()
    assert contract.status == status
    before = Contract.objects.count(), contract.version
    if step in ALLOWED[status]:
        STEPS[step](rep, contract)
        return
    with pytest.raises(InvalidTransition):
        STEPS[step](rep, contract)
    contract.refresh_from_db()
    assert (Contract.objects.count(), contract.version, contract.status) == (*before, status)


def test_an_active_contract_changes_its_renewal_settings_only(world):
    rep = world.users["rep_a"]
    contract = _active(world)
    Contract.objects.filter(pk=contract.pk).update(reminded_on=timezone.localdate())
    contract = contracts.contract_update(
        actor=rep,
        contract=contract,
        data={"renewal_date": contract.end_date - timedelta(days=10), "auto_renew": True},
    )
    assert contract.reminded_on is None  # a new date: reminded again
    assert contract.auto_renew
    with pytest.raises(InvalidTransition):
        contracts.contract_update(actor=rep, contract=contract, data={"terms": "new terms"})
    # the same value again is no change
    contracts.contract_update(actor=rep, contract=contract, data={"title": contract.title})


def test_a_draft_renewal_date_follows_its_end(world):
    rep = world.users["rep_a"]
    contract = _contract(world, start_date=date(2026, 1, 1), end_date=date(2026, 12, 31))
    contract = contracts.contract_update(
        actor=rep, contract=contract, data={"end_date": date(2026, 6, 30)}
    )
    assert contract.renewal_date == date(2026, 6, 30)


def test_scope_and_rights(world):
    contract = _contract(world, "rep_a")
    for who in ("rep_a", "east_manager", "manager", "admin"):
        assert contracts.contract_get(world.users[who], contract.pk) == contract
    for who in ("rep_b", "rep_c", "stranger"):
        with pytest.raises(NotFound):
            contracts.contract_get(world.users[who], contract.pk)
        with pytest.raises(NotFound):
            contracts.contract_activate(actor=world.users[who], contract=contract)
    with pytest.raises(PermissionDenied):
        contracts.contract_delete(actor=world.users["rep_a"], contract=contract)
    with pytest.raises(ValidationFailed):  # may not hand it outside their scope
        contracts.contract_assign(
            actor=world.users["east_manager"], contract=contract, owner=world.users["rep_c"]
        )
    contracts.contract_delete(actor=world.users["manager"], contract=contract)
    assert not Contract.objects.exists()


def test_the_list_filters_renewing_soon(world):
    manager = world.users["manager"]
    today = timezone.localdate()
    soon = _active(world, renewal_date=today + timedelta(days=20))
    later = _active(world, "rep_b", renewal_date=today + timedelta(days=80))
    _contract(world, renewal_date=today + timedelta(days=5))  # a draft is not renewing
    start = today - timedelta(days=300)
    _active(world, "rep_c", start_date=start, end_date=today + timedelta(days=200))

    def ids(actor, **kw):
        return {c.pk for c in contracts.contract_list(actor, **kw).items}

    assert ids(manager, filters={"renewing": "30"}) == {soon.pk}
    assert ids(manager, filters={"renewing": 90}) == {soon.pk, later.pk}
    assert ids(world.users["rep_b"], filters={"renewing": "90"}) == {later.pk}
    assert ids(manager, q=soon.number) == {soon.pk}
    assert ids(manager, q="rep_b") == {later.pk}
    assert len(ids(manager, filters={"status": "active"})) == 3
    for bad in ({"renewing": "soon"}, {"renewing": "0"}, {"status": "open"}):
        with pytest.raises(ValidationFailed):
            contracts.contract_list(manager, filters=bad)


def test_renewal_reminders_once_in_the_owners_language(
    world, smtp, django_capture_on_commit_callbacks
):
    rep = world.users["rep_a"]
    rep.email, rep.language = "rep_a@example.cn", "zh-hans"
    rep.save()
    today = timezone.localdate()
    due = _active(world, renewal_date=today + timedelta(days=30), remind_days_before=30)
    not_yet = _active(world, renewal_date=today + timedelta(days=31), remind_days_before=30)
    auto = _active(
        world, "rep_b", renewal_date=today + timedelta(days=3), remind_days_before=7, auto_renew=1
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = contracts_daily.call_local()
    assert result == {"reminded": 2, "expired": 0, "renewed": 0}
    due.refresh_from_db()
    not_yet.refresh_from_db()
    assert due.reminded_on == today and not_yet.reminded_on is None
    note = Notification.objects.get(user=rep, verb="contract.renewal_due")
    assert due.number in note.text and "续签" in note.text
    assert note.url == f"/deals/contracts/{due.pk}/"
    other = Notification.objects.get(user=world.users["rep_b"])
    assert auto.number in other.text and "renews by itself" in other.text
    assert len(smtp.messages) == 1  # rep_b has no email address
    message = email.message_from_bytes(smtp.messages[0].content)
    assert f"https://crm.example.cn/deals/contracts/{due.pk}/" in message.get_payload(
        decode=True
    ).decode("utf-8")
    event = Event.objects.get(verb="contract.renewal_due", object_id=due.pk)
    assert event.actor is None and event.account_id == due.account_id
    # once: the next day's run reminds nobody again
    with django_capture_on_commit_callbacks(execute=True):
        assert contracts.contracts_daily(
            organisation_id=world.org.pk, today=today + timedelta(days=1)
        ) == {"reminded": 1, "expired": 0, "renewed": 0}  # not_yet's day has come
    assert Notification.objects.filter(verb="contract.renewal_due").count() == 3
    assert len(smtp.messages) == 2


def test_expiry_and_automatic_renewal(world):
    rep = world.users["rep_a"]
    today = timezone.localdate()
    year_ago = date(today.year - 1, 1, 1)
    plain = _active(world, start_date=year_ago, end_date=today + timedelta(days=1))
    auto = _active(world, start_date=year_ago, end_date=today + timedelta(days=1), auto_renew=1)
    draft = _contract(world, start_date=year_ago, end_date=today)
    assert contracts.contracts_daily(organisation_id=world.org.pk, today=today)["expired"] == 0
    later = today + timedelta(days=2)
    result = contracts.contracts_daily(organisation_id=world.org.pk, today=later)
    assert (result["expired"], result["renewed"]) == (1, 1)
    plain.refresh_from_db()
    auto.refresh_from_db()
    draft.refresh_from_db()
    assert plain.status == ContractStatus.EXPIRED
    assert auto.status == ContractStatus.RENEWED and draft.status == ContractStatus.DRAFT
    successor = contracts.contract_successor(rep, auto)
    assert successor.status == ContractStatus.ACTIVE and successor.auto_renew
    assert successor.start_date == auto.end_date + timedelta(days=1)
    assert Event.objects.get(verb="contract.expired", object_id=plain.pk).actor is None
    created = Event.objects.get(verb="contract.created", object_id=successor.pk)
    assert created.data["auto"] is True and created.actor is None
    # idempotent: the same day again changes nothing
    again = contracts.contracts_daily(organisation_id=world.org.pk, today=later)
    assert (again["expired"], again["renewed"]) == (0, 0)
    # an expired contract can still be renewed by hand
    assert contracts.contract_renew(actor=rep, contract=plain).status == ContractStatus.DRAFT


def test_a_long_missed_automatic_renewal_catches_up(world):
    today = timezone.localdate()
    old = _active(world, auto_renew=True)
    # it was activated long ago; the job did not run since
    Contract.objects.filter(pk=old.pk).update(
        start_date=date(today.year - 3, 1, 1),
        end_date=date(today.year - 3, 12, 31),
        renewal_date=date(today.year - 3, 12, 31),
    )
    result = contracts.contracts_daily(organisation_id=world.org.pk, today=today)
    assert result["renewed"] == 3
    current = Contract.objects.get(status=ContractStatus.ACTIVE)
    assert current.start_date <= today <= current.end_date
    assert current.start_date == date(today.year, 1, 1)
    assert Contract.objects.filter(status=ContractStatus.RENEWED).count() == 3
    assert old.pk != current.pk
