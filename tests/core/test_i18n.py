"""The Simplified Chinese catalogue is complete, consistent and compiled, and the UI speaks it."""

from __future__ import annotations

import pathlib
import re

import polib
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from guanxi.core.models import Role
from guanxi.core.services import organisation_create, user_set_preferences
from guanxi.sales.models import Pipeline
from tests.conftest import PASSWORD, ApiClient, make_org, make_records, make_user

LOCALE = pathlib.Path(settings.LOCALE_PATHS[0])
PO_PATH = LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")

# %(name)s, %s, %d, %% ... and {name} / {} (python-brace-format).
PRINTF = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]")
BRACE = re.compile(r"\{[A-Za-z_]\w*\}|\{\}")


@pytest.fixture(scope="module")
def po() -> polib.POFile:
    return polib.pofile(str(PO_PATH))


@pytest.fixture(autouse=True)
def _default_language_afterwards():
    """Requests as a zh-hans user leave Chinese active in the thread: reset it for others."""
    yield
    translation.deactivate()


def _placeholders(text: str, flags: list[str]) -> list[str]:
    found = PRINTF.findall(text) if "python-format" in flags else []
    if "python-brace-format" in flags or not found:
        found += BRACE.findall(text)
    return sorted(found)


def _translations(entry: polib.POEntry) -> list[str]:
    if entry.msgid_plural:
        return [entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


# --- The catalogue ------------------------------------------------------------------------


def test_header(po):
    assert po.metadata["Language"] == "zh_Hans"
    assert "charset=UTF-8" in po.metadata["Content-Type"]
    assert po.metadata["Plural-Forms"].replace(" ", "") == "nplurals=1;plural=0;"
    assert not po.metadata_is_fuzzy


def test_every_entry_is_translated_and_none_is_fuzzy(po):
    assert len(po) > 400
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []
    assert [e.msgid for e in po.obsolete_entries()] == []
    for entry in po:
        if entry.msgid_plural:
            assert set(entry.msgstr_plural) == {0}, entry.msgid  # Chinese has one form
        for text in _translations(entry):
            assert text.strip(), entry.msgid


def test_placeholders_are_kept(po):
    for entry in po:
        wanted = _placeholders(entry.msgid, entry.flags)
        for text in _translations(entry):
            assert _placeholders(text, entry.flags) == wanted, entry.msgid
            # Markup in a msgid comes back intact.
            assert sorted(re.findall(r"</?\w+[^>]*>", text)) == sorted(
                re.findall(r"</?\w+[^>]*>", entry.msgid)
            ), entry.msgid


def test_translations_are_chinese(po):
    """A msgstr left in English is a forgotten translation (a few may stay Latin)."""
    han = re.compile(r"[\u4e00-\u9fff]")
    for entry in po:
        words = BRACE.sub("", PRINTF.sub("", entry.msgid))
        if not re.search(r"[A-Za-z]{2}", words):  # only placeholders, like "{object}: {action}"
            continue
        for text in _translations(entry):
            assert han.search(text), entry.msgid


def test_compiled_catalogue_matches_the_po(po, tmp_path):
    assert MO_PATH.exists(), "run scripts/compile_messages.py"
    fresh = tmp_path / "django.mo"
    po.save_as_mofile(str(fresh))

    def entries(mo: polib.MOFile) -> dict:
        return {(e.msgctxt, e.msgid): (e.msgstr, dict(e.msgstr_plural)) for e in mo}

    # Entries, not bytes: msgfmt and polib lay the same catalogue out differently.
    assert entries(polib.mofile(str(MO_PATH))) == entries(polib.mofile(str(fresh))), (
        "the .mo is stale: run scripts/compile_messages.py"
    )


# --- The interface in Chinese --------------------------------------------------------------


@pytest.fixture
def zh_client(db):
    org = make_org()
    user = make_user(org, "admin")
    user_set_preferences(user=user, language="zh-hans")
    records = make_records(user)
    client = Client()
    client.force_login(user)
    return client, records


def _page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_pages_render_in_chinese(zh_client):
    client, records = zh_client
    pages = {
        reverse("web:home"): ["首页", "客户", "商机", "未来 7 天的任务", "退出登录"],
        reverse("customers:account_list"): ["新建客户", "客户等级", "负责人", "筛选"],
        reverse("customers:account_detail", args=[records.account.pk]): [
            "动态",
            "写跟进",
            "新建商机",
            "赢单金额",
            "创建了客户",
        ],
        reverse("sales:board"): ["商机看板", "将卡片拖到其他列", "输单原因"],
        reverse("sales:deal_list"): ["新建商机", "预计成交日期", "最近更新"],
        reverse("activities:activity_list"): ["跟进记录", "截止时间"],
    }
    for url, expected in pages.items():
        html = _page(client, url)
        assert 'lang="zh-Hans"' in html, url
        for text in expected:
            assert text in html, (url, text)
        for english in ("Sign out", "New account", "Accounts</a>"):
            assert english not in html, (url, english)


def test_login_page_in_chinese(db):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = _page(client, reverse("web:login"))
    assert "登录" in html and "用户名" in html and "密码" in html
    assert "Sign in" not in html


def test_user_preference_wins_after_signing_in(db):
    org = make_org()
    user = make_user(org, "sales_rep", username="zhuser")
    user_set_preferences(user=user, language="zh-hans")
    client = Client()
    response = client.post(reverse("web:login"), {"username": "zhuser", "password": PASSWORD})
    assert response.status_code == 302
    html = _page(client, reverse("web:home"))
    assert "首页" in html and "Home</a>" not in html


def test_new_organisation_is_set_up_in_its_language(db):
    org = organisation_create(name="鑫味食品", slug="xinwei", language="zh-hans")
    names = set(Role.objects.filter(organisation=org).values_list("name", flat=True))
    assert names == {"管理员", "销售经理", "销售代表"}
    pipeline = Pipeline.objects.get(organisation=org)
    assert pipeline.name == "标准销售流程"
    assert [s.name for s in pipeline.stages.order_by("position")][-2:] == ["赢单", "输单"]
    english = make_org()
    assert set(Role.objects.filter(organisation=english).values_list("name", flat=True)) == {
        "Administrator",
        "Sales manager",
        "Sales rep",
    }


# --- The API --------------------------------------------------------------------------------


def test_api_errors_in_chinese_for_a_signed_in_zh_user(zh_client):
    client, _ = zh_client
    response = client.get("/api/v1/accounts/999999999")
    assert response.status_code == 404
    assert response.json()["error"] == {"code": "not_found", "message": "未找到。", "fields": {}}


def test_api_errors_follow_accept_language_with_a_token(db):
    user = make_user(make_org(), "admin")
    token = ApiClient(user).token
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = client.get("/api/v1/accounts/999999999", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.json()["error"]["message"] == "未找到。"
    response = client.post(
        "/api/v1/accounts",
        data={"name": "x", "bogus": 1},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    error = response.json()["error"]
    assert error["message"] == "部分字段无效。"
    assert error["fields"]["bogus"] == ["此处不能设置该字段。"]


def test_api_errors_in_the_token_users_language(db):
    from guanxi.core.services import user_set_preferences

    user = make_user(make_org(), "admin")
    user_set_preferences(user=user, language="zh-hans")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {ApiClient(user).token}")
    response = client.get("/api/v1/accounts/999999999")
    assert response.json()["error"]["message"] == "未找到。"
    response = client.get("/api/v1/accounts/999999999", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["error"]["message"] == "Not found."
