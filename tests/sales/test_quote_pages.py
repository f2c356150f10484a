"""The quote pages: builder with htmx, approval panel, inbox, PDF, catalogue pages."""

from __future__ import annotations

import pytest
from django.test import Client

from guanxi.sales import quotes
from guanxi.sales.models import QuoteLine, QuoteStatus
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    c = Client()
    assert c.login(username=user.username, password=PASSWORD)
    return c


def test_build_submit_approve_download(world, cat, django_assert_max_num_queries):
    rep, boss = world.users["rep_a"], world.users["east_manager"]
    deal = world.records["rep_a"].opportunity
    c = _client(rep)
    assert "New quote" in c.get(f"/deals/{deal.pk}/").content.decode()
    r = c.post(f"/deals/{deal.pk}/quotes/new/")
    assert r.status_code == 302
    quote = quotes.deal_quotes(rep, deal)[0]
    url = f"/deals/quotes/{quote.pk}/"
    # htmx: add a line, get the lines and totals back; a bad quantity is an error by the field
    r = c.post(f"{url}lines/", {"product": cat.tea.pk, "quantity": "0"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and 'id="id_quantity-errors' in r.content.decode()
    assert "has-error" in r.content.decode() and not QuoteLine.objects.filter(quote=quote).exists()
    r = c.post(
        f"{url}lines/",
        {"product": cat.tea.pk, "quantity": "2", "discount_percent": "20"},
        HTTP_HX_REQUEST="true",
    )
    assert r.status_code == 200 and "Longjing green tea" in r.content.decode()
    assert "¥542.40" in r.content.decode()  # 600 − 20 % = 480, + 13 % tax
    line = QuoteLine.objects.get(quote=quote)
    r = c.post(f"{url}lines/{line.pk}/", {"quantity": "3"}, HTTP_HX_REQUEST="true")
    assert "¥813.60" in r.content.decode()
    with django_assert_max_num_queries(25):
        assert c.get(url).status_code == 200
    c.post(f"{url}submit/")
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.PENDING
    # the manager sees it in the inbox and approves it with a comment
    m = _client(boss)
    assert str(quote) in m.get("/deals/approvals/").content.decode()
    page = m.get(url).content.decode()
    assert "Approve" in page
    r = m.post(f"{url}decide/", {"decision": "approve", "comment": "fine"})
    assert r.status_code == 302
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.APPROVED
    r = c.get(f"{url}pdf/")
    assert r["Content-Type"] == "application/pdf" and r.content.startswith(b"%PDF")
    assert "attachment" in r["Content-Disposition"]


def test_others_cannot_see_or_decide(world, cat):
    rep = world.users["rep_a"]
    quote = quotes.quote_create(actor=rep, opportunity=world.records["rep_a"].opportunity)
    assert _client(world.users["rep_b"]).get(f"/deals/quotes/{quote.pk}/").status_code == 404
    quotes.quote_line_add(
        actor=rep, quote=quote, product=cat.tea, quantity="1", discount_percent="40"
    )
    quotes.quote_submit(actor=rep, quote=quote)
    r = _client(world.users["manager"]).post(
        f"/deals/quotes/{quote.pk}/decide/", {"decision": "approve"}
    )
    assert r.status_code in (302, 403)
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.PENDING


def test_catalogue_pages(world, cat):
    admin, rep = world.users["admin"], world.users["rep_a"]
    a = _client(admin)
    assert "五常有机大米" in a.get("/deals/products/").content.decode()
    r = a.post(
        "/deals/products/new/",
        {
            "sku": "RICE-5",
            "name": "Dup",
            "unit": "bag",
            "list_price": "1",
            "currency": "CNY",
            "tax_rate": "9",
        },
    )
    assert r.status_code == 200 and "already in use" in r.content.decode()
    r = a.post(
        "/deals/products/new/",
        {
            "sku": "OIL-1",
            "name": "花生油 5L",
            "unit": "桶",
            "list_price": "88.50",
            "currency": "CNY",
            "tax_rate": "9",
            "is_active": "on",
        },
    )
    assert r.status_code == 302
    assert "大米满10袋95折" in a.get("/deals/pricing/").content.decode()
    assert a.get(f"/deals/pricing/lists/{cat.price_list.pk}/").status_code == 200
    assert a.get(f"/deals/pricing/promotions/{cat.promotion.pk}/").status_code == 200
    assert a.get("/deals/approval-rules/").status_code == 200
    r = _client(rep)
    assert r.get("/deals/products/").status_code == 200
    assert r.get("/deals/products/new/").status_code == 403
    assert r.get("/deals/approval-rules/").status_code == 403
