"""A web form embedded in another website, filled in by a real browser (Debian's Chromium).

The "company website" is a static page served by a tiny HTTP server on another port — a
different origin from guanxi's live server — holding the HTML code copied from the builder
page, or the one-line iframe. Run with ``pytest -m browser``; skipped without Chromium.
"""

from __future__ import annotations

import functools
import http.server
import threading

import pytest

from tests.browser.conftest import HAVE_CHROMIUM, SHOTS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not HAVE_CHROMIUM, reason="Chromium is not installed (apt-get install chromium)"
    ),
]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def website(tmp_path):
    """A static website on 127.0.0.1 and a free port: ``website(html)`` publishes a page and
    returns its address."""
    handler = functools.partial(_Quiet, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def publish(body: str, name: str = "index.html") -> str:
        page = (
            '<!doctype html><html lang="zh-Hans"><head><meta charset="utf-8">'
            "<title>鑫盛食品 — 联系我们</title></head><body><h1>联系我们</h1>"
            f"{body}</body></html>"
        )
        (tmp_path / name).write_text(page, encoding="utf-8")
        return f"http://127.0.0.1:{server.server_address[1]}/{name}"

    yield publish
    server.shutdown()
    server.server_close()


@pytest.fixture
def setup(db):
    from guanxi.leads import configuration
    from tests.conftest import make_org, make_user

    org = make_org("Xinsheng Foods")
    admin = make_user(org, "admin", username="ada")
    rep = make_user(org, "sales_rep", username="mei")
    make_user(org, "sales_rep", username="other")
    # Every new lead goes to Mei, so she finds it in her own list.
    configuration.assignment_rule_save(
        actor=admin,
        data={"name": "Web leads to Mei", "conditions": [], "action": "user", "user": rep.pk},
    )
    form = configuration.web_form_save(
        actor=admin,
        data={
            "name": "Ask for a quote",
            "fields": ["name", "company", "mobile", "email", "message"],
            "required": ["name", "mobile"],
            "consent_text": "I agree to receive offers.",
            "consent_required": True,
            "success_message": "Thank you, we will call you today.",
        },
    )
    return {"admin": admin, "rep": rep, "form": form}


def test_snippet_on_another_website_sends_a_lead(ui, website, setup, live_server):
    from guanxi.leads.models import Lead

    form = setup["form"]
    # The administrator copies the HTML code from the builder page.
    admin = ui()
    page = admin.login("ada")
    page.goto(f"{admin.base_url}/settings/forms/")
    page.click(f"a[href='/settings/forms/{form.pk}/']:has-text('Ask for a quote')")
    page.wait_for_selector("#embed-html")
    snippet = page.inner_text("#embed-html")
    assert f'action="{live_server.url}/f/{form.key}/"' in snippet
    page.screenshot(path=str(SHOTS / "guanxi-web-form-builder.png"), full_page=True)
    admin.assert_no_csp_errors()

    # A visitor fills it in on the company's website (another origin).
    site = website(snippet + '\n<p><a href="/">返回首页</a></p>')
    visitor = ui(viewport={"width": 390, "height": 844})
    page = visitor.page
    page.goto(site + "?utm_source=baidu")
    assert page.evaluate("location.origin") != live_server.url
    honeypot = page.locator("input[name=website]")
    assert honeypot.get_attribute("tabindex") == "-1"
    assert not honeypot.is_visible() or honeypot.bounding_box()["x"] < 0
    page.fill("input[name=name]", "王伟")
    page.fill("input[name=company]", "杭州鑫盛食品有限公司")
    page.fill("input[name=mobile]", "138 0013 8000")
    page.fill("input[name=email]", "wang.wei@example.com")
    page.fill("textarea[name=message]", "请报价：薯片 2000 箱")
    page.check("input[name=marketing_consent]")
    from django.utils import timezone

    clicked = timezone.now()
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/f/{form.key}/thanks/")
    assert "Thank you, we will call you today." in page.inner_text("main")
    page.screenshot(path=str(SHOTS / "guanxi-web-form-thanks.png"))
    visitor.assert_no_csp_errors()

    # The form's own page, as a phone shows it.
    page.goto(f"{live_server.url}/f/{form.key}/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(SHOTS / "guanxi-web-form-page.png"), full_page=True)

    lead = Lead.objects.get()
    assert (lead.channel, lead.form_id, lead.name) == ("web_form", form.pk, "王伟")
    assert lead.mobile == "+8613800138000" and lead.marketing_consent
    assert lead.owner_id == setup["rep"].pk
    assert not Lead.objects.filter(raw__has_key="website").exists()

    assert lead.score > 0
    # It was stored, scored and assigned within a second of the visitor pressing send.
    assert 0 <= (lead.created_at - clicked).total_seconds() < 1

    # Another rep does not see it, not even by its address.
    other = ui()
    page = other.login("other")
    page.goto(f"{other.base_url}/leads/?view=all")
    assert "王伟" not in page.inner_text("main")
    response = page.goto(f"{other.base_url}/leads/{lead.pk}/")
    assert response.status == 404

    # Its owner finds it in her list of leads, with its score, and converts it.
    rep = ui()
    page = rep.login("mei")
    page.goto(f"{rep.base_url}/leads/")
    row = page.locator("tr", has_text="王伟")
    assert str(lead.score) in row.inner_text()
    row.locator("a", has_text="王伟").click()
    page.wait_for_url(f"{rep.base_url}/leads/{lead.pk}/")
    assert "Ask for a quote" in page.inner_text("main")  # the form it came from
    page.click("a:has-text('Convert')")
    page.fill("input[name=amount]", "36000")
    page.click("button[type=submit]:has-text('Convert')")
    page.wait_for_url(f"{rep.base_url}/accounts/*/")
    main = page.inner_text("main")
    assert "杭州鑫盛食品有限公司" in main
    assert "王伟" in main  # the lead's history on the account's timeline
    lead.refresh_from_db()
    assert lead.status == "converted" and lead.contact.name == "王伟"
    assert lead.opportunity.amount == 36000
    page.screenshot(path=str(SHOTS / "guanxi-lead-converted.png"), full_page=True)
    rep.assert_no_csp_errors()


def test_iframe_on_another_website_shows_errors_then_sends(ui, website, setup, live_server):
    from guanxi.leads.models import Lead

    form = setup["form"]
    src = f"{live_server.url}/f/{form.key}/"
    iframe = f'<iframe src="{src}" title="Quote" width="100%" height="900"></iframe>'
    site = website(iframe, "frame.html")
    visitor = ui()
    page = visitor.page
    page.goto(site)
    frame = page.frame_locator("iframe")
    frame.locator("input[name=name]").fill("Li Na")
    # A number that cannot be a phone: the server says so next to the field, inside the frame.
    frame.locator("input[name=mobile]").fill("12")
    frame.locator("input[name=marketing_consent]").check()
    frame.locator("button[type=submit]").click()
    frame.locator("#gx-mobile-errors").wait_for()
    assert "phone" in frame.locator("#gx-mobile-errors").inner_text().lower()
    page.locator("iframe").screenshot(path=str(SHOTS / "guanxi-web-form-iframe-errors.png"))
    assert not Lead.objects.exists()
    frame.locator("input[name=mobile]").fill("13900139000")
    frame.locator("input[name=marketing_consent]").check()
    frame.locator("button[type=submit]").click()
    frame.get_by_text("Thank you, we will call you today.").wait_for()
    page.locator("iframe").screenshot(path=str(SHOTS / "guanxi-web-form-iframe.png"))
    visitor.assert_no_csp_errors()
    assert Lead.objects.get().mobile == "+8613900139000"
