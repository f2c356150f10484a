"""The interface in a real browser (Debian's Chromium driven by Playwright).

Run with ``pytest -m browser``; skipped when Chromium is not installed, unless
GUANXI_REQUIRE_BROWSER=1 (as in CI), where a missing browser fails the run.
"""

from __future__ import annotations

import pytest

# The set-up every browser test shares is in conftest.py; these names stay importable from
# here too, for test modules that take them from this one.
from tests.browser.conftest import (  # noqa: F401
    CHROMIUM,
    HAVE_CHROMIUM,
    SHOTS,
    Page,
    _allow_orm_beside_playwright,
    browser,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not HAVE_CHROMIUM, reason="Chromium is not installed (apt-get install chromium)"
    ),
]


@pytest.fixture
def people(db):
    from guanxi.customers.services import account_create
    from guanxi.sales.services import opportunity_create
    from tests.conftest import make_org, make_user

    org = make_org("Xinsheng Trading")
    admin = make_user(org, "admin", username="ada")
    account = account_create(actor=admin, data={"name": "上海华东贸易有限公司", "city": "上海"})
    deal = opportunity_create(
        actor=admin, data={"name": "2026 年框架协议", "account": account, "amount": "128000"}
    )
    return {"admin": admin, "account": account, "deal": deal}


def test_login_create_account_and_find_it(ui, people):
    p = ui()
    page = p.login("ada")
    assert page.locator("h1").first.inner_text().startswith("Hello")
    page.click("#sidenav a[href='/accounts/']")
    page.click("main a:has-text('New account')")
    page.fill("#id_name", "杭州鑫盛食品有限公司")
    page.fill("#id_phone", "0571 8888 6666")
    page.fill("#id_tags", "食品, VIP")
    page.click("button:has-text('Save')")
    page.wait_for_selector("h1#account-name")
    assert page.inner_text("h1#account-name") == "杭州鑫盛食品有限公司"
    assert "0571 8888 6666" in page.inner_text(".facts")
    page.screenshot(path=str(SHOTS / "guanxi-account.png"), full_page=True)

    page.fill("#global-q", "鑫盛")
    page.press("#global-q", "Enter")
    page.wait_for_selector("#res-accounts")
    assert "杭州鑫盛食品有限公司" in page.inner_text("main")
    p.assert_no_csp_errors()


def test_field_errors_appear_next_to_the_field(ui, people):
    p = ui()
    page = p.login("ada")
    page.goto(p.base_url + "/accounts/new/")
    page.fill("#id_name", "Bad phone Ltd")
    page.fill("#id_phone", "12")
    page.click("button:has-text('Save')")
    assert "Enter a valid phone number." in page.inner_text("#id_phone-errors")
    assert page.get_attribute("#id_phone", "aria-invalid") == "true"
    p.assert_no_csp_errors()


def _drag(page, card_selector: str, column_selector: str):
    card = page.locator(card_selector)
    target = page.locator(column_selector)
    box = card.bounding_box()
    dest = target.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 20, box["y"] + box["height"] / 2, steps=5)
    page.mouse.move(dest["x"] + dest["width"] / 2, dest["y"] + 30, steps=20)
    page.mouse.up()


