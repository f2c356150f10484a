"""The payments API, and the permission matrix of payments: role × whose order × endpoint,
in the API and on the pages."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client

from guanxi.sales import payments
from guanxi.sales.models import Instalment, Receipt
from guanxi.sales.payment_selectors import today_for
from tests.api.test_permission_matrix import ACTORS, OWNERS, VISIBLE
from tests.sales.factories import make_contract, make_order

pytestmark = pytest.mark.django_db

D = Decimal


def test_plan_receipts_and_void_through_the_api(world, api):
    rep, manager = world.users["rep_a"], world.users["manager"]
    order = make_order(rep, world.records["rep_a"].account, "1000.00")
    client = api(rep)
    status, body, _ = client.get(f"/orders/{order.pk}/instalments")
    assert status == 200 and body["instalments"] == [] and body["total"] == "1000.00"
    status, body, _ = client.put(
        f"/orders/{order.pk}/instalments",
        {"instalments": [{"due_date": "2026-04-01", "amount": "400"}]},
    )
    assert status == 422 and "instalments" in body["error"]["fields"]
    status, body, _ = client.put(
        f"/orders/{order.pk}/instalments",
        {
            "instalments": [
                {"due_date": "2026-04-01", "amount": "400", "note": "定金"},
                {"due_date": "2026-05-01", "amount": "600"},
            ]
        },
    )
    assert status == 200 and [i["amount"] for i in body["instalments"]] == ["400.00", "600.00"]
    assert body["planned"] == "1000.00"
    first = body["instalments"][0]
    # bad rows: field errors by row
    status, body, _ = api(manager).put(
        f"/orders/{order.pk}/instalments",
        {"instalments": [{"due_date": "2026-04-01", "amount": "0"}]},
    )
    assert status == 422 and "instalments.0.amount" in body["error"]["fields"]
    # receipts
    status, body, response = client.post(
        "/receipts",
        {"order": order.pk, "amount": "450", "method": "bank_transfer", "reference": "B-77"},
    )
    assert status == 201, body
    assert body["parent"] == {"kind": "order", "id": order.pk, "number": order.number}
    assert sorted(a["amount"] for a in body["allocations"]) == ["400.00", "50.00"]
    assert response["ETag"] == '"1"'
    receipt_id = body["id"]
    status, body, _ = client.post("/receipts", {"order": order.pk, "amount": "550.01"})
    assert status == 422 and "amount" in body["error"]["fields"]
    status, body, _ = client.post("/receipts", {"amount": "5"})
    assert status == 422
    status, body, _ = client.post(
        "/receipts", {"order": order.pk, "amount": "5", "instalment": first["id"]}
    )
    assert status == 422 and "instalment" not in body["error"]["fields"]  # it is paid in full
    status, body, _ = client.post("/receipts", {"order": order.pk, "amount": "1.234"})
    assert status == 422
    status, body, _ = client.get("/receipts", order=order.pk)
    assert status == 200 and [r["id"] for r in body["items"]] == [receipt_id]
    # the rep cannot void; the manager can, with If-Match
    status, body, _ = client.post(f"/receipts/{receipt_id}/void", {"reason": "typo"})
    assert status == 403
    boss = api(manager)
    status, body, _ = boss.post(
        f"/receipts/{receipt_id}/void", {"reason": "typo"}, headers={"If-Match": '"9"'}
    )
    assert status == 412
    status, body, _ = boss.post(f"/receipts/{receipt_id}/void", {"reason": ""})
    assert status == 422
    status, body, _ = boss.post(
        f"/receipts/{receipt_id}/void", {"reason": "typo"}, headers={"If-Match": '"1"'}
    )
    assert status == 200 and body["voided_at"] and body["allocations"] == []
    status, body, _ = boss.post(f"/receipts/{receipt_id}/void", {"reason": "again"})
    assert status == 409 and body["error"]["code"] == "invalid_transition"
    status, body, _ = client.get("/receipts", order=order.pk, voided="false")
    assert body["items"] == []
    # presets
    status, body, _ = boss.post(
        f"/orders/{order.pk}/instalments/preset", {"preset": "monthly", "count": 4}
    )
    assert status == 200 and len(body["instalments"]) == 4
    status, body, _ = boss.post(f"/orders/{order.pk}/instalments/preset", {"preset": "yearly"})
    assert status == 422


def test_contracts_and_refusals(world, api):
    rep = world.users["rep_a"]
    contract = make_contract(rep, world.records["rep_a"].account, "3000")
    client = api(rep)
    status, body, _ = client.post(
        f"/contracts/{contract.pk}/instalments/preset", {"preset": "monthly", "count": 3}
    )
    assert status == 200 and body["parent"]["kind"] == "contract"
    status, body, _ = client.post("/receipts", {"contract": contract.pk, "amount": "1500"})
    assert status == 201
    draft = make_order(rep, contract.account, status="draft")
    status, body, _ = client.post("/receipts", {"order": draft.pk, "amount": "1"})
    assert status == 409
    status, body, _ = client.post(
        "/receipts", {"order": draft.pk, "contract": contract.pk, "amount": "1"}
    )
    assert status == 422


def test_receivables_and_aging(world, api, django_assert_max_num_queries):
    rep = world.users["rep_a"]
    today = today_for(world.org)
    account = world.records["rep_a"].account
    for days, amount in ((-5, "100"), (10, "200"), (45, "300"), (75, "400"), (120, "500")):
        order = make_order(rep, account, amount)
        payments.plan_set(
            actor=rep,
            parent=order,
            instalments=[{"due_date": today - timedelta(days=days), "amount": amount}],
        )
    client = api(rep)
    with django_assert_max_num_queries(6):
        status, body, _ = client.get("/receivables", limit=3)
    assert status == 200 and len(body["items"]) == 3 and body["next_cursor"]
    assert [i["days_overdue"] for i in body["items"]] == [120, 75, 45]
    status, body2, _ = client.get("/receivables", limit=3, cursor=body["next_cursor"])
    assert [i["days_overdue"] for i in body2["items"]] == [10, 0]
    status, body, _ = client.get("/receivables/aging")
    assert status == 200
    amounts = {b["bucket"]: b["amounts"].get("CNY") for b in body["buckets"]}
    assert amounts == {
        "current": "100.00",
        "1_30": "200.00",
        "31_60": "300.00",
        "61_90": "400.00",
        "over_90": "500.00",
        "total": "1500.00",
    }
    status, body, _ = client.get("/receivables/aging", overdue="true")
    assert {b["bucket"]: b["count"] for b in body["buckets"]}["total"] == 4
    status, body, _ = client.get("/receivables", due_from="someday")
    assert status == 422 and "due_from" in body["error"]["fields"]


# --- The permission matrix --------------------------------------------------------------------


@pytest.fixture
def orders(world):
    """An order of each person, with a 30 % deposit plan and one receipt of 100."""
    out = {}
    for owner in OWNERS:
        user = world.users[owner]
        order = make_order(user, world.records[owner].account, "1000.00")
        payments.plan_apply_preset(actor=user, parent=order, preset="deposit_30")
        payments.receipt_create(actor=user, parent=order, data={"amount": "100"})
        out[owner] = order
    return out


@pytest.mark.parametrize("actor", ACTORS)
def test_api_matrix(world, api, orders, actor):
    user = world.users[actor]
    client = api(user)
    may_update = user.role.code != "sales_rep"
    # lists show exactly what is in scope
    status, body, _ = client.get("/receipts", limit=200)
    assert {r["parent"]["id"] for r in body["items"]} == {orders[o].pk for o in VISIBLE[actor]}
    status, body, _ = client.get("/receivables", limit=200)
    assert {r["parent"]["id"] for r in body["items"]} == {orders[o].pk for o in VISIBLE[actor]}
    status, body, _ = client.get("/receivables/aging")
    total = next(b for b in body["buckets"] if b["bucket"] == "total")
    assert total["count"] == 2 * len(VISIBLE[actor])
    for owner in OWNERS:
        order = orders[owner]
        order.refresh_from_db()
        visible = owner in VISIBLE[actor]
        receipt = Receipt.objects.get(order=order)
        before = (order.paid_total, Receipt.objects.filter(order=order).count())
        status, _, _ = client.get(f"/orders/{order.pk}/instalments")
        assert status == (200 if visible else 404), (actor, owner)
        status, _, _ = client.get(f"/receipts/{receipt.pk}")
        assert status == (200 if visible else 404), (actor, owner)
        status, body, _ = client.post(f"/receipts/{receipt.pk}/void", {"reason": "x"})
        assert status == (404 if not visible else 200 if may_update else 403), (actor, owner)
        status, body, _ = client.post(
            f"/orders/{order.pk}/instalments/preset", {"preset": "on_delivery"}
        )
        assert status == (404 if not visible else 200 if may_update else 403), (actor, owner)
        status, body, _ = client.post("/receipts", {"order": order.pk, "amount": "1"})
        assert status == (201 if visible else 404), (actor, owner, body)
        order.refresh_from_db()
        if not visible:
            assert (order.paid_total, Receipt.objects.filter(order=order).count()) == before
        elif may_update:
            assert order.paid_total == D("1.00")  # 100 voided, 1 recorded
            assert Instalment.objects.filter(order=order).count() == 1
        else:
            assert order.paid_total == D("101.00")
            assert Instalment.objects.filter(order=order).count() == 2


@pytest.mark.parametrize("actor", ACTORS)
def test_page_matrix(world, orders, actor):
    user = world.users[actor]
    c = Client()
    c.force_login(user)
    may_update = user.role.code != "sales_rep"
    body = c.get("/deals/receivables/").content.decode()
    for owner in OWNERS:
        assert (orders[owner].number in body) == (owner in VISIBLE[actor]), (actor, owner)
    for owner in OWNERS:
        order = orders[owner]
        visible = owner in VISIBLE[actor]
        url = f"/deals/orders/{order.pk}/payments/"
        receipt = Receipt.objects.get(order=order)
        assert c.get(url).status_code == (200 if visible else 404), (actor, owner)
        r = c.post(
            f"{url}receipts/",
            {
                "receipt-received_on": today_for(world.org).isoformat(),
                "receipt-amount": "1",
                "receipt-method": "cash",
            },
            HTTP_HX_REQUEST="true",
        )
        assert r.status_code == (200 if visible else 404), (actor, owner)
        r = c.post(
            f"{url}receipts/{receipt.pk}/void/",
            {"reason": "x", "version": receipt.version},
            HTTP_HX_REQUEST="true",
        )
        assert r.status_code == (404 if not visible else 200 if may_update else 403), (actor, owner)
        inst = Instalment.objects.filter(order=order).order_by("due_date").last()
        r = c.get(f"/deals/receivables/{inst.pk}/pay/", HTTP_HX_REQUEST="true")
        assert r.status_code == (200 if visible else 404), (actor, owner)
        order.refresh_from_db()
        expected = D("0") if not visible else D("1.00") if may_update else D("101.00")
        if visible:
            assert order.paid_total == expected, (actor, owner)
        else:
            assert order.paid_total == D("100.00")
