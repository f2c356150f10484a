"""Background jobs of core: sending notification emails."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _
from huey.contrib.djhuey import db_task

log = logging.getLogger(__name__)


@db_task(retries=3, retry_delay=60)
def send_notification_email(notification_id: int) -> bool:
    from guanxi.core.models import Notification
    from guanxi.core.notifications import language_of

    note = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if note is None or not note.user.email:
        return False
    with translation.override(language_of(note.user)):
        link = f"{settings.PUBLIC_URL}{note.url}" if note.url else settings.PUBLIC_URL
        body = f"{note.text}\n\n{link}\n\n— guanxi"
        send_mail(
            subject=_("[guanxi] %(text)s") % {"text": note.text[:120]},
            message=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[note.user.email],
        )
    log.info("notification emailed", extra={"notification": note.pk})
    return True
