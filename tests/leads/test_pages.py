"""The lead pages: list views, the lead page, forms with field errors, conversion, bulk."""

from __future__ import annotations

import pytest

from guanxi.leads import services
from guanxi.leads.models import Lead

pytestmark = pytest.mark.django_db


def _lead(user, **data):
    data.setdefault("email", "x@example.cn")
    return services.lead_create(actor=user, data=data, owner=user.pk)


def test_list_views_and_counts(world, client_for):
    rep = world.users["rep_a"]
    _lead(rep, name="张三")
    services.lead_capture(
        organisation=world.org,
        data={"name": "公海客户", "mobile": "13100131000"},
        channel="web_form",
    )
    client = client_for(rep)
    page = client.get("/leads/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "张三" in text and "公海客户" not in text  # the default view is "Mine"
    text = client.get("/leads/?view=pool").content.decode()
    assert "公海客户" in text and "张三" not in text
    text = client.get("/leads/?view=all&q=张三").content.decode()
    assert "张三" in text
    assert client.get("/leads/?view=nonsense").status_code == 400


def test_create_with_field_errors_then_ok(world, client_for):
    rep = world.users["rep_a"]
    client = client_for(rep)
    assert client.get("/leads/new/").status_code == 200
    page = client.post(
        "/leads/new/", {"name": "李雷", "mobile": "12", "owner": str(rep.pk), "kind": "sales"}
    )
    assert page.status_code == 200 and not Lead.objects.exists()
    assert "Enter a valid phone number." in page.content.decode()
    page = client.post(
        "/leads/new/",
        {"name": "李雷", "mobile": "13200132000", "owner": str(rep.pk), "kind": "sales"},
    )
    lead = Lead.objects.get()
    assert page.status_code == 302 and page["Location"] == f"/leads/{lead.pk}/"
    assert lead.owner == rep and lead.mobile == "+8613200132000"


def test_detail_status_and_convert(world, client_for):
    rep = world.users["rep_a"]
    lead = _lead(rep, name="韩梅梅", company="北京好味道食品有限公司")
    client = client_for(rep)
    page = client.get(f"/leads/{lead.pk}/")
    assert page.status_code == 200 and "韩梅梅" in page.content.decode()
    page = client.post(
        f"/leads/{lead.pk}/status/",
        {"status": "disqualified", "reason": "", "version": lead.version},
    )
    assert page.status_code == 400 and "Say why the lead is disqualified." in page.content.decode()
    page = client.post(
        f"/leads/{lead.pk}/status/", {"status": "qualified", "reason": "", "version": lead.version}
    )
    assert page.status_code == 302
    lead.refresh_from_db()
    assert client.get(f"/leads/{lead.pk}/convert/").status_code == 200
    page = client.post(
        f"/leads/{lead.pk}/convert/",
        {
            "version": lead.version,
            "account": "new",
            "contact": "new",
            "create_deal": "on",
            "deal_name": "首单",
            "amount": "6800",
        },
    )
    lead.refresh_from_db()
    assert page.status_code == 302 and page["Location"] == f"/accounts/{lead.account_id}/"
    assert lead.status == "converted" and lead.opportunity.name == "首单"
    account_page = client.get(page["Location"]).content.decode()
    assert "韩梅梅" in account_page  # the lead's history is on the account's timeline


def test_other_reps_lead_is_not_found(world, client_for):
    lead = _lead(world.users["rep_c"], name="Hidden")
    client = client_for(world.users["rep_a"])
    for path in ("", "edit/", "status/", "convert/", "release/", "assign/"):
        assert client.get(f"/leads/{lead.pk}/{path}").status_code == 404


def test_bulk_claim_from_the_list(world, client_for):
    rep = world.users["rep_a"]
    pooled = [
        services.lead_capture(
            organisation=world.org,
            data={"name": f"P{i}", "email": f"p{i}@x.cn"},
            channel="web_form",
        )
        for i in range(3)
    ]
    mine = _lead(world.users["rep_c"], name="Not yours")
    client = client_for(rep)
    page = client.post(
        "/leads/bulk/",
        {"action": "claim", "ids": [str(p.pk) for p in pooled] + [str(mine.pk)], "next": "/leads/"},
        follow=True,
    )
    assert page.status_code == 200
    assert Lead.objects.filter(owner=rep).count() == 3
    assert Lead.objects.get(pk=mine.pk).owner == world.users["rep_c"]


def test_notifications_page(world, client_for, django_capture_on_commit_callbacks):
    rep, admin = world.users["rep_a"], world.users["admin"]
    lead = _lead(admin, name="For rep")
    with django_capture_on_commit_callbacks(execute=True):
        services.lead_assign(actor=admin, lead=lead, owner=rep.pk)
    client = client_for(rep)
    home = client.get("/").content.decode()
    assert "notify-count" in home
    page = client.get("/me/notifications/").content.decode()
    assert "For rep" in page
    client.post("/me/notifications/")
    assert "notify-count" not in client.get("/").content.decode()
