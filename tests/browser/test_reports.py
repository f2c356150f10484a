"""The new reports in a real browser: each card loads on its own and draws its chart — sales
by product and category, the collections aging — in English and in Chinese."""

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
from tests.sales.conftest import make_catalogue
from tests.sales.order_rows import make_instalment, make_order

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not HAVE_CHROMIUM, reason="Chromium is not installed"),
]

NEW_CHARTS = ("sales_by_product", "sales_by_category", "collections_aging")


@pytest.fixture
def sold(db):
    from guanxi.customers.services import account_create
    from guanxi.sales import collections
    from tests.conftest import make_org, make_user

    org = make_org("Xinwei Foods")
    admin = make_user(org, "admin", username="ada")
    cat = make_catalogue(admin)
    account = account_create(actor=admin, data={"name": "上海华东贸易有限公司"})
    order = make_order(admin, account, [(cat.rice, 10, 100), (cat.tea, 2, 300)])
    today = collections.today_for(org)
    make_instalment(order, today - timedelta(days=45), "1000.00", paid="400.00")
    make_instalment(order, today + timedelta(days=15), "768.00")
    return admin


def test_new_report_charts_render_in_both_languages(browser, live_server, sold):  # noqa: F811
    p = Page(browser, live_server.url, viewport={"width": 1400, "height": 2400})
    page = p.login("ada")
    page.click("#sidenav a[href='/reports/']")
    for name in NEW_CHARTS:
        page.wait_for_selector(f"[data-report='{name}'] .chart[data-rendered='1'] canvas")
    product = page.inner_text("[data-report='sales_by_product'] table")
    assert "五常有机大米 5kg" in product and "¥1,090.00" in product and "¥1,768.00" in product
    aging = page.inner_text("[data-report='collections_aging'] table")
    assert "¥600.00" in aging and "¥768.00" in aging and "¥1,368.00" in aging
    page.wait_for_selector("[data-report='collections_aging_by_account'] table")
    page.screenshot(path=str(SHOTS / "guanxi-reports-orders.png"), full_page=True)
    p.assert_no_csp_errors()

    sold.language = "zh-hans"
    sold.save()
    zh = Page(browser, live_server.url, viewport={"width": 1400, "height": 2400})
    page = zh.login("ada")
    page.goto(zh.base_url + "/reports/")
    for name in NEW_CHARTS:
        page.wait_for_selector(f"[data-report='{name}'] .chart[data-rendered='1'] canvas")
    assert "按产品统计销售额" in page.inner_text("#report-sales_by_product")
    assert "逾期 31–60 天" in page.inner_text("[data-report='collections_aging'] table")
    page.screenshot(path=str(SHOTS / "guanxi-reports-orders-zh.png"), full_page=True)
    zh.assert_no_csp_errors()
    p.context.close()
    zh.context.close()
