"""A quote in a real browser: lines with a promotion and a discount that needs approval, the
manager approves it, the PDF downloads and the quote goes out by email."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from tests.browser.conftest import HAVE_CHROMIUM, SHOTS, Page
from tests.sales.conftest import make_catalogue

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not HAVE_CHROMIUM, reason="Chromium is not installed"),
]


@pytest.fixture
def sales_team(db):
    from guanxi.core.services import team_create
    from guanxi.customers.services import account_create
    from guanxi.sales.services import opportunity_create
    from tests.conftest import make_org, make_user

    org = make_org("Xinwei Foods")
    team = team_create(actor=None, organisation=org, name="East")
    admin = make_user(org, "admin", None, "ada")
    make_user(org, "sales_manager", team, "mia")
    rep = make_user(org, "sales_rep", team, "ren")
    cat = make_catalogue(admin)
    account = account_create(actor=rep, data={"name": "上海华东贸易有限公司"})
    deal = opportunity_create(
        actor=rep, data={"name": "春节礼盒采购", "account": account, "amount": "50000"}
    )
    return {"deal": deal, "cat": cat}


def test_quote_with_approval_pdf_and_email(browser, live_server, sales_team, smtp):
    from guanxi.sales.models import Quote

    deal, cat = sales_team["deal"], sales_team["cat"]
    rep = Page(browser, live_server.url, accept_downloads=True)
    page = rep.login("ren")
    page.goto(f"{rep.base_url}/deals/{deal.pk}/")
    page.click("#deal-quotes button:has-text('New quote')")
    page.wait_for_selector("h1#quote-name")
    # a line of rice: ten bags reach the promotion's quantity break
    page.select_option("#id_product", str(cat.rice.pk))
    page.fill("#id_quantity", "10")
    page.click("button:has-text('Add line')")
    page.wait_for_selector("#quote-lines td:has-text('大米满10袋95折')")
    # a bad quantity is refused next to the field
    page.select_option("#id_product", str(cat.tea.pk))
    page.fill("#id_quantity", "0")
    page.click("button:has-text('Add line')")
    page.wait_for_selector("#id_quantity-errors")
    # then a 40 % discount on the tea: 15.5 % of the quote, above the rule's 15 %
    page.fill("#id_quantity", "2")
    page.fill("#id_discount_percent", "40")
    page.click("button:has-text('Add line')")
    page.wait_for_selector("#quote-lines td:has-text('Longjing green tea')")
    assert page.inner_text("#quote-total") == "¥1,442.30"  # 950 + 85.50 + 360 + 46.80
    assert page.inner_text("#quote-total-head") == "¥1,442.30"  # the header follows
    page.screenshot(path=str(SHOTS / "guanxi-quote-builder.png"), full_page=True)
    page.click("button:has-text('Submit')")
    page.wait_for_load_state()
    page.screenshot(path=str(SHOTS / "guanxi-quote-submitted.png"), full_page=True)
    page.wait_for_selector("#approval-panel")
    assert "Pending approval" in page.inner_text(".record-header")
    quote = Quote.objects.get(opportunity=deal)

    boss = Page(browser, live_server.url)
    mpage = boss.login("mia")
    mpage.goto(f"{boss.base_url}/deals/approvals/")
    mpage.click(f"a:has-text('{quote.number}')")
    mpage.fill("#id_comment", "同意，春节大单")
    mpage.click("#approval-panel button:has-text('Approve')")
    mpage.wait_for_selector(".record-header:has-text('Approved')")
    assert "同意，春节大单" in mpage.inner_text("main")

    page.reload()
    with page.expect_download() as download:
        page.click("a:has-text('Download PDF')")
    pdf = download.value.path().read_bytes()
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "五常有机大米 5kg" in text and "¥1,442.30" in text

    page.click("a:has-text('Send by email')")
    page.fill("#id_to", "buyer@huadong.example.cn")
    page.click("button:has-text('Send')")
    page.wait_for_selector(".record-header:has-text('Sent')")
    assert len(smtp.messages) == 1
    assert smtp.messages[0].rcpt_tos == ["buyer@huadong.example.cn"]
    rep.assert_no_csp_errors()
    boss.assert_no_csp_errors()
    rep.context.close()
    boss.context.close()
