"""Receivables in a real browser: record money from a row (the row and the aging cards
follow), then the payments panel: a manager voids the receipt and changes the plan."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.browser.test_ui import (  # the browser set-up this suite shares
    HAVE_CHROMIUM,
    SHOTS,
    Page,
    _allow_orm_beside_playwright,  # noqa: F401
    browser,  # noqa: F401
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not HAVE_CHROMIUM, reason="Chromium is not installed"),
]


@pytest.fixture
def receivable(db):
    from guanxi.core.services import team_create
    from guanxi.customers.services import account_create
    from guanxi.sales import payments
    from guanxi.sales.payment_selectors import today_for
    from tests.conftest import make_org, make_user
    from tests.sales.factories import make_order

    org = make_org("Xinwei Foods")
    team = team_create(actor=None, organisation=org, name="East")
    make_user(org, "sales_manager", team, "mia")
    rep = make_user(org, "sales_rep", team, "ren")
    account = account_create(actor=rep, data={"name": "上海华东贸易有限公司"})
    today = today_for(org)
    order = make_order(
        rep,
        account,
        "12000.00",
        order_date=today - timedelta(days=45),
        delivery_date=today + timedelta(days=20),
    )
    payments.plan_apply_preset(actor=rep, parent=order, preset="deposit_30")
    return {"order": order}


def test_record_void_and_replan(browser, live_server, receivable):  # noqa: F811
    from guanxi.sales.models import Receipt

    order = receivable["order"]
    rep = Page(browser, live_server.url)
    page = rep.login("ren")
    page.click("nav >> text=Receivables")
    page.wait_for_selector("#receivables")
    assert "¥3,600.00" in page.inner_text("[data-bucket='31_60']")
    row = page.locator("#receivables tbody tr").first
    row.locator("button:has-text('Record payment')").click()
    form = page.locator("tr.form-row form")
    form.wait_for()
    form.locator("input[name$='amount']").fill("4000")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("tr.form-row .errors")  # more than the deposit: by the field
    form.locator("input[name$='amount']").fill("3600")
    form.locator("input[name$='reference']").fill("HSBC-0093")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("tr.form-row", state="detached")
    page.wait_for_selector("[data-bucket='31_60'] .figure-value:has-text('¥0.00')")
    assert page.locator("#receivables tbody tr").count() == 1  # only the rest is left
    page.screenshot(path=str(SHOTS / "guanxi-receivables.png"), full_page=True)
    rep.assert_no_csp_errors()
    assert Receipt.objects.get().reference == "HSBC-0093"

    boss = Page(browser, live_server.url)
    page = boss.login("mia")
    page.goto(f"{boss.base_url}/deals/orders/{order.pk}/payments/")
    page.wait_for_selector("#payments-panel")
    page.click("#payment-receipts summary:has-text('Void')")
    page.fill("#payment-receipts input[name=reason]", "Keyed against the wrong order")
    page.click("button:has-text('Void the receipt')")
    page.wait_for_selector("#payment-receipts .badge:has-text('Voided')")
    assert "¥0.00" in page.inner_text("#payments-paid")
    page.click("summary:has-text('Change the plan')")
    page.select_option("#id_preset-preset", "monthly")
    page.fill("#id_preset-count", "4")
    page.click("button:has-text('Use this plan')")
    page.wait_for_selector("#payment-plan tbody tr:nth-child(4)")
    assert "¥3,000.00" in page.inner_text("#payment-plan")
    page.screenshot(path=str(SHOTS / "guanxi-payments-panel.png"), full_page=True)
    boss.assert_no_csp_errors()
