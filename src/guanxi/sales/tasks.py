"""Periodic sales jobs: quotes past their validity expire."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

log = logging.getLogger(__name__)


@db_periodic_task(crontab(hour="0", minute="20"))
def expire_quotes() -> int:
    from guanxi.core.models import Organisation
    from guanxi.sales.quotes import quotes_expire

    total = 0
    for org_id in Organisation.objects.filter(is_active=True).values_list("pk", flat=True):
        total += quotes_expire(organisation_id=org_id)
    if total:
        log.info("quotes expired", extra={"count": total})
    return total
