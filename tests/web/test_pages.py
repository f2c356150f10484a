"""Every page renders for each role; records outside a user's scope are 404s."""

from __future__ import annotations

import pytest
from django.urls import reverse

ROLES = ("admin", "manager", "rep_a")


def _pages(records):
    acc, con, opp, act = records.account, records.contact, records.opportunity, records.activity
    return [
        reverse("web:home"),
        reverse("web:search") + "?q=Account",
        reverse("web:profile"),
        reverse("customers:account_list"),
        reverse("customers:account_create"),
        reverse("customers:account_detail", args=[acc.pk]),
        reverse("customers:account_edit", args=[acc.pk]),
        reverse("customers:account_assign", args=[acc.pk]),
        reverse("customers:account_options") + "?q=Acc",
        reverse("customers:contact_list"),
        reverse("customers:contact_create") + f"?account={acc.pk}",
        reverse("customers:contact_detail", args=[con.pk]),
        reverse("customers:contact_edit", args=[con.pk]),
        reverse("sales:deal_list"),
        reverse("sales:board"),
        reverse("sales:deal_create") + f"?account={acc.pk}",
        reverse("sales:deal_detail", args=[opp.pk]),
        reverse("sales:deal_edit", args=[opp.pk]),
        reverse("activities:activity_list"),
        reverse("activities:activity_create") + f"?account={acc.pk}",
        reverse("activities:activity_detail", args=[act.pk]),
        reverse("activities:activity_edit", args=[act.pk]),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_renders_for_each_role(world, client_for, role):
    client = client_for(world.users[role])
    for url in _pages(world.records[role]):
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"<script>" not in response.content  # no inline script anywhere (strict CSP)
        assert b' style="' not in response.content
        assert b" onclick=" not in response.content


def test_admin_settings_pages(world, client_for):
    client = client_for(world.users["admin"])
    role = world.users["rep_a"].role
    for url in (
        reverse("web:settings_users"),
        reverse("web:settings_user_edit", args=[world.users["rep_a"].pk]),
        reverse("web:settings_roles"),
        reverse("web:settings_role_edit", args=[role.pk]),
        reverse("web:settings_audit"),
    ):
        assert client.get(url).status_code == 200, url


def test_settings_are_forbidden_to_non_admins(world, client_for):
    client = client_for(world.users["manager"])
    response = client.get(reverse("web:settings_users"))
    assert response.status_code == 403
    assert b"Settings" not in client.get(reverse("web:home")).content.split(b"<main")[0]


def test_delete_pages_for_allowed_roles(world, client_for):
    client = client_for(world.users["manager"])
    records = world.records["manager"]
    for name, obj in (
        ("customers:contact_delete", records.contact),
        ("sales:deal_delete", records.opportunity),
        ("activities:activity_delete", records.activity),
        ("customers:account_delete", records.account),
    ):
        assert client.get(reverse(name, args=[obj.pk])).status_code == 200, name


@pytest.mark.parametrize(
    "name",
    [
        "customers:account_detail",
        "customers:account_edit",
        "customers:account_assign",
        "customers:account_delete",
        "customers:account_timeline",
    ],
)
def test_rep_cannot_reach_another_reps_account(world, client_for, name):
    client = client_for(world.users["rep_a"])
    other = world.records["rep_b"].account
    assert client.get(reverse(name, args=[other.pk])).status_code == 404


@pytest.mark.parametrize(
    ("name", "attr"),
    [
        ("customers:contact_detail", "contact"),
        ("customers:contact_edit", "contact"),
        ("customers:contact_delete", "contact"),
        ("sales:deal_detail", "opportunity"),
        ("sales:deal_edit", "opportunity"),
        ("sales:deal_delete", "opportunity"),
        ("activities:activity_detail", "activity"),
        ("activities:activity_edit", "activity"),
        ("activities:activity_delete", "activity"),
    ],
)
def test_rep_gets_404_for_another_reps_records(world, client_for, name, attr):
    client = client_for(world.users["rep_a"])
    other = getattr(world.records["rep_b"], attr)
    assert client.get(reverse(name, args=[other.pk])).status_code == 404
    assert client.post(reverse(name, args=[other.pk]), {"version": 1}).status_code == 404


def test_other_organisation_is_invisible(world, client_for):
    client = client_for(world.users["admin"])
    stranger = world.records["stranger"].account
    assert client.get(reverse("customers:account_detail", args=[stranger.pk])).status_code == 404


def test_rep_sees_no_delete_links(world, client_for):
    client = client_for(world.users["rep_a"])
    records = world.records["rep_a"]
    page = client.get(reverse("customers:account_detail", args=[records.account.pk])).content
    assert reverse("customers:account_delete", args=[records.account.pk]).encode() not in page
    assert reverse("customers:account_edit", args=[records.account.pk]).encode() in page
    # The service refuses it anyway: sales reps have no right to delete accounts.
    url = reverse("customers:account_delete", args=[records.account.pk])
    assert client.post(url, {"version": records.account.version}).status_code == 403


def test_anonymous_users_are_sent_to_login(client, world):
    response = client.get(reverse("customers:account_list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("web:login"))


def test_pages_carry_a_strict_csp(world, client_for):
    response = client_for(world.users["admin"]).get(reverse("web:home"))
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_large_ids_render_as_plain_digits(client_for, world):
    """Ids are never grouped like amounts ("123,456" would break links and drag and drop)."""
    from guanxi.analytics.models import StageSpell
    from guanxi.customers.models import Account
    from guanxi.sales.models import Opportunity

    admin = world.users["admin"]
    deal = world.records["admin"].opportunity
    Opportunity.objects.filter(pk=deal.pk).update(id=1234567)
    # The deal's stage history follows its new id (the foreign key is checked at commit).
    StageSpell.objects.filter(opportunity_id=deal.pk).update(opportunity_id=1234567)
    client = client_for(admin)
    board = client.get("/deals/board/").content.decode()
    assert 'data-id="1234567"' in board
    assert "1,234,567" not in board
    account = Account.objects.filter(owner=admin).first()
    page = client.get(f"/accounts/{account.pk}/").content.decode()
    assert "/deals/1234567/" in page
