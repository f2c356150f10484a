"""The payment pages: receivables with aging, the payments panel through its own view, the
360° panel, and what each role may do on them."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client

from guanxi.sales import payments
from guanxi.sales.models import Instalment, Receipt
from guanxi.sales.payment_selectors import today_for
from tests.sales.factories import make_contract, make_order

pytestmark = pytest.mark.django_db

D = Decimal
HX = {"HTTP_HX_REQUEST": "true"}


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def setup(world):
    rep = world.users["rep_a"]
    today = today_for(world.org)
    order = make_order(
        rep,
        world.records["rep_a"].account,
        "1000.00",
        order_date=today - timedelta(days=40),
        delivery_date=today - timedelta(days=10),
    )
    payments.plan_apply_preset(actor=rep, parent=order, preset="deposit_30")
    return {"rep": rep, "order": order, "today": today}


def test_panel_through_its_own_view(world, setup, django_assert_max_num_queries):
    rep, order = setup["rep"], setup["order"]
    c = _client(rep)
    url = f"/deals/orders/{order.pk}/payments/"
    with django_assert_max_num_queries(20):
        r = c.get(url)
    page = r.content.decode()
    assert r.status_code == 200 and 'id="payments-panel"' in page
    assert "¥300.00" in page and "¥700.00" in page and "Record payment" in page
    assert "days overdue" in page  # the deposit was due 40 days ago
    # htmx: the panel alone
    r = c.get(url, **HX)
    assert r.content.decode().lstrip().startswith("<section")
    # record a payment through the panel: the panel comes back with it
    r = c.post(
        f"{url}receipts/",
        {
            "receipt-received_on": setup["today"].isoformat(),
            "receipt-amount": "400",
            "receipt-method": "wechat_pay",
            "receipt-reference": "WX-1",
            "receipt-instalment": "",
        },
        **HX,
    )
    assert r.status_code == 200 and "WX-1" in r.content.decode()
    assert 'id="payments-paid">¥400.00' in r.content.decode()
    assert "toast" in r["HX-Trigger"]
    order.refresh_from_db()
    assert order.paid_total == D("400.00")
    # too much: the error is by the amount field, nothing written
    r = c.post(
        f"{url}receipts/",
        {
            "receipt-received_on": setup["today"].isoformat(),
            "receipt-amount": "600.01",
            "receipt-method": "cash",
        },
        **HX,
    )
    body = r.content.decode()
    assert r.status_code == 200 and 'id="id_receipt-amount-errors"' in body
    assert Receipt.objects.count() == 1
    # a rep may not void; the button is not offered
    assert "Void the receipt" not in body
    receipt = Receipt.objects.get()
    r = c.post(f"{url}receipts/{receipt.pk}/void/", {"reason": "typo", "version": 1}, **HX)
    assert r.status_code == 403
    # nor change the plan once set
    assert "Change the plan" not in body
    r = c.post(f"{url}preset/", {"preset-preset": "on_delivery"}, **HX)
    assert r.status_code == 403


def test_manager_voids_and_edits_the_plan(world, setup):
    order = setup["order"]
    payments.receipt_create(actor=setup["rep"], parent=order, data={"amount": "300"})
    c = _client(world.users["east_manager"])
    url = f"/deals/orders/{order.pk}/payments/"
    body = c.get(url).content.decode()
    assert "Void the receipt" in body and "Change the plan" in body
    deposit, rest = Instalment.objects.filter(order=order).order_by("due_date")
    # the paid deposit cannot go: the error comes back with the rows as typed
    r = c.post(
        f"{url}plan/",
        {
            "id": [deposit.pk, rest.pk, ""],
            "due_date": ["", rest.due_date.isoformat(), "2026-12-01"],
            "amount": ["", "700", "300"],
            "note": ["", "", "final"],
        },
        **HX,
    )
    body = r.content.decode()
    assert r.status_code == 200 and 'id="plan-errors"' in body and "cannot be removed" in body
    r = c.post(
        f"{url}plan/",
        {
            "id": [deposit.pk, rest.pk, ""],
            "due_date": [deposit.due_date.isoformat(), rest.due_date.isoformat(), "2026-12-01"],
            "amount": ["300", "500", "abc"],
            "note": ["", "", "final"],
        },
        **HX,
    )
    assert "Row 3, amount" in r.content.decode()
    r = c.post(
        f"{url}plan/",
        {
            "id": [deposit.pk, rest.pk, ""],
            "due_date": [deposit.due_date.isoformat(), rest.due_date.isoformat(), "2026-12-01"],
            "amount": ["300", "500", "200"],
            "note": ["", "", "final"],
        },
        **HX,
    )
    assert r.status_code == 200 and "final" in r.content.decode()
    assert Instalment.objects.filter(order=order).count() == 3
    receipt = Receipt.objects.get()
    r = c.post(f"{url}receipts/{receipt.pk}/void/", {"reason": "", "version": 1}, **HX)
    assert Receipt.objects.get().voided_at is None
    r = c.post(f"{url}receipts/{receipt.pk}/void/", {"reason": "bounced", "version": 1}, **HX)
    assert r.status_code == 200 and "bounced" in r.content.decode()
    assert Receipt.objects.get().voided_at is not None
    # without htmx: back to the page the form was on
    r = c.post(f"{url}preset/", {"preset-preset": "monthly", "preset-count": "4", "next": "/"})
    assert r.status_code == 302 and r["Location"] == "/"
    assert Instalment.objects.filter(order=order).count() == 4


def test_receivables_page(world, setup, django_assert_max_num_queries):
    rep, order = setup["rep"], setup["order"]
    today = setup["today"]
    other = make_contract(
        world.users["rep_b"],
        world.records["rep_b"].account,
        "600",
        start_date=today + timedelta(days=5),
        end_date=today + timedelta(days=400),
    )
    payments.plan_apply_preset(actor=world.users["rep_b"], parent=other, preset="monthly", count=3)
    c = _client(rep)
    with django_assert_max_num_queries(16):
        r = c.get("/deals/receivables/")
    body = r.content.decode()
    assert r.status_code == 200 and order.number in body and other.number not in body
    assert 'data-bucket="31_60"' in body and 'aria-current="page"' in body
    # the manager sees both; filters
    m = _client(world.users["manager"])
    body = m.get("/deals/receivables/").content.decode()
    assert order.number in body and other.number in body
    body = m.get("/deals/receivables/", {"overdue": "true"}).content.decode()
    assert order.number in body and other.number not in body
    body = m.get("/deals/receivables/", {"account": other.account_id}).content.decode()
    assert order.number not in body and other.number in body
    r = m.get("/deals/receivables/", {"due_from": "tomorrow"})
    assert r.status_code == 400 and "Due from" in r.content.decode()
    assert (
        m.get("/deals/receivables/", {"fragment": "aging"}).content.decode().count("figure card")
        == 6
    )


def test_record_payment_from_a_receivables_row(world, setup):
    rep, order = setup["rep"], setup["order"]
    deposit, rest = Instalment.objects.filter(order=order).order_by("due_date")
    c = _client(rep)
    r = c.get(f"/deals/receivables/{deposit.pk}/pay/", **HX)
    assert r.status_code == 200 and f'id="pay-{deposit.pk}"' in r.content.decode()
    r = c.post(
        f"/deals/receivables/{deposit.pk}/pay/",
        {
            f"pay{deposit.pk}-received_on": setup["today"].isoformat(),
            f"pay{deposit.pk}-amount": "300.01",
            f"pay{deposit.pk}-method": "cash",
        },
        **HX,
    )
    assert "errors" in r.content.decode() and not Receipt.objects.exists()
    r = c.post(
        f"/deals/receivables/{deposit.pk}/pay/",
        {
            f"pay{deposit.pk}-received_on": setup["today"].isoformat(),
            f"pay{deposit.pk}-amount": "300",
            f"pay{deposit.pk}-method": "cash",
        },
        **HX,
    )
    body = r.content.decode()
    assert r.status_code == 200 and 'hx-swap-oob="delete"' in body  # paid: the row goes
    assert "payment-recorded" in r["HX-Trigger"]
    deposit.refresh_from_db()
    assert deposit.paid == D("300.00")
    r = c.post(
        f"/deals/receivables/{rest.pk}/pay/",
        {
            f"pay{rest.pk}-received_on": setup["today"].isoformat(),
            f"pay{rest.pk}-amount": "100",
            f"pay{rest.pk}-method": "cash",
        },
        **HX,
    )
    assert f'id="inst-{rest.pk}" hx-swap-oob="true"' in r.content.decode()
    assert "¥600.00" in r.content.decode()
    # someone else's instalment does not exist for a rep
    r = _client(world.users["rep_b"]).get(f"/deals/receivables/{rest.pk}/pay/", **HX)
    assert r.status_code == 404


def test_account_360_panel(world, setup):
    order = setup["order"]
    c = _client(setup["rep"])
    body = c.get(f"/accounts/{order.account_id}/").content.decode()
    assert 'id="panel-receivables"' in body and order.number in body
    assert "¥1,000.00" in body
    # an account that owes nothing has no such panel
    body = c.get(f"/accounts/{world.records['rep_a'].account.pk}/").content.decode()
    other = _client(world.users["rep_c"]).get(f"/accounts/{world.records['rep_c'].account.pk}/")
    assert 'id="panel-receivables"' not in other.content.decode()


def test_pages_speak_chinese(world, setup):
    from guanxi.core.services import user_set_preferences

    rep = user_set_preferences(user=setup["rep"], language="zh-hans")
    c = _client(rep)
    body = c.get("/deals/receivables/").content.decode()
    assert "应收款" in body and "逾期 31–60 天" in body and "登记回款" in body
    body = c.get(f"/deals/orders/{setup['order'].pk}/payments/").content.decode()
    for text in ("回款计划", "逾期", "收款记录", "登记回款"):
        assert text in body, text
    assert "Record payment" not in body and "Outstanding" not in body
