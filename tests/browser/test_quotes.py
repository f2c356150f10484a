"""Quote to cash in a real browser: a quote with a promotion and a discount that needs
approval, the manager approves it, the PDF downloads and the quote goes out by email in
Chinese, the customer accepts, the order is confirmed, two instalments are paid, and the
home page's targets, the forecast and the reports show the sale."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from tests.browser.conftest import HAVE_CHROMIUM, SHOTS, Page
from tests.sales.conftest import make_catalogue
from tests.sales.test_lead_to_cash_api import attachment_text

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not HAVE_CHROMIUM, reason="Chromium is not installed"),
]


@pytest.fixture
def sales_team(db):
    from guanxi.core.services import team_create
    from guanxi.customers.services import account_create
    from guanxi.sales.periods import PeriodKind, current_period
    from guanxi.sales.services import opportunity_create
    from guanxi.sales.targets import target_set
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
    month = current_period(PeriodKind.MONTH, org.time_zone)
    for metric, amount in (("revenue", "2000"), ("collections", "1000")):
        target_set(actor=admin, period=month, metric=metric, amount=amount, user=rep.pk)
    return {"deal": deal, "cat": cat}


def test_quote_to_cash(browser, live_server, sales_team, smtp):
    from guanxi.sales.models import Quote

    deal, cat = sales_team["deal"], sales_team["cat"]
    rep = Page(browser, live_server.url, accept_downloads=True)
    page = rep.login("ren")
    page.goto(f"{rep.base_url}/deals/{deal.pk}/")
    page.click("#deal-quotes button:has-text('New quote')")
    page.wait_for_selector("h1#quote-name")
    # the customer reads Chinese, whatever the rep's screen shows
    page.click("a:has-text('Edit terms')")
    page.select_option("#id_language", "zh-hans")
    page.click("button:has-text('Save')")
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
    _name, text = attachment_text(smtp.messages[0])  # the quote's language: Chinese
    for words in ("报价单", "客户", "单价", "五常有机大米 5kg", "¥1,442.30"):
        assert words in text, words

    # The customer accepts; the order is made from the quote and confirmed: the deal is won.
    page.click("button:has-text('Customer accepted')")
    page.wait_for_selector(".record-header:has-text('Accepted')")
    page.click("button:has-text('Create order')")
    page.wait_for_selector("h1#order-name")
    assert page.inner_text("#order-total") == "¥1,442.30"
    page.click("button:has-text('Confirm')")
    page.wait_for_selector(".record-header:has-text('Confirmed')")
    assert "Won" in page.inner_text(".timeline")

    # A 30 % deposit and the rest on delivery; each paid by its own receipt.
    page.click("#payments-panel summary:has-text('Set a plan')")
    page.select_option("#id_preset-preset", "deposit_30")
    page.click("button:has-text('Use this plan')")
    page.wait_for_selector("#payment-plan tbody tr:nth-child(2)")
    plan = page.inner_text("#payment-plan")
    assert "¥432.69" in plan and "¥1,009.61" in plan
    for amount, reference in (("432.69", "ICBC-001"), ("1009.61", "ICBC-002")):
        page.fill("#receipt-form input[name$='amount']", amount)
        page.fill("#receipt-form input[name$='reference']", reference)
        page.click("#receipt-form button:has-text('Record payment')")
        page.wait_for_selector(f"#payment-receipts td:has-text('{reference}')")
    assert page.inner_text("#payments-paid") == "¥1,442.30"
    assert page.inner_text("#payments-outstanding") == "¥0.00"
    page.screenshot(path=str(SHOTS / "guanxi-order-paid.png"), full_page=True)

    # The rep's home page, forecast and reports show the sale.
    page.goto(rep.base_url + "/")
    cards = page.inner_text(".attainment-cards")
    assert "¥1,442.30 / ¥2,000.00" in cards and "¥1,442.30 / ¥1,000.00" in cards
    page.goto(rep.base_url + "/forecast/")
    won = page.locator(".figure-inline:has-text('Won') .figure-value")
    assert won.inner_text() == "¥1,442.30"  # the order's total, not the deal's ¥50,000
    mpage.goto(boss.base_url + "/reports/")
    mpage.wait_for_selector("[data-report='sales_by_rep'] table")
    assert "¥1,442.30" in mpage.inner_text("[data-report='sales_by_rep'] table")
    mpage.wait_for_selector("[data-report='sales_by_product'] table")
    by_product = mpage.inner_text("[data-report='sales_by_product'] table")
    assert "¥1,035.50" in by_product and "¥406.80" in by_product
    rep.assert_no_csp_errors()
    boss.assert_no_csp_errors()
    rep.context.close()
    boss.context.close()
