"""An order and a contract in a real browser: the customer accepts a quote handed over by
hand, the order is made from it, a line is added with htmx, the order is confirmed (the deal
is won) and a contract follows; the pages fit a phone's screen."""

from __future__ import annotations

import pytest

from tests.browser.test_ui import (  # the browser set-up this suite shares
    HAVE_CHROMIUM,
    SHOTS,
    Page,
    _allow_orm_beside_playwright,  # noqa: F401
    browser,  # noqa: F401
)
from tests.sales.conftest import make_catalogue

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not HAVE_CHROMIUM, reason="Chromium is not installed"),
]


@pytest.fixture
def approved_quote(db):
    from guanxi.core.services import team_create
    from guanxi.customers.services import account_create
    from guanxi.sales import quotes
    from guanxi.sales.services import opportunity_create
    from tests.conftest import make_org, make_user

    org = make_org("Xinwei Foods")
    team = team_create(actor=None, organisation=org, name="East")
    admin = make_user(org, "admin", None, "ada")
    rep = make_user(org, "sales_rep", team, "ren")
    cat = make_catalogue(admin)
    account = account_create(actor=rep, data={"name": "上海华东贸易有限公司"})
    deal = opportunity_create(
        actor=rep, data={"name": "春节礼盒采购", "account": account, "amount": "50000"}
    )
    quote = quotes.quote_create(actor=rep, opportunity=deal)
    quotes.quote_line_add(actor=rep, quote=quote, product=cat.rice, quantity="10")
    return {"quote": quotes.quote_submit(actor=rep, quote=quote), "cat": cat, "deal": deal}


def test_accepted_quote_to_order_and_contract(browser, live_server, approved_quote):  # noqa: F811
    from guanxi.sales.models import Opportunity, Order

    quote, cat = approved_quote["quote"], approved_quote["cat"]
    rep = Page(browser, live_server.url)
    page = rep.login("ren")
    page.goto(f"{rep.base_url}/deals/quotes/{quote.pk}/")
    page.click("button:has-text('Mark as sent')")
    page.wait_for_selector(".record-header:has-text('Sent')")
    page.click("button:has-text('Customer accepted')")
    page.wait_for_selector(".record-header:has-text('Accepted')")
    page.click("button:has-text('Create order')")
    page.wait_for_selector("h1#order-name")
    order = Order.objects.get(quote=quote)
    assert order.number in page.inner_text("h1#order-name")
    assert page.inner_text("#order-total") == "¥1,035.50"  # the quote's: 950 + 9 % tax
    # a line of tea with htmx: the totals and the header follow without a reload
    page.select_option("#id_product", str(cat.tea.pk))
    page.fill("#id_quantity", "1")
    page.click("button:has-text('Add line')")
    page.wait_for_selector("#order-lines td:has-text('Longjing green tea')")
    assert page.inner_text("#order-total") == "¥1,374.50"
    assert page.inner_text("#order-total-head") == "¥1,374.50"
    page.screenshot(path=str(SHOTS / "guanxi-order.png"), full_page=True)
    page.click("button:has-text('Confirm')")
    page.wait_for_selector(".record-header:has-text('Confirmed')")
    assert "Won" in page.inner_text(".timeline")
    assert Opportunity.objects.get(pk=approved_quote["deal"].pk).status == "won"
    page.click("a:has-text('New contract')")
    page.fill("#id_title", "年度供货合同")
    page.click("button:has-text('Save')")
    page.wait_for_selector("h1#contract-name")
    page.click("button:has-text('Activate')")
    page.wait_for_selector(".record-header:has-text('Active')")
    page.screenshot(path=str(SHOTS / "guanxi-contract.png"), full_page=True)
    rep.assert_no_csp_errors()
    rep.context.close()


def test_order_pages_fit_a_phone(browser, live_server, approved_quote):  # noqa: F811
    from guanxi.core.models import User
    from guanxi.sales import contracts, orders, quotes

    quote = approved_quote["quote"]
    user = User.objects.get(username="ren")
    quote = quotes.quote_accept(actor=user, quote=quotes.quote_mark_sent(actor=user, quote=quote))
    order = orders.order_from_quote(actor=user, quote=quote)
    contract = contracts.contract_create(actor=user, data={"order": order.pk})
    p = Page(browser, live_server.url, viewport={"width": 375, "height": 812}, is_mobile=True)
    page = p.login("ren")
    for path in (
        "/deals/orders/",
        f"/deals/orders/{order.pk}/",
        "/deals/orders/new/",
        "/deals/contracts/",
        f"/deals/contracts/{contract.pk}/",
        f"/deals/contracts/{contract.pk}/edit/",
    ):
        page.goto(p.base_url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, (path, width)
    p.assert_no_csp_errors()
    p.context.close()
