"""The order and contract API: the same rules and field errors as the pages, the permission
matrix, versions, and a constant number of queries per list."""

from __future__ import annotations

from decimal import Decimal

import pytest

from guanxi.core.models import Event
from guanxi.sales import contracts, orders
from guanxi.sales.models import Contract, ContractStatus, Order, OrderStatus
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


@pytest.fixture
def owned(world, cat):
    """A draft order with a line, and a draft contract, owned by each person."""
    out = {}
    for name in OWNERS:
        user = world.users[name]
        account = world.records[name].account
        order = orders.order_create(actor=user, data={"account": account.pk})
        if name != "stranger":  # the catalogue is org A's
            orders.order_line_add(actor=user, order=order, product=cat.tea, quantity="1")
        contract = contracts.contract_create(
            actor=user, data={"account": account.pk, "title": f"Contract {name}"}
        )
        out[name] = (order, contract)
    return out


def test_quote_to_order_through_the_api(world, cat, api):
    rep = world.users["rep_a"]
    quote = accepted_quote(world, cat)
    client = api(rep)
    status, body, response = client.post("/orders/from-quote", {"quote": quote.pk})
    assert status == 201 and body["quote"] == {"id": quote.pk, "name": quote.number}
    assert response["ETag"] == f'"{body["version"]}"'
    for name in ("gross", "discount_total", "net_total", "tax_total", "total"):
        assert Decimal(body[name]) == getattr(quote, name)
    assert sum(Decimal(line["total"]) for line in body["lines"]) == quote.total
    status, again, _ = client.post("/orders/from-quote", {"quote": quote.pk})
    assert status == 409 and again["error"]["code"] == "invalid_transition"
    assert body["number"] in again["error"]["message"]
    status, _, _ = api(world.users["rep_b"]).post("/orders/from-quote", {"quote": quote.pk})
    assert status == 404
    oid = body["id"]
    status, body, _ = client.post(f"/orders/{oid}/confirm", {})
    assert status == 200 and body["status"] == "confirmed" and body["confirmed_at"]
    status, body, _ = client.post(f"/orders/{oid}/complete", {})
    assert status == 409 and body["error"]["code"] == "invalid_transition"
    status, body, _ = client.post(f"/orders/{oid}/ship", {})
    assert status == 200 and body["status"] == "shipped"
    status, body, _ = client.post(f"/orders/{oid}/cancel", {})
    assert status == 422 and "reason" in body["error"]["fields"]
    status, body, _ = client.post(f"/orders/{oid}/cancel", {"reason": "退货"})
    assert status == 200 and body["status"] == "cancelled" and body["cancel_reason"] == "退货"


def test_manual_order_lines_and_versions(world, cat, api):
    client = api(world.users["rep_a"])
    deal = world.records["rep_a"].opportunity
    status, body, response = client.post(
        "/orders", {"opportunity": deal.pk, "delivery_date": "2099-01-01"}
    )
    assert status == 201 and body["account"]["id"] == deal.account_id
    oid, version = body["id"], body["version"]
    status, body, _ = client.post(
        f"/orders/{oid}/lines", {"product": cat.tea.pk, "quantity": "2", "discount_percent": "10"}
    )
    assert status == 200 and body["total"] == "610.20"  # 600 − 10 % = 540, + 13 %
    line = body["lines"][0]["id"]
    status, body, _ = client.patch(f"/orders/{oid}/lines/{line}", {"quantity": "1"})
    assert status == 200 and body["total"] == "305.10"
    status, body, _ = client.patch(
        f"/orders/{oid}", {"notes": "x"}, headers={"If-Match": f'"{version}"'}
    )
    assert status == 412  # the lines changed it since
    status, body, _ = client.patch(f"/orders/{oid}", {"notes": "x", "version": version})
    assert status == 409 and body["error"]["code"] == "version_conflict"
    status, body, response = client.patch(f"/orders/{oid}", {"notes": "加急", "channel": "online"})
    assert status == 200 and body["notes"] == "加急" and response["ETag"] == f'"{body["version"]}"'
    status, body, _ = client.delete(f"/orders/{oid}/lines/{line}")
    assert status == 200 and body["lines"] == [] and body["total"] == "0.00"
    status, body, _ = client.post(f"/orders/{oid}/confirm", {})
    assert status == 422  # no lines


@pytest.mark.parametrize(
    "payload,field",
    [
        ({}, "account"),
        ({"account": 999999}, "account"),
        ({"account": "x"}, "account"),
        ({"opportunity": -1}, "opportunity"),
        ({"discount_percent": "150"}, "discount_percent"),
        ({"currency": "BTC"}, "currency"),
        ({"status": "confirmed"}, "status"),
        ({"total": "1"}, "total"),
        ({"order_date": "2026-02-30"}, "order_date"),
        ({"notes": "x" * 5001}, "notes"),
    ],
)
def test_order_field_errors_write_nothing(world, api, payload, field):
    data = payload if field == "account" else {"account": world.records["rep_a"].account.pk}
    data = {**data, **payload}
    status, body, _ = api(world.users["rep_a"]).post("/orders", data)
    assert status == 422 and field in body["error"]["fields"], body
    assert not Order.objects.exists()
    assert not Event.objects.filter(object_type="order").exists()


