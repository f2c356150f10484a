"""Signing in with a username and password, and reading the signed-in user on each request."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class UserBackend(ModelBackend):
    """Django's model backend, reading the session's user together with what every page
    asks of it — role (rights and scope), team (scope) and organisation (currency, time
    zone) — in one query instead of four."""

    def get_user(self, user_id):
        model = get_user_model()
        try:
            user = model._default_manager.select_related("role", "team", "organisation").get(
                pk=user_id
            )
        except model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
