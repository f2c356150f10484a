"""Health checks, security headers, production settings and the command line."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.test import Client

from guanxi.core.models import ApiToken, Event, User

STRONG_KEY = "9f3b1c7e5a2d8f4b6c0e1a3d5f7b9c2e4a6d8f0b1c3e5a7d9f2b4c6e8a0d1f3b5"


def test_healthz_and_readyz(db):
    assert Client().get("/healthz").json() == {"status": "ok"}
    body = Client().get("/readyz").json()
    assert body["status"] == "ok" and body["database"] in ("sqlite", "postgresql")


def test_security_headers(db):
    response = Client().get("/healthz")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def _settings_process(env: dict[str, str], code: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("GUANXI_")}
    base.update({"DJANGO_SETTINGS_MODULE": "guanxi.config.settings", **env})
    return subprocess.run(
        [sys.executable, "-c", code], env=base, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    "env",
    [
        {"GUANXI_ENV": "production"},  # no secret key
        {"GUANXI_ENV": "production", "GUANXI_SECRET_KEY": "short"},
        {"GUANXI_ENV": "production", "GUANXI_SECRET_KEY": "k" * 60},
        {
            "GUANXI_ENV": "production",
            "GUANXI_DEBUG": "1",
            "GUANXI_SECRET_KEY": STRONG_KEY,
        },
    ],
)
def test_production_refuses_unsafe_settings(tmp_path, env):
    result = _settings_process(
        {"GUANXI_HOME": str(tmp_path), **env}, "import django; django.setup()"
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr


def test_production_passes_the_deployment_check(tmp_path):
    env = {
        "GUANXI_HOME": str(tmp_path),
        "GUANXI_ENV": "production",
        "GUANXI_SECRET_KEY": STRONG_KEY,
        "GUANXI_ALLOWED_HOSTS": "crm.example.com",
    }
    code = (
        "from guanxi.config.cli import main; main(['check', '--deploy', '--fail-level', 'WARNING'])"
    )
    result = _settings_process(env, code)
    assert result.returncode == 0, result.stdout + result.stderr


def test_createuser_and_token_commands(db, capsys):
    call_command(
        "createuser",
        "owner",
        "--organisation-name",
        "Acme 食品",
        "--role",
        "admin",
        "--password",
        "a-long-enough-password",
    )
    user = User.objects.get(username="owner")
    assert user.role.code == "admin" and user.organisation.name == "Acme 食品"
    capsys.readouterr()
    call_command("token", "create", "--user", "owner")
    out = capsys.readouterr().out.strip().splitlines()
    secret = out[-1]
    assert secret.startswith("gx_")
    assert ApiToken.objects.filter(user=user).count() == 1
    response = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200 and response.json()["username"] == "owner"
    assert Event.objects.filter(verb="token.created").exists()


def test_createuser_refuses_weak_password(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="password"):
        call_command("createuser", "weak", "--organisation-name", "Weak Co", "--password", "123")
    from guanxi.core.models import Organisation

    assert not Organisation.objects.filter(name="Weak Co").exists()


def test_money_and_dates_in_chinese_formats():
    from datetime import date
    from decimal import Decimal

    from django.utils import formats, translation

    from guanxi.web.templatetags.guanxi import money

    with translation.override("zh-hans"):
        assert money(Decimal("1234567.5"), "CNY") == "¥1,234,567.50"
        assert formats.date_format(date(2026, 11, 22)) == "2026年11月22日"
    with translation.override("en"):
        assert money(Decimal("-1234.5"), "USD") == "-$1,234.50"


def test_marking_notifications_read_with_an_id_too_large_is_a_field_error(db, api):
    from tests.conftest import make_org, make_user

    user = make_user(make_org(), "sales_rep")
    status, body, _ = api(user).post("/notifications/read", {"ids": [2**70]})
    assert status == 422, body


def test_nightly_statistics_cover_tables_that_grew_since(world):
    """SQLite keeps no statistics up to date on its own: the nightly job stores them for a
    table that was empty at the last ANALYZE; on PostgreSQL autovacuum does it."""
    from django.db import connection

    from guanxi.core.tasks import refresh_statistics
    from guanxi.leads.services import lead_capture

    for i in range(3):
        lead_capture(organisation=world.org, data={"name": f"L{i}"}, channel="api")
    if connection.vendor != "sqlite":
        assert refresh_statistics.call_local() is False
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("DELETE FROM sqlite_stat1 WHERE tbl = 'leads_lead'")
    assert refresh_statistics.call_local() is True
    with connection.cursor() as cursor:
        cursor.execute("SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 'leads_lead'")
        stats = dict(cursor.fetchall())
    assert stats["lead_mobile_idx"].split()[0] == "3"
