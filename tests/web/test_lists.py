"""List pages: filters, sorting, keyset pagination, bounded queries and inert user text."""

from __future__ import annotations

import pytest
from django.urls import reverse

from guanxi.activities.services import activity_create
from guanxi.customers.services import account_create, contact_create
from guanxi.sales.services import opportunity_create

ROWS = 30


@pytest.fixture
def many(world):
    """30 accounts, each with a contact, a deal and a task, owned by manager."""
    owner = world.users["manager"]
    for i in range(ROWS):
        account = account_create(
            actor=owner,
            data={"name": f"Bulk {i:02d}", "city": "杭州", "tags": ["VIP", f"T{i % 3}"]},
        )
        contact_create(actor=owner, data={"name": f"Person {i:02d}", "account": account})
        opportunity_create(actor=owner, data={"name": f"Deal {i:02d}", "account": account})
        activity_create(actor=owner, data={"subject": f"Task {i:02d}", "account": account})
    return owner


# Session, user, role, team, the page's own reads; the board adds one query per stage.
LISTS = {
    "customers:account_list": 10,
    "customers:contact_list": 10,
    "sales:deal_list": 10,
    "activities:activity_list": 8,
    "sales:board": 16,
    "web:home": 9,
}


@pytest.mark.parametrize(("name", "limit"), LISTS.items())
def test_list_queries_do_not_grow_with_rows(
    world, many, client_for, name, limit, django_assert_max_num_queries
):
    client = client_for(many)
    client.get(reverse(name))  # warm up per-process caches (content types etc.)
    with django_assert_max_num_queries(limit):
        response = client.get(reverse(name))
    assert response.status_code == 200


def test_account_detail_queries_are_bounded(world, many, client_for, django_assert_max_num_queries):
    client = client_for(many)
    account = world.records["manager"].account
    client.get(reverse("customers:account_detail", args=[account.pk]))
    # A fixed number whatever the account holds: one query per panel (deals, orders,
    # contracts, receivables …).
    with django_assert_max_num_queries(18):
        response = client.get(reverse("customers:account_detail", args=[account.pk]))
    assert response.status_code == 200


def test_keyset_pagination_with_load_more(world, many, client_for):
    client = client_for(many)
    url = reverse("customers:account_list")
    first = client.get(url, {"sort": "name", "owner": "me"})
    page = first.context["page"]
    assert len(page.items) == 30 or page.next_cursor is None
    small = client.get(url, {"sort": "name", "q": "Bulk"})
    assert small.status_code == 200


def test_load_more_returns_only_rows(world, client_for, django_assert_max_num_queries):
    owner = world.users["manager"]
    for i in range(55):
        account_create(actor=owner, data={"name": f"Row {i:02d}"})
    client = client_for(owner)
    url = reverse("customers:account_list")
    first = client.get(url, {"sort": "name", "owner": "me"})
    names = [a.name for a in first.context["items"]]
    assert len(names) == 50 and first.context["next_url"]
    assert b"Load more" in first.content
    with django_assert_max_num_queries(12):
        more = client.get(first.context["next_url"], HTTP_HX_REQUEST="true")
    assert more.status_code == 200
    assert b"<html" not in more.content
    rest = [a.name for a in more.context["items"]]
    assert rest and not set(rest) & set(names)
    assert sorted(names + rest) == names + rest


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("customers:account_list", {"region": "mars"}),
        ("customers:account_list", {"owner": "someone"}),
        ("customers:account_list", {"sort": "password"}),
        ("customers:account_list", {"cursor": "!!!"}),
        ("customers:contact_list", {"account": "abc"}),
        ("sales:deal_list", {"status": "maybe"}),
        ("activities:activity_list", {"done": "perhaps"}),
        ("sales:board", {"owner": "x"}),
    ],
)
def test_bad_filters_show_the_message_not_a_500(world, client_for, name, params):
    response = client_for(world.users["admin"]).get(reverse(name), params)
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode() or "not valid" in (
        response.content.decode()
    )


def test_filters_narrow_the_list(world, many, client_for):
    client = client_for(world.users["admin"])
    response = client.get(reverse("customers:account_list"), {"owner": "me"})
    names = {a.name for a in response.context["items"]}
    assert names == {"Account of admin"}
    response = client.get(reverse("sales:deal_list"), {"status": "won"})
    assert response.context["items"] == []


def test_user_text_is_escaped(world, client_for):
    rep = world.users["rep_a"]
    evil = "<script>alert(1)</script>"
    account = account_create(actor=rep, data={"name": evil, "city": evil, "tags": [evil]})
    contact_create(actor=rep, data={"name": evil, "account": account})
    opportunity_create(actor=rep, data={"name": evil, "account": account})
    activity_create(actor=rep, data={"subject": evil, "account": account})
    client = client_for(rep)
    for url in (
        reverse("customers:account_list"),
        reverse("customers:account_detail", args=[account.pk]),
        reverse("customers:contact_list"),
        reverse("sales:deal_list"),
        reverse("sales:board"),
        reverse("activities:activity_list"),
        reverse("web:home"),
        reverse("web:search") + "?q=alert",
    ):
        html = client.get(url).content.decode()
        assert evil not in html, url
    html = client.get(reverse("customers:account_detail", args=[account.pk])).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_global_search_finds_two_chinese_characters(world, client_for):
    rep = world.users["rep_a"]
    account_create(actor=rep, data={"name": "杭州鑫盛食品有限公司"})
    response = client_for(rep).get(reverse("web:search"), {"q": "鑫盛"})
    assert "杭州鑫盛食品有限公司" in response.content.decode()
    other = client_for(world.users["rep_b"]).get(reverse("web:search"), {"q": "鑫盛"})
    assert "杭州鑫盛食品有限公司" not in other.content.decode()


def test_account_rows_escape_what_users_typed(client_for, world):
    from guanxi.customers.services import account_create

    admin = world.users["admin"]
    account_create(
        actor=admin,
        data={"name": "<script>alert(1)</script>", "city": '"><img src=x>', "tags": ["<b>x</b>"]},
    )
    html = client_for(admin).get("/accounts/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html


def test_search_results_are_listed_newest_first_and_say_so(world, many, client_for):
    client = client_for(many)
    url = reverse("customers:account_list")
    response = client.get(url, {"q": "Bulk", "owner": "me"})
    assert response.context["sort"] == "-id"
    names = [a.name for a in response.context["items"]]
    assert names == [f"Bulk {i:02d}" for i in reversed(range(ROWS))]
    html = response.content.decode()
    assert '<option value="-id" selected>Most recently added</option>' in html
    # Without a search the option is not offered; once chosen it stays a valid sort.
    assert "Most recently added" not in client.get(url).content.decode()
    chosen = client.get(url, {"sort": "-id"})
    assert chosen.status_code == 200 and "Most recently added" in chosen.content.decode()
    by_name = client.get(url, {"q": "Bulk", "owner": "me", "sort": "name"})
    assert [a.name for a in by_name.context["items"]] == sorted(names)
