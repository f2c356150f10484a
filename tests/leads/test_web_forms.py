"""Web forms: the public endpoint a website posts to (capture, spam brakes, CORS) and the
builder pages in Settings → Web forms."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from django.core.cache import caches
from django.test import Client

from guanxi.core.errors import ValidationFailed
from guanxi.leads import configuration, selectors
from guanxi.leads.models import Lead, WebForm
from tests.conftest import make_org, make_user

pytestmark = pytest.mark.django_db

FORM_DATA = {
    "name": "Lead form",
    "fields": ["name", "company", "mobile", "email", "region", "message"],
    "required": ["name"],
    "source": "advertising",
    "campaign": "Spring fair",
}


@pytest.fixture(autouse=True)
def _clean_cache():
    """The rate limit counts in the cache: every test starts with none."""
    for cache in caches.all():
        cache.clear()
    yield
    for cache in caches.all():
        cache.clear()


@pytest.fixture
def webform(admin) -> WebForm:
    return configuration.web_form_save(actor=admin, data=FORM_DATA)


@pytest.fixture
def anon() -> Client:
    return Client()


def url(form: WebForm, query: str = "") -> str:
    return f"/f/{form.key}/" + (f"?{query}" if query else "")


def post_form(client, form, data, query="", **extra):
    return client.post(
        url(form, query),
        urlencode(data, doseq=True),
        content_type="application/x-www-form-urlencoded",
        **extra,
    )


def post_json(client, form, data, query="", **extra):
    return client.post(
        url(form, query),
        json.dumps(data),
        content_type="application/json",
        HTTP_ACCEPT="application/json",
        **extra,
    )


# --- The page --------------------------------------------------------------------------------


def test_page_shows_the_fields_and_a_hidden_honeypot(anon, webform):
    response = anon.get(url(webform, "utm_source=baidu&utm_campaign=spring&x=1"))
    assert response.status_code == 200
    html = response.content.decode()
    for name in webform.fields:
        assert f'name="{name}"' in html
    assert 'name="website"' in html and 'tabindex="-1"' in html and 'autocomplete="off"' in html
    assert 'class="gx-hp"' in html
    # UTM parameters of the page's address travel with the post.
    assert 'name="utm_source" value="baidu"' in html
    assert 'name="utm_campaign" value="spring"' in html
    assert 'name="x"' not in html
    # No inline script or style: the page keeps the site's strict policy.
    assert "<script" not in html and "style=" not in html
    policy = response["Content-Security-Policy"]
    assert "frame-ancestors *" in policy and "script-src 'self'" in policy
    assert "X-Frame-Options" not in response
    assert response["X-Robots-Tag"] == "noindex"


def test_page_may_only_be_framed_by_the_allowed_websites(anon, admin, webform):
    with pytest.raises(ValidationFailed) as exc:
        configuration.web_form_save(
            actor=admin,
            form=webform,
            data={"allowed_origins": "https://www.example.com\nnot a site;script-src *"},
        )
    assert "allowed_origins" in exc.value.fields
    configuration.web_form_save(
        actor=admin, form=webform, data={"allowed_origins": "www.Example.com/contact"}
    )
    webform.refresh_from_db()
    assert webform.allowed_origins == "https://www.example.com"
    # a value that got into the database some other way still cannot reach the header
    WebForm.objects.filter(pk=webform.pk).update(
        allowed_origins="https://www.example.com\nnot a site;script-src *"
    )
    response = anon.get(url(webform))
    policy = response["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://www.example.com;" in policy
    assert "script-src *" not in policy


def test_page_speaks_the_organisations_language(anon, admin, webform):
    webform.organisation.language = "zh-hans"
    webform.organisation.save(update_fields=["language"])
    html = anon.get(url(webform)).content.decode()
    assert 'lang="zh-Hans"' in html


def test_unknown_or_disabled_form_is_not_found(anon, admin, webform):
    assert anon.get("/f/no-such-key/").status_code == 404
    response = post_json(anon, type("F", (), {"key": "no-such-key"}), {"name": "x"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    configuration.web_form_save(actor=admin, form=webform, data={"is_active": False})
    assert anon.get(url(webform)).status_code == 404
    assert post_form(anon, webform, {"name": "Wang", "mobile": "13800138000"}).status_code == 404
    assert not Lead.objects.exists()


# --- Capture ---------------------------------------------------------------------------------


def test_form_post_captures_a_lead_with_utm_and_raw(anon, webform):
    response = post_form(
        anon,
        webform,
        {
            "name": " 王伟 ",
            "company": "上海华东贸易",
            "mobile": "138 0013 8000",
            "email": "Wang.Wei@Example.COM",
            "message": "Please call me",
            "utm_source": "baidu",
            "page": "/pricing",  # junk a website adds: ignored, kept in raw
            "website": "",
        },
        query="utm_source=ignored&utm_medium=cpc",
    )
    assert response.status_code == 303
    assert response["Location"] == f"/f/{webform.key}/thanks/"
    lead = Lead.objects.get()
    assert (lead.channel, lead.form_id, lead.organisation_id) == (
        "web_form",
        webform.pk,
        webform.organisation_id,
    )
    assert (lead.name, lead.mobile, lead.email) == (
        "王伟",
        "+8613800138000",
        "wang.wei@example.com",
    )
    assert (lead.source, lead.campaign, lead.kind) == ("advertising", "Spring fair", "sales")
    assert lead.utm == {"utm_source": "baidu", "utm_medium": "cpc"}
    assert lead.raw["page"] == "/pricing" and lead.raw["mobile"] == "138 0013 8000"
    assert "website" not in lead.raw


def test_thank_you_page_shows_the_forms_message(anon, admin, webform):
    assert "will be in touch" in anon.get(f"/f/{webform.key}/thanks/").content.decode()
    configuration.web_form_save(
        actor=admin, form=webform, data={"success_message": "谢谢！我们会尽快联系您。"}
    )
    response = anon.get(f"/f/{webform.key}/thanks/")
    assert response.status_code == 200
    assert "谢谢！我们会尽快联系您。" in response.content.decode()


def test_redirect_url_is_followed_and_allowed_as_form_action(anon, admin, webform):
    configuration.web_form_save(
        actor=admin, form=webform, data={"redirect_url": "https://www.example.com/thanks?x=1"}
    )
    assert (
        "form-action 'self' https://www.example.com;"
        in anon.get(url(webform))["Content-Security-Policy"]
    )
    response = post_form(anon, webform, {"name": "Li Na", "email": "li@example.com"})
    assert response.status_code == 303
    assert response["Location"] == "https://www.example.com/thanks?x=1"
    assert Lead.objects.count() == 1


def test_json_post_answers_ok_without_the_lead(anon, webform):
    response = post_json(
        anon,
        webform,
        {"name": "Zhang", "email": "zhang@example.com", "utm_campaign": "spring", "extra": [1, 2]},
        query="utm_source=wechat",
    )
    assert response.status_code == 201
    assert response.json() == {"ok": True}  # neither the id nor the owner leaks
    lead = Lead.objects.get()
    assert lead.utm == {"utm_campaign": "spring", "utm_source": "wechat"}
    assert lead.raw["extra"] == [1, 2]


def test_multipart_post_is_accepted(anon, webform):
    response = anon.post(url(webform), {"name": "Chen", "mobile": "13900139000"})
    assert response.status_code == 303
    assert Lead.objects.get().mobile == "+8613900139000"


def test_required_fields_are_checked(anon, webform):
    response = post_json(anon, webform, {"email": "a@example.com"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert list(error["fields"]) == ["name"]
    response = post_form(anon, webform, {"email": "a@example.com", "message": "hello"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="gx-name-errors"' in html and 'aria-invalid="true"' in html
    assert "hello</textarea>" in html  # what they typed is kept
    assert not Lead.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "Bad phone", "mobile": "12"}, "mobile"),
        ({"name": "Bad email", "email": "not-an-email"}, "email"),
        ({"name": "Bad region", "email": "r@example.com", "region": "mars"}, "region"),
    ],
)
def test_malformed_values_are_field_errors_and_store_nothing(anon, webform, data, field):
    response = post_json(anon, webform, data)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    response = post_form(anon, webform, data)
    assert response.status_code == 400
    assert f'id="gx-{field}-errors"' in response.content.decode()
    assert not Lead.objects.exists()


def test_consent_required(anon, admin, webform):
    configuration.web_form_save(
        actor=admin,
        form=webform,
        data={"consent_text": "I agree to receive offers.", "consent_required": True},
    )
    html = anon.get(url(webform)).content.decode()
    assert 'name="marketing_consent"' in html and "I agree to receive offers." in html
    response = post_json(anon, webform, {"name": "Wu", "email": "wu@example.com"})
    assert response.status_code == 400
    assert "marketing_consent" in response.json()["error"]["fields"]
    response = post_form(anon, webform, {"name": "Wu", "email": "wu@example.com"})
    assert response.status_code == 400 and 'id="gx-consent-errors"' in response.content.decode()
    assert not Lead.objects.exists()
    response = post_form(
        anon, webform, {"name": "Wu", "email": "wu@example.com", "marketing_consent": "1"}
    )
    assert response.status_code == 303
    lead = Lead.objects.get()
    assert lead.marketing_consent and lead.consent_at is not None


def test_consent_is_only_taken_from_a_form_that_asks_for_it(anon, webform):
    post_json(anon, webform, {"name": "Xu", "email": "xu@example.com", "marketing_consent": True})
    assert Lead.objects.get().marketing_consent is False


# --- Spam brakes ---------------------------------------------------------------------------------


def test_honeypot_answers_ok_and_stores_nothing(anon, webform):
    data = {"name": "Bot", "email": "bot@example.com", "website": "http://spam.example"}
    assert post_form(anon, webform, data).status_code == 303
    response = post_json(anon, webform, data)
    assert (response.status_code, response.json()) == (201, {"ok": True})
    assert not Lead.objects.exists()


def test_rate_limit_per_form_and_address(anon, admin, webform, settings):
    settings.LEAD_FORM_RATE = "3/600"
    other_form = configuration.web_form_save(actor=admin, data={**FORM_DATA, "name": "Other"})
    for i in range(3):
        response = post_json(anon, webform, {"name": f"N{i}", "email": f"n{i}@example.com"})
        assert response.status_code == 201
    response = post_json(anon, webform, {"name": "N4", "email": "n4@example.com"})
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "rate_limited"
    assert 0 < int(response["Retry-After"]) <= 600
    response = post_form(anon, webform, {"name": "N5", "email": "n5@example.com"})
    assert response.status_code == 429 and "try again" in response.content.decode()
    # Another address, or another form, has its own count.
    data = {"name": "N6", "email": "n6@example.com"}
    assert post_json(anon, webform, data, REMOTE_ADDR="10.1.2.3").status_code == 201
    assert post_json(anon, other_form, data).status_code == 201
    assert Lead.objects.count() == 5


def test_rate_limit_behind_a_trusted_proxy_counts_the_client(anon, webform, settings):
    """Behind a proxy every post comes from the proxy: its X-Forwarded-For names the client,
    and is believed only from a trusted proxy (a client can write the header itself)."""
    settings.LEAD_FORM_RATE = "2/600"
    settings.TRUSTED_PROXIES = frozenset({"10.0.0.1"})
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    for i, client_ip in enumerate(["203.0.113.5", "203.0.113.5", "198.51.100.7"]):
        data = {"name": f"P{i}", "email": f"p{i}@example.com"}
        response = post_json(
            anon, webform, data, HTTP_X_FORWARDED_FOR=f"1.1.1.1, {client_ip}", **proxy
        )
        assert response.status_code == 201
    data = {"name": "P3", "email": "p3@example.com"}
    response = post_json(anon, webform, data, HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy)
    assert response.status_code == 429
    # Not from the proxy: the header is ignored and the sender's own address counts.
    for i in range(2):
        data = {"name": f"D{i}", "email": f"d{i}@example.com"}
        forged = {"REMOTE_ADDR": "192.0.2.9", "HTTP_X_FORWARDED_FOR": f"9.9.9.{i}"}
        assert post_json(anon, webform, data, **forged).status_code == 201
    forged = {"REMOTE_ADDR": "192.0.2.9", "HTTP_X_FORWARDED_FOR": "9.9.9.9"}
    assert (
        post_json(anon, webform, {"name": "D2", "email": "d2@x.com"}, **forged).status_code == 429
    )


def test_oversized_body_is_refused(anon, webform):
    data = {"name": "Big", "email": "big@example.com", "message": "x" * 21_000}
    response = post_json(anon, webform, data)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert post_form(anon, webform, data).status_code == 413
    assert not Lead.objects.exists()


def test_bad_bodies(anon, webform):
    response = anon.post(
        url(webform), "[1, 2]", content_type="application/json", HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "bad_request"
    response = anon.post(url(webform), "{not json", content_type="application/json")
    assert response.status_code == 400
    response = anon.post(
        url(webform), "<x/>", content_type="application/xml", HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 415
    assert anon.put(url(webform), "{}", content_type="application/json").status_code == 405


# --- CORS ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "origin"),
    [
        ("www.example.com", "https://www.example.com"),
        ("HTTPS://WWW.Example.com:443/contact.html?x=1", "https://www.example.com"),
        ("http://localhost:8000/", "http://localhost:8000"),
        ("https://[::1]:8443", "https://[::1]:8443"),
        ("https://例子.中国", "https://xn--fsqu00a.xn--fiqs8s"),
        ("ftp://example.com", None),
        ("https://user:pw@example.com", None),
        ("https://*.example.com", None),
        ("https://a.com;script-src", None),
        ("javascript:alert(1)", None),
    ],
)
def test_allowed_websites_are_written_as_browsers_send_origins(typed, origin):
    from guanxi.leads.public import clean_origin

    if origin is None:
        with pytest.raises(ValueError):
            clean_origin(typed)
    else:
        assert clean_origin(typed) == origin


def preflight(client, form, origin):
    return client.options(
        url(form),
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
    )


def test_cors_any_website_when_no_list(anon, webform):
    response = preflight(anon, webform, "https://shop.example.net")
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "https://shop.example.net"
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert "Content-Type" in response["Access-Control-Allow-Headers"]
    assert "Origin" in response["Vary"]
    assert "Access-Control-Allow-Credentials" not in response


def test_cors_only_listed_websites(anon, admin, webform):
    configuration.web_form_save(
        actor=admin, form=webform, data={"allowed_origins": "https://WWW.Example.com/\n"}
    )
    allowed = preflight(anon, webform, "https://www.example.com")
    assert allowed.status_code == 204
    assert allowed["Access-Control-Allow-Origin"] == "https://www.example.com"
    denied = preflight(anon, webform, "https://evil.example.org")
    assert denied.status_code == 403
    assert "Access-Control-Allow-Origin" not in denied
    assert preflight(anon, webform, "null").status_code == 403

    data = {"name": "Guo", "email": "guo@example.com"}
    response = post_json(anon, webform, data, HTTP_ORIGIN="https://evil.example.org")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "origin_not_allowed"
    assert "Access-Control-Allow-Origin" not in response
    response = post_form(anon, webform, data, HTTP_ORIGIN="https://evil.example.org")
    assert response.status_code == 403
    assert not Lead.objects.exists()

    response = post_json(anon, webform, data, HTTP_ORIGIN="https://www.example.com")
    assert response.status_code == 201
    assert response["Access-Control-Allow-Origin"] == "https://www.example.com"
    assert "Origin" in response["Vary"]
    # A plain form post from the listed site, from our own page, and from a server.
    assert post_form(anon, webform, data, HTTP_ORIGIN="https://www.example.com").status_code == 303
    assert post_form(anon, webform, data, HTTP_ORIGIN="http://testserver").status_code == 303
    assert post_form(anon, webform, data).status_code == 303
    assert Lead.objects.count() == 4


def test_cors_errors_are_readable_by_the_allowed_site(anon, webform):
    response = post_json(anon, webform, {"email": "x@example.com"}, HTTP_ORIGIN="https://a.example")
    assert response.status_code == 400
    assert response["Access-Control-Allow-Origin"] == "https://a.example"


def test_html_post_from_another_website(anon, webform):
    response = post_form(
        anon,
        webform,
        {"name": "Sun", "mobile": "13700137000"},
        HTTP_ORIGIN="https://www.some-site.cn",
        HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8",
    )
    assert response.status_code == 303
    assert Lead.objects.get().channel == "web_form"


# --- Builder pages -------------------------------------------------------------------------------


@pytest.fixture
def client_for(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


def test_builder_pages_are_for_administrators_only(client_for, rep, webform):
    client = client_for(rep)
    for path in (
        "/settings/forms/",
        "/settings/forms/new/",
        f"/settings/forms/{webform.pk}/",
        f"/settings/forms/{webform.pk}/delete/",
    ):
        assert client.get(path).status_code == 403, path
    assert client.post(f"/settings/forms/{webform.pk}/delete/").status_code == 403
    assert WebForm.objects.filter(pk=webform.pk).exists()


def test_another_organisations_form_is_not_found(client, webform):
    stranger = make_user(make_org(), "admin")
    client.force_login(stranger)
    assert client.get(f"/settings/forms/{webform.pk}/").status_code == 404
    assert client.post(f"/settings/forms/{webform.pk}/delete/").status_code == 404


def test_list_shows_forms_with_their_lead_counts(
    client_for, anon, admin, webform, django_assert_max_num_queries
):
    configuration.web_form_save(actor=admin, data={**FORM_DATA, "name": "Quiet form"})
    for i in range(2):
        post_json(anon, webform, {"name": f"P{i}", "email": f"p{i}@example.com"})
    client = client_for(admin)
    with django_assert_max_num_queries(12):
        response = client.get("/settings/forms/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Lead form" in html and "Quiet form" in html
    assert f'href="/leads/?form={webform.pk}">2</a>' in html
    forms = selectors.web_forms(admin)
    stats = selectors.web_form_stats(admin, forms)
    assert stats[webform.pk]["leads"] == 2
    assert len(stats) == 1


def test_create_edit_and_embed(client_for, admin, settings):
    client = client_for(admin)
    assert client.get("/settings/forms/new/").status_code == 200
    response = client.post(
        "/settings/forms/new/",
        {
            "name": "Quote request",
            "fields": ["name", "mobile", "message"],
            "required": ["mobile"],
            "kind": "sales",
            "source": "website",
            "consent_text": "I agree",
            "allowed_origins": "www.example.com\nhttps://shop.example.com:443/contact.html",
            "is_active": "on",
        },
    )
    form = WebForm.objects.get(name="Quote request")
    assert response.status_code == 302 and response["Location"] == f"/settings/forms/{form.pk}/"
    assert form.fields == ["name", "mobile", "message"] and form.required == ["mobile"]
    assert form.allowed_origins == "https://www.example.com\nhttps://shop.example.com"
    assert form.created_by_id == admin.pk

    page = client.get(f"/settings/forms/{form.pk}/")
    html = page.content.decode()
    # The embed code, escaped on the page: a form posting to this host, with the honeypot.
    assert (
        f"&lt;form action=&quot;http://testserver/f/{form.key}/&quot; method=&quot;post&quot;"
        in html
    )
    assert "name=&quot;website&quot;" in html and "tabindex=&quot;-1&quot;" in html
    assert "name=&quot;mobile&quot;" in html and "name=&quot;email&quot;" not in html
    assert "name=&quot;marketing_consent&quot;" in html
    assert f"&lt;iframe src=&quot;http://testserver/f/{form.key}/&quot;" in html
    assert 'data-copy="#embed-html"' in html and "leads/forms.js" in html
    assert "<script>" not in html
    # With the public address configured, the snippet posts there, whatever this request's.
    settings.PUBLIC_URL, settings.PUBLIC_URL_SET = "https://crm.example.com", True
    html = client.get(f"/settings/forms/{form.pk}/").content.decode()
    assert f"&lt;form action=&quot;https://crm.example.com/f/{form.key}/&quot;" in html

    response = client.post(
        f"/settings/forms/{form.pk}/",
        {
            "version": form.version,
            "name": "Quote request",
            "fields": ["name", "mobile", "email"],
            "required": ["mobile", "email"],
            "kind": "enquiry",
            "source": "website",
        },
    )
    assert response.status_code == 302
    form.refresh_from_db()
    assert (form.kind, form.required, form.is_active) == ("enquiry", ["mobile", "email"], False)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"fields": ["name", "company"]}, "fields", "Ask for at least one of mobile"),
        ({"required": ["title"]}, "required", "A required field must be on the form."),
        ({"allowed_origins": "ftp://x.example\nok.example"}, "allowed_origins", "is not a website"),
        ({"redirect_url": "not a url"}, "redirect_url", "Enter a valid URL."),
        ({"name": ""}, "name", "This field is required."),
    ],
)
def test_builder_shows_field_errors(client_for, admin, webform, change, field, message):
    data = {
        "version": webform.version,
        "name": webform.name,
        "fields": webform.fields,
        "required": webform.required,
        "kind": webform.kind,
        "source": webform.source,
        "is_active": "on",
        **change,
    }
    response = client_for(admin).post(f"/settings/forms/{webform.pk}/", data)
    assert response.status_code == 200
    assert message in response.context["form"].errors[field][0]
    assert f'id="id_{field}-errors"' in response.content.decode()
    webform.refresh_from_db()
    assert webform.version == 1


def test_stale_edit_is_refused(client_for, admin, webform):
    configuration.web_form_save(actor=admin, form=webform, data={"campaign": "Changed"})
    data = {
        "version": 1,
        "name": "Renamed",
        "fields": webform.fields,
        "kind": "sales",
        "source": "website",
    }
    response = client_for(admin).post(f"/settings/forms/{webform.pk}/", data)
    assert response.status_code == 200
    assert "changed by someone else" in response.content.decode()
    assert WebForm.objects.get(pk=webform.pk).name == "Lead form"


def test_delete_asks_then_deletes_and_keeps_the_leads(client_for, anon, admin, webform):
    post_json(anon, webform, {"name": "Kept", "email": "kept@example.com"})
    client = client_for(admin)
    page = client.get(f"/settings/forms/{webform.pk}/delete/")
    assert page.status_code == 200 and "1 lead it captured stays" in page.content.decode()
    response = client.post(f"/settings/forms/{webform.pk}/delete/", {"version": 1})
    assert response.status_code == 302 and response["Location"] == "/settings/forms/"
    assert not WebForm.objects.exists()
    assert Lead.objects.get().form_id is None
    assert anon.get(url(webform)).status_code == 404
