"""Telling people about what concerns them: a notification in the app, and an email when
an SMTP server is configured (``GUANXI_SMTP_URL``). The text is written in the recipient's
language. Domains call ``notify`` from event subscribers, never from their services.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from guanxi.core.models import Notification, User


def language_of(user: User) -> str:
    org = user.organisation
    return user.language or (org.language if org else "") or settings.LANGUAGE_CODE


def notify(user: User, verb: str, text_fn, url: str = "") -> Notification | None:
    """Store a notification for ``user``; ``text_fn()`` is called in their language."""
    if not user.is_active or user.organisation_id is None:
        return None
    with translation.override(language_of(user)):
        text = str(text_fn())[:300]
    note = Notification.objects.create(
        organisation_id=user.organisation_id, user=user, verb=verb, text=text, url=url
    )
    if settings.EMAIL_NOTIFICATIONS and user.email:
        from guanxi.core.tasks import send_notification_email

        transaction.on_commit(lambda: send_notification_email(note.pk))
    return note


def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def recent(user: User, limit: int = 50) -> list[Notification]:
    return list(Notification.objects.filter(user=user).order_by("-id")[:limit])


def mark_read(user: User, ids: list[int] | None = None) -> int:
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
