"""Periodic lead jobs: leads and accounts nobody followed up go back to their pool; scores
decay."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*/15"))
def reclaim_leads() -> int:
    from guanxi.leads.account_pool import accounts_reclaim
    from guanxi.leads.services import pool_reclaim

    count = pool_reclaim()
    if count:
        log.info("leads reclaimed", extra={"count": count})
    accounts = accounts_reclaim()
    if accounts:
        log.info("accounts reclaimed", extra={"count": accounts})
    return count + accounts


@db_periodic_task(crontab(hour="3", minute="10"))
def rescore_leads() -> int:
    from guanxi.core.models import Organisation
    from guanxi.leads.services import rescore_open

    total = 0
    for org_id in Organisation.objects.filter(is_active=True).values_list("pk", flat=True):
        total += rescore_open(organisation_id=org_id)
    return total


@db_task()
def rescore_organisation(organisation_id: int) -> int:
    """Scores and predicted conversion of every open lead, after the model was retrained."""
    from guanxi.leads.services import rescore_open

    return rescore_open(organisation_id=organisation_id)
