"""The order and contract pages: from a quote to an order and a contract, htmx lines, the
permission matrix of every page, both languages."""

from __future__ import annotations

import pytest
from django.test import Client

from guanxi.core.models import User
from guanxi.sales import contracts, orders
from guanxi.sales.models import Contract, ContractStatus, Order, OrderLine, OrderStatus
from tests.conftest import PASSWORD
from tests.sales.order_helpers import accepted_quote, draft_order

pytestmark = pytest.mark.django_db

OWNERS = ["admin", "manager", "rep_a", "rep_b", "rep_c", "stranger"]
VISIBLE = {
    "admin": {"admin", "manager", "rep_a", "rep_b", "rep_c"},
    "manager": {"admin", "manager", "rep_a", "rep_b", "rep_c"},
    "east_manager": {"rep_a", "rep_b"},
    "rep_a": {"rep_a"},
    "rep_c": {"rep_c"},
    "stranger": {"stranger"},
}


def _client(user) -> Client:
    c = Client()
    assert c.login(username=user.username, password=PASSWORD)
    return c


@pytest.fixture
def owned(world):
    """A draft order and a draft contract owned by each person."""
    out = {}
    for name in OWNERS:
        user = world.users[name]
        account = world.records[name].account
        order = orders.order_create(actor=user, data={"account": account.pk})
        contract = contracts.contract_create(
            actor=user, data={"account": account.pk, "title": f"合同 {name}"}
        )
        out[name] = (order, contract)
    return out


