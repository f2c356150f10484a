"""The CPQ API: the permission matrix for quotes, the catalogue's rights, the whole flow."""

from __future__ import annotations

import pytest

from guanxi.sales import quotes
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db

# who → whose quote → may read, may update
MATRIX = [
    ("admin", "rep_a", True, True),
    ("manager", "rep_a", True, True),  # Sales, above East
    ("east_manager", "rep_a", True, True),
    ("east_manager", "rep_c", False, False),  # North is not under East
    ("rep_a", "rep_a", True, True),
    ("rep_b", "rep_a", False, False),
    ("rep_c", "rep_a", False, False),
    ("stranger", "rep_a", False, False),
]


@pytest.fixture
def quote_of(world, cat):
    made = {}
    for who in ("rep_a", "rep_c"):
        made[who] = quotes.quote_create(
            actor=world.users[who], opportunity=world.records[who].opportunity
        )
    return made


@pytest.mark.parametrize(("who", "owner", "can_read", "can_update"), MATRIX)
def test_quote_permission_matrix(world, cat, quote_of, who, owner, can_read, can_update):
    api = ApiClient(world.users[who])
    q = quote_of[owner]
    status, _, _ = api.get(f"/quotes/{q.pk}")
    assert status == (200 if can_read else 404)
    listed = {item["id"] for item in api.get("/quotes")[1]["items"]}
    assert (q.pk in listed) == can_read
    status, _, _ = api.patch(f"/quotes/{q.pk}", {"notes": "x"})
    assert status == (200 if can_update else 404)
    status, _, _ = api.post(f"/quotes/{q.pk}/lines", {"product": cat.tea.pk, "quantity": "1"})
    assert status == (200 if can_update else 404)
    pdf = api.client.get(f"/api/v1/quotes/{q.pk}/pdf", HTTP_AUTHORIZATION=f"Bearer {api.token}")
    assert pdf.status_code == (200 if can_read else 404)
    assert pdf.content.startswith(b"%PDF") == can_read


@pytest.mark.parametrize("who", ["rep_a", "manager"])
def test_only_admins_manage_the_catalogue(world, cat, who):
    api = ApiClient(world.users[who])
    assert api.get("/products")[0] == 200
    assert api.get("/price-lists")[0] == 200
    assert api.get("/promotions")[0] == 200
    assert api.post("/products", {"sku": "X-1", "name": "X"})[0] == 403
    assert api.patch(f"/products/{cat.rice.pk}", {"name": "Y"})[0] == 403
    assert (
        api.put(f"/price-lists/{cat.price_list.pk}/prices/{cat.tea.pk}", {"unit_price": "1"})[0]
        == 403
    )
    assert api.post("/promotions", {"name": "P", "kind": "percent", "value": "5"})[0] == 403
    assert api.get("/approval-rules")[0] == 403
    # a rep's deletes are refused too
    assert api.delete(f"/products/{cat.rice.pk}")[0] in (403, 404)


def test_admin_builds_the_catalogue_and_a_rep_quotes(world, cat):
    admin = ApiClient(world.users["admin"])
    status, product, _ = admin.post(
        "/products",
        {
            "sku": "OIL-5",
            "name": "鲁花花生油 5L",
            "unit": "桶",
            "list_price": "139.90",
            "tax_rate": "9",
        },
    )
    assert status == 201, product
    status, body, _ = admin.post("/products", {"sku": "OIL-5", "name": "dup"})
    assert status == 422 and "sku" in body["error"]["fields"]
    status, promo, _ = admin.post(
        "/promotions",
        {
            "name": "买三送一",
            "kind": "buy_x_get_y",
            "buy_quantity": 3,
            "free_quantity": 1,
            "product": product["id"],
            "stackable": True,
        },
    )
    assert status == 201, promo
    assert admin.post("/promotions", {"name": "bad", "kind": "percent", "value": "120"})[0] == 422
    assert admin.put("/currency-rates/USD", {"rate": "7.1"})[0] == 200

    rep = ApiClient(world.users["rep_a"])
    status, q, _ = rep.post(
        "/quotes", {"opportunity": world.records["rep_a"].opportunity.pk, "currency": "CNY"}
    )
    assert status == 201 and q["status"] == "draft" and q["number"].startswith("Q-")
    status, q, _ = rep.post(f"/quotes/{q['id']}/lines", {"product": product["id"], "quantity": "8"})
    assert status == 200
    line = q["lines"][0]
    assert line["promotions"] == ["买三送一"] and line["promotion_discount"] == "279.80"
    assert q["total"] == str(sum_check(q))
    status, q, _ = rep.patch(f"/quotes/{q['id']}", {"currency": "USD"})
    assert status == 200 and q["lines"][0]["unit_price"] == "19.70"  # 139.90 / 7.1
    status, body, _ = rep.post(
        f"/quotes/{q['id']}/lines", {"product": product["id"], "quantity": "-1"}
    )
    assert status == 422 and "quantity" in body["error"]["fields"]
    # a big discount: pending, locked, the East manager approves
    status, q, _ = rep.patch(f"/quotes/{q['id']}", {"discount_percent": "20"})
    status, q, _ = rep.post(f"/quotes/{q['id']}/submit", {})
    assert status == 200 and q["status"] == "pending"
    status, body, _ = rep.patch(f"/quotes/{q['id']}", {"notes": "changed"})
    assert status == 409 and body["error"]["code"] == "invalid_transition"
    assert rep.post(f"/quotes/{q['id']}/approve", {"comment": "me"})[0] == 403
    boss = ApiClient(world.users["east_manager"])
    waiting = boss.get("/approvals/waiting")[1]
    assert [w["object_id"] for w in waiting] == [q["id"]]
    assert boss.post(f"/quotes/{q['id']}/reject", {"comment": ""})[0] == 422
    status, q, _ = boss.post(f"/quotes/{q['id']}/approve", {"comment": "同意"})
    assert status == 200 and q["status"] == "approved"
    status, q2, _ = rep.post(f"/quotes/{q['id']}/revise", {})
    assert status == 200 and q2["revision"] == 2 and q2["status"] == "draft"
    assert rep.get(f"/quotes/{q['id']}")[1]["status"] == "superseded"


def sum_check(q):
    from decimal import Decimal

    return sum((Decimal(line["total"]) for line in q["lines"]), Decimal("0"))


def test_quote_list_reads_a_constant_number_of_queries(world, cat, django_assert_max_num_queries):
    rep = world.users["rep_a"]
    for _ in range(6):
        q = quotes.quote_create(actor=rep, opportunity=world.records["rep_a"].opportunity)
        quotes.quote_line_add(actor=rep, quote=q, product=cat.tea, quantity="1")
        quotes.quote_line_add(actor=rep, quote=q, product=cat.rice, quantity="2")
    api = ApiClient(rep)
    with django_assert_max_num_queries(8):
        status, body, _ = api.get("/quotes")
    assert status == 200 and len(body["items"]) == 6


def test_text_filters_with_a_nul_character_find_nothing_instead_of_failing(world, cat):
    """PostgreSQL refuses a NUL in a parameter; typed filters are cleaned as stored text."""
    from tests.conftest import ApiClient

    api = ApiClient(world.users["rep_a"])
    for path in ("/products?category=%00%23&q=%26", "/products?q=%00", "/quotes?q=Q-%00"):
        status, body, _ = api.get(path)
        assert status == 200, (path, body)
    status, body, _ = api.get(f"/products?category={cat.rice.category}%00")
    assert status == 200 and cat.rice.pk in {item["id"] for item in body["items"]}
