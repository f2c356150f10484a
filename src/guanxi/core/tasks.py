"""Background jobs of core: sending notification emails, keeping the database's statistics
current."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

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


# Index entries SQLite samples per index when it refreshes its statistics: enough to tell a
# selective index from a poor one, a few hundredths of a second on a million contacts.
ANALYSIS_LIMIT = 1000


@db_periodic_task(crontab(hour="3", minute="40"))
def refresh_statistics() -> bool:
    """SQLite: refresh the query planner's statistics every night.

    SQLite chooses indexes from the statistics ANALYZE last stored, and never refreshes them
    itself: a table that was empty then (leads on a new install) is guessed at ten rows a
    value and may be read row by row once it holds thousands. PostgreSQL's autovacuum
    keeps its own statistics, so there is nothing to do there.
    """
    from django.db import connection

    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}")
        cursor.execute("ANALYZE")
    log.info("database statistics refreshed")
    return True