def test_from_quote_to_order_to_contract(world, cat, django_assert_max_num_queries):
    rep = world.users["rep_a"]
    quote = accepted_quote(world, cat)
    c = _client(rep)
    page = c.get(f"/deals/quotes/{quote.pk}/").content.decode()
    assert "Create order" in page
    r = c.post(f"/deals/quotes/{quote.pk}/order/")
    order = Order.objects.get(quote=quote)
    assert r.status_code == 302 and r["Location"] == f"/deals/orders/{order.pk}/"
    page = c.get(f"/deals/quotes/{quote.pk}/").content.decode()
    assert "Create order" not in page and order.number in page
    r = c.post(f"/deals/quotes/{quote.pk}/order/", follow=True)  # a second time: refused
    assert order.number in r.content.decode() and Order.objects.filter(quote=quote).count() == 1
    url = f"/deals/orders/{order.pk}/"
    with django_assert_max_num_queries(25):
        page = c.get(url).content.decode()
    assert "¥" in page and quote.number in page and "Confirming the order wins its deal." in page
    # htmx lines: an error by the field, then a line, a change, a removal
    r = c.post(f"{url}lines/", {"product": cat.tea.pk, "quantity": "0"}, HTTP_HX_REQUEST="true")
    assert 'id="id_quantity-errors' in r.content.decode()
    assert OrderLine.objects.filter(order=order).count() == 2
    r = c.post(f"{url}lines/", {"product": cat.tea.pk, "quantity": "1"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and 'id="order-total-head"' in r.content.decode()
    line = OrderLine.objects.filter(order=order).order_by("-id").first()
    r = c.post(f"{url}lines/{line.pk}/", {"quantity": "abc"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 422 and "HX-Trigger" in r
    r = c.post(f"{url}lines/{line.pk}/remove/", HTTP_HX_REQUEST="true")
    assert OrderLine.objects.filter(order=order).count() == 2
    # confirm: the deal is won; the deal page and the account page list the order
    r = c.post(f"{url}confirm/", {"version": Order.objects.get(pk=order.pk).version})
    assert r.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED
    deal_page = c.get(f"/deals/{order.opportunity_id}/").content.decode()
    assert order.number in deal_page and "Won" in deal_page
    r = c.post(f"{url}confirm/")  # twice: told, nothing changes
    assert r.status_code == 302
    assert "Only a draft order can be confirmed." in c.get(url).content.decode()
    # a contract from the order, prefilled
    form = c.get(f"/deals/contracts/new/?order={order.pk}").content.decode()
    assert order.number in form and str(order.total) in form
    r = c.post(
        "/deals/contracts/new/",
        {
            "order": order.pk,
            "account": order.account_id,
            "title": "年度供货合同",
            "value": "1000",
            "currency": "CNY",
            "start_date": "2026-01-01",
            "end_date": "2026-12-31",
            "remind_days_before": "30",
            "owner": rep.pk,
        },
    )
    contract = Contract.objects.get(order=order)
    assert r.status_code == 302 and r["Location"] == f"/deals/contracts/{contract.pk}/"
    with django_assert_max_num_queries(20):
        page = c.get(f"/deals/contracts/{contract.pk}/").content.decode()
    assert "年度供货合同" in page and order.number in page
    account_page = c.get(f"/accounts/{order.account_id}/").content.decode()
    assert order.number in account_page and contract.number in account_page


def test_forms_show_field_errors_and_write_nothing(world, cat):
    rep = world.users["rep_a"]
    c = _client(rep)
    r = c.post(
        "/deals/orders/new/",
        {
            "account": world.records["rep_a"].account.pk,
            "currency": "CNY",
            "channel": "direct",
            "order_date": "2026-03-10",
            "delivery_date": "2026-03-01",
            "discount_percent": "0",
            "owner": rep.pk,
        },
    )
    assert r.status_code == 200 and 'id="id_delivery_date-errors' in r.content.decode()
    r = c.post(
        "/deals/contracts/new/",
        {
            "account": world.records["rep_a"].account.pk,
            "title": "x",
            "value": "1",
            "currency": "CNY",
            "start_date": "2026-05-01",
            "end_date": "2026-04-01",
            "remind_days_before": "30",
            "owner": rep.pk,
        },
    )
    assert r.status_code == 200 and 'id="id_end_date-errors' in r.content.decode()
    assert not Order.objects.exists() and not Contract.objects.exists()
    order = orders.order_confirm(actor=rep, order=draft_order(world, cat))
    r = c.post(f"/deals/orders/{order.pk}/cancel/", {"reason": "", "version": order.version})
    assert r.status_code == 200 and 'id="id_reason-errors' in r.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED
    r = c.post(
        f"/deals/orders/{order.pk}/cancel/", {"reason": "客户取消", "version": order.version}
    )
    assert r.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED


def test_the_lists_filter(world, cat, owned, django_assert_max_num_queries):
    manager = world.users["manager"]
    c = _client(manager)
    orders.order_confirm(actor=world.users["rep_a"], order=draft_order(world, cat))
    with django_assert_max_num_queries(15):
        assert c.get("/deals/orders/").status_code == 200
    with django_assert_max_num_queries(15):
        assert c.get("/deals/contracts/").status_code == 200
    page = c.get("/deals/orders/?status=confirmed").content.decode()
    confirmed = Order.objects.get(status=OrderStatus.CONFIRMED)
    assert confirmed.number in page and owned["rep_b"][0].number not in page
    assert c.get("/deals/orders/?date_from=2026-02-30").status_code == 400
    assert c.get("/deals/orders/?status=lost").status_code == 400
    page = c.get(f"/deals/orders/?q={owned['rep_b'][0].number}").content.decode()
    assert owned["rep_b"][0].number in page and owned["rep_c"][0].number not in page
    account = world.records["rep_c"].account
    page = c.get(f"/deals/orders/?account={account.pk}").content.decode()
    assert owned["rep_c"][0].number in page and owned["rep_b"][0].number not in page
    contract = contracts.contract_activate(actor=manager, contract=owned["rep_b"][1])
    page = c.get("/deals/contracts/?renewing=90").content.decode()
    assert "No contract matches these filters." in page  # it renews in a year
    page = c.get("/deals/contracts/?status=active").content.decode()
    assert contract.number in page and owned["rep_c"][1].number not in page


@pytest.mark.parametrize("actor", list(VISIBLE))
def test_page_permission_matrix(world, owned, actor):
    """Every order and contract page answers 404 outside the actor's scope (never leaking
    that the record exists), works within it, and deletion needs the delete right."""
    user = world.users[actor]
    c = _client(user)
    is_rep = user.role.code == "sales_rep"
    order_list = c.get("/deals/orders/").content.decode()
    contract_list = c.get("/deals/contracts/").content.decode()
    for owner in OWNERS:
        order, contract = owned[owner]
        visible = owner in VISIBLE[actor]
        # numbers repeat across organisations: tell the records apart by their link
        assert (f'href="/deals/orders/{order.pk}/"' in order_list) == visible, owner
        assert (f'href="/deals/contracts/{contract.pk}/"' in contract_list) == visible, owner
        expect = 200 if visible else 404
        for url in (
            f"/deals/orders/{order.pk}/",
            f"/deals/orders/{order.pk}/edit/",
            f"/deals/orders/{order.pk}/cancel/",
            f"/deals/orders/{order.pk}/assign/",
            f"/deals/contracts/{contract.pk}/",
            f"/deals/contracts/{contract.pk}/edit/",
            f"/deals/contracts/{contract.pk}/terminate/",
            f"/deals/contracts/{contract.pk}/assign/",
            f"/deals/contracts/new/?order={order.pk}",
            f"/deals/orders/new/?account={world.records[owner].account.pk}",
        ):
            assert c.get(url).status_code == expect, (url, owner)
        for url in (f"/deals/orders/{order.pk}/delete/", f"/deals/contracts/{contract.pk}/delete/"):
            assert c.get(url).status_code == (403 if visible and is_rep else expect), url
        r = c.post(f"/deals/contracts/{contract.pk}/activate/")
        assert r.status_code == (302 if visible else 404)
        contract.refresh_from_db()
        assert contract.status == (ContractStatus.ACTIVE if visible else ContractStatus.DRAFT)
        r = c.post(f"/deals/orders/{order.pk}/cancel/", {"reason": "x", "version": order.version})
        assert r.status_code == (302 if visible else 404)
        order.refresh_from_db()
        assert order.status == (OrderStatus.CANCELLED if visible else OrderStatus.DRAFT)


def test_without_the_rights_the_pages_and_menu_are_closed(world, owned):
    rep = world.users["rep_a"]
    role = rep.role
    role.permissions = {k: v for k, v in role.permissions.items() if k not in ("order", "contract")}
    role.save()
    rep = User.objects.get(pk=rep.pk)
    c = _client(rep)
    home = c.get("/").content.decode()
    assert 'href="/deals/orders/"' not in home and 'href="/deals/contracts/"' not in home
    assert c.get("/deals/orders/").status_code == 403
    assert c.get("/deals/contracts/").status_code == 403
    assert c.get(f"/deals/orders/{owned['rep_a'][0].pk}/").status_code == 404
    assert c.get("/deals/orders/new/").status_code == 403
    page = c.get(f"/accounts/{world.records['rep_a'].account.pk}/").content.decode()
    assert owned["rep_a"][0].number not in page


def test_pages_in_chinese(world, cat):
    rep = world.users["rep_a"]
    rep.language = "zh-hans"
    rep.save()
    order = orders.order_confirm(actor=rep, order=draft_order(world, cat))
    contract = contracts.contract_create(actor=rep, data={"order": order.pk})
    c = _client(rep)
    page = c.get(f"/deals/orders/{order.pk}/").content.decode()
    assert "订单" in page and "已确认" in page and "标记为已发货" in page and "合同" in page
    assert "确认了订单" in page  # the timeline
    page = c.get(f"/deals/contracts/{contract.pk}/").content.decode()
    assert "合同" in page and "生效" in page and "续签日期" in page
    page = c.get("/deals/contracts/").content.decode()
    assert "30 天内续签" in page
    page = c.get("/deals/orders/").content.decode()
    assert "下单日期" in page and order.number in page


def test_order_and_contract_pages_show_their_payments(world):
    """The payment plan, what was received and what is owed sit on the order's and the
    contract's own page; without the payment right the panel is not there."""
    from django.urls import reverse

    from guanxi.sales import payments
    from tests.sales.factories import make_contract, make_order

    rep = world.users["rep_a"]
    account = world.records["rep_a"].account
    order = make_order(rep, account, "1000.00")
    payments.plan_apply_preset(actor=rep, parent=order, preset="deposit_30")
    payments.receipt_create(actor=rep, parent=order, data={"amount": "300.00"})
    contract = make_contract(rep, account, "12000.00")
    client = _client(rep)
    for url in (
        reverse("sales:order_detail", args=[order.pk]),
        reverse("sales:contract_detail", args=[contract.pk]),
    ):
        page = client.get(url).content.decode()
        assert 'id="payments-panel"' in page, url
    page = client.get(reverse("sales:order_detail", args=[order.pk])).content.decode()
    assert "300.00" in page and "700.00" in page

    role = rep.role
    role.permissions = {k: v for k, v in role.permissions.items() if k != "payment"}
    role.save()
    page = _client(rep).get(reverse("sales:order_detail", args=[order.pk])).content.decode()
    assert 'id="payments-panel"' not in page
