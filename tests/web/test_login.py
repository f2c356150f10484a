"""Sign-in, throttling, sign-out and the language and time-zone preferences."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from guanxi.core.models import User
from tests.conftest import PASSWORD


def _login(client, username, password, **extra):
    return client.post(reverse("web:login"), {"username": username, "password": password}, **extra)


def test_login_and_logout(client, rep):
    assert client.get(reverse("web:login")).status_code == 200
    response = _login(client, "rep", PASSWORD)
    assert response.status_code == 302 and response.url == reverse("web:home")
    assert client.get(reverse("web:home")).status_code == 200
    assert client.post(reverse("web:logout")).status_code == 302
    assert client.get(reverse("web:home")).status_code == 302


def test_login_redirects_to_a_safe_next_only(client, rep):
    response = client.post(
        reverse("web:login") + "?next=/accounts/",
        {"username": "rep", "password": PASSWORD, "next": "/accounts/"},
    )
    assert response.url == "/accounts/"
    client.logout()
    response = client.post(
        reverse("web:login"),
        {"username": "rep", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response.url == reverse("web:home")


def test_wrong_password(client, rep):
    response = _login(client, "rep", "wrong")
    assert response.status_code == 401
    assert "not correct" in response.content.decode()


def test_throttle_locks_the_account_after_n_failures(client, rep):
    for _ in range(settings.LOGIN_THROTTLE_ATTEMPTS):
        assert _login(client, "rep", "wrong").status_code == 401
    # Locked: even the right password is refused, with a clear message.
    response = _login(client, "rep", PASSWORD)
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_throttle_counts_per_client_address(client, org, rep):
    for i in range(settings.LOGIN_THROTTLE_ATTEMPTS):
        _login(client, f"nobody{i}", "wrong", REMOTE_ADDR="10.0.0.9")
    response = _login(client, "rep", PASSWORD, REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 429
    # Another address is not affected.
    assert _login(client, "rep", PASSWORD, REMOTE_ADDR="10.0.0.10").status_code == 302


def test_success_resets_the_counter(client, rep):
    for _ in range(settings.LOGIN_THROTTLE_ATTEMPTS - 1):
        _login(client, "rep", "wrong")
    assert _login(client, "rep", PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.LOGIN_THROTTLE_ATTEMPTS - 1):
        _login(client, "rep", "wrong")
    assert _login(client, "rep", PASSWORD).status_code == 302


def test_user_without_organisation_cannot_log_in(client, db):
    User.objects.create_user(username="root", password=PASSWORD)
    response = _login(client, "root", PASSWORD)
    assert response.status_code == 403
    assert "no organisation" in response.content.decode()


def test_language_switch_persists_and_sets_cookie(client_for, rep):
    client = client_for(rep)
    response = client.post(
        reverse("web:preferences"), {"language": "zh-hans", "next": "/accounts/"}
    )
    assert response.status_code == 302 and response.url == "/accounts/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    rep.refresh_from_db()
    assert rep.language == "zh-hans"
    assert b'<html lang="zh-Hans"' in client.get(reverse("web:home")).content
    client.post(reverse("web:preferences"), {"language": "en"})
    assert b'<html lang="en"' in client.get(reverse("web:home")).content


def test_time_zone_preference(client_for, rep):
    client = client_for(rep)
    client.post(reverse("web:preferences"), {"time_zone": "Europe/Berlin"})
    rep.refresh_from_db()
    assert rep.time_zone == "Europe/Berlin"
    response = client.post(reverse("web:preferences"), {"time_zone": "Mars/Olympus"})
    assert response.status_code == 302
    rep.refresh_from_db()
    assert rep.time_zone == "Europe/Berlin"


def test_api_tokens_on_the_profile(client_for, rep):
    client = client_for(rep)
    response = client.post(reverse("web:profile"), {"name": "Script"})
    secret = response.context["new_secret"]
    assert secret.startswith("gx_") and secret in response.content.decode()
    token = response.context["tokens"][0]
    # Shown once: the next visit lists the token by its prefix only.
    again = client.get(reverse("web:profile")).content.decode()
    assert secret not in again and token.prefix in again
    client.post(reverse("web:token_revoke", args=[token.pk]))
    assert client.get(reverse("web:profile")).context["tokens"] == []