def test_contracts_through_the_api(world, cat, api):
    rep = world.users["rep_a"]
    client = api(rep)
    order = orders.order_confirm(actor=rep, order=draft_order(world, cat))
    status, body, _ = client.post("/contracts", {"order": order.pk, "auto_renew": True})
    assert status == 201 and body["value"] == str(order.total)
    assert body["order"] == {"id": order.pk, "name": order.number}
    assert body["renewal_date"] == body["end_date"] and body["status"] == "draft"
    cid = body["id"]
    status, body, _ = client.post(
        "/contracts",
        {"account": order.account_id, "start_date": "2026-05-01", "end_date": "2026-01-01"},
    )
    assert status == 422 and "end_date" in body["error"]["fields"]
    status, body, _ = client.post(f"/contracts/{cid}/terminate", {"reason": "x"})
    assert status == 409
    status, body, _ = client.post(f"/contracts/{cid}/activate", {})
    assert status == 200 and body["status"] == "active" and body["signed_on"]
    status, body, _ = client.patch(f"/contracts/{cid}", {"value": "1"})
    assert status == 409 and body["error"]["code"] == "invalid_transition"
    status, body, _ = client.patch(f"/contracts/{cid}", {"remind_days_before": 60})
    assert status == 200 and body["remind_days_before"] == 60
    status, body, _ = client.get("/contracts", renewing=400)
    assert status == 422
    status, body, _ = client.get("/contracts", status="active")
    assert [c["id"] for c in body["items"]] == [cid]
    status, new, _ = client.post(f"/contracts/{cid}/renew", {})
    assert status == 201 and new["renewed_from"]["id"] == cid and new["status"] == "draft"
    status, body, _ = client.get(f"/contracts/{cid}")
    assert body["status"] == "renewed"
    status, body, _ = client.post(f"/contracts/{new['id']}/activate", {})
    status, body, _ = client.post(f"/contracts/{new['id']}/terminate", {"reason": "倒闭"})
    assert status == 200 and body["status"] == "terminated"
    assert body["termination_reason"] == "倒闭"


@pytest.mark.parametrize("actor", list(VISIBLE))
def test_api_permission_matrix(world, api, owned, actor):
    """Lists show exactly the records in scope; every other record is a 404 for every
    endpoint; reps may not delete; nothing changes outside the scope."""
    user = world.users[actor]
    client = api(user)
    is_rep = user.role.code == "sales_rep"
    for endpoint, index in (("orders", 0), ("contracts", 1)):
        status, body, _ = client.get(f"/{endpoint}", limit=200)
        assert status == 200
        assert {item["id"] for item in body["items"]} == {
            owned[o][index].pk for o in VISIBLE[actor]
        }
    for owner in OWNERS:
        order, contract = owned[owner]
        visible = owner in VISIBLE[actor]
        miss = 404
        calls = [
            ("get", f"/orders/{order.pk}", None),
            ("patch", f"/orders/{order.pk}", {"notes": "seen"}),
            ("post", f"/orders/{order.pk}/lines", {"product": 1, "quantity": "1"}),
            ("post", f"/orders/{order.pk}/assign", {"owner": user.pk}),
            ("get", f"/contracts/{contract.pk}", None),
            ("patch", f"/contracts/{contract.pk}", {"terms": "seen"}),
            ("post", "/contracts", {"order": order.pk}),
        ]
        for method, path, body in calls:
            status, answer, _ = client.call(method.upper(), path, body)
            if visible:
                assert status not in (403, 404), (method, path, answer)
            else:
                assert status in (miss, 422), (method, path, status)
                if status == 422:  # a reference to an unseen record is a field error
                    assert set(answer["error"]["fields"]) <= {"order", "owner", "product"}
        status, _, _ = client.post(f"/orders/{order.pk}/confirm", {})
        # the stranger's own order has no line (the catalogue is another organisation's)
        assert status == (404 if not visible else 422 if owner == "stranger" else 200)
        status, _, _ = client.post(f"/contracts/{contract.pk}/activate", {})
        assert status == (200 if visible else 404)
        order.refresh_from_db()
        contract.refresh_from_db()
        expected_order = OrderStatus.CONFIRMED if visible and owner != "stranger" else None
        if expected_order:
            assert order.status == expected_order
        if not visible:
            assert order.status == OrderStatus.DRAFT and order.notes == ""
            assert contract.status == ContractStatus.DRAFT and contract.terms == ""
        status, _, _ = client.delete(f"/contracts/{contract.pk}")
        # an active contract is never deleted; a draft one by managers and admins
        assert status == (409 if visible and not is_rep else 403 if visible else 404)
    assert Contract.objects.count() >= len(OWNERS)


def test_chinese_errors(world, cat, api):
    rep = world.users["rep_a"]
    order = orders.order_confirm(actor=rep, order=draft_order(world, cat))
    status, body, _ = api(rep).post(
        f"/orders/{order.pk}/confirm", {}, headers={"Accept-Language": "zh-hans"}
    )
    assert status == 409 and "草稿" in body["error"]["message"]


def test_lists_read_a_constant_number_of_queries(
    world, cat, api, owned, django_assert_max_num_queries
):
    client = api(world.users["admin"])
    for _ in range(5):
        draft_order(world, cat, who="rep_b")
    with django_assert_max_num_queries(12):
        status, body, _ = client.get("/orders", limit=50)
    assert status == 200 and len(body["items"]) == 10
    with django_assert_max_num_queries(12):
        status, body, _ = client.get("/contracts", limit=50)
    assert status == 200