def test_kanban_drag_persists(ui, people):
    from guanxi.sales.models import Opportunity, Stage

    deal = people["deal"]
    stages = list(Stage.objects.filter(pipeline_id=deal.pipeline_id).order_by("position"))
    p = ui(viewport={"width": 2000, "height": 900})
    page = p.login("ada")
    page.goto(p.base_url + "/deals/board/")
    card = f".deal-card[data-id='{deal.pk}']"
    page.wait_for_selector(card)
    target = f".board-cards[data-stage-id='{stages[2].pk}']"
    _drag(page, card, target)
    page.wait_for_selector(f"{target} {card}")
    page.wait_for_selector(".toast-success")
    page.screenshot(path=str(SHOTS / "guanxi-board.png"))
    deal = Opportunity.objects.get(pk=deal.pk)
    assert deal.stage_id == stages[2].pk
    count = page.inner_text(f"[data-column-header='{stages[2].pk}'] [data-count]")
    assert count == "1"

    # A lost stage asks for the reason in a dialog, then moves the card.
    lost = next(s for s in stages if s.kind == "lost")
    _drag(page, card, f".board-cards[data-stage-id='{lost.pk}']")
    page.wait_for_selector("#lost-dialog[open]")
    page.fill("#lost-reason", "Price too high")
    page.click("#lost-dialog button[type=submit]")
    page.wait_for_function(
        "sel => document.querySelector(sel) && document.querySelector(sel).dataset.version > 2",
        arg=card,
    )
    deal = Opportunity.objects.get(pk=deal.pk)
    assert deal.status == "lost" and deal.lost_reason == "Price too high"

    page.reload()
    page.wait_for_selector(f".board-cards[data-stage-id='{lost.pk}'] {card}")
    p.assert_no_csp_errors()


def test_language_switch(ui, people):
    p = ui()
    page = p.login("ada")
    assert page.get_attribute("html", "lang") == "en"
    page.click(".user-menu summary")
    page.click("button[value='zh-hans']")
    page.wait_for_function("document.documentElement.lang === 'zh-Hans'")
    page.click(".user-menu summary")
    page.click("button[value='en']")
    page.wait_for_function("document.documentElement.lang === 'en'")
    p.assert_no_csp_errors()


def test_small_screen_has_no_horizontal_overflow(ui, people):
    p = ui(viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True)
    page = p.login("ada")
    account = people["account"]
    for path in (
        "/",
        "/accounts/",
        f"/accounts/{account.pk}/",
        "/contacts/",
        "/deals/",
        "/deals/board/",
        "/activities/",
        "/accounts/new/",
        "/me/",
    ):
        page.goto(p.base_url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        body = page.evaluate("document.body.scrollWidth")
        assert width <= 375 and body <= 375, (path, width, body)
    page.goto(p.base_url + f"/accounts/{account.pk}/")
    page.screenshot(path=str(SHOTS / "guanxi-mobile.png"), full_page=True)
    # The navigation is collapsed behind the menu button.
    assert not page.is_visible("#sidenav")
    page.click("[data-nav-toggle]")
    page.wait_for_selector("#sidenav a[href='/accounts/']", state="visible")
    p.assert_no_csp_errors()


def test_mark_task_done_with_htmx(ui, people):
    from guanxi.activities.models import Activity
    from guanxi.activities.services import activity_create

    admin = people["admin"]
    task = activity_create(
        actor=admin,
        data={"subject": "Send the quote", "kind": "task", "account": people["account"]},
    )
    p = ui()
    page = p.login("ada")
    page.goto(p.base_url + "/activities/")
    page.click(f"tr[data-activity='{task.pk}'] button.check")
    page.wait_for_selector(f"tr[data-activity='{task.pk}'].is-done")
    assert Activity.objects.get(pk=task.pk).done
    page.wait_for_selector(".toast-success")
    p.assert_no_csp_errors()


def test_reports_page_draws_its_charts(ui, people):
    from guanxi.sales.models import Stage
    from guanxi.sales.services import opportunity_move

    deal = people["deal"]
    won = Stage.objects.get(pipeline_id=deal.pipeline_id, kind="won")
    opportunity_move(actor=people["admin"], opportunity=deal, stage=won.pk)
    p = ui(viewport={"width": 1400, "height": 1800})
    page = p.login("ada")
    page.click("#sidenav a[href='/reports/']")
    page.wait_for_selector("[data-report='sales_by_rep'] .chart[data-rendered='1'] canvas")
    page.wait_for_selector("[data-report='funnel'] .chart[data-rendered='1'] canvas")
    assert "¥128,000.00" in page.inner_text("[data-report='sales_by_rep'] table")
    page.screenshot(path=str(SHOTS / "guanxi-reports.png"), full_page=True)
    p.assert_no_csp_errors()
