"""Periodic sales jobs: quotes past their validity expire; owners hear of payments due;
contract owners are reminded of renewals, and contracts past their end expire or renew."""

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


# 00:30 UTC is 08:30 in China, at the start of the working day; a second run the same day
# reminds of nothing twice.
@db_periodic_task(crontab(hour="0", minute="30"))
def remind_payments() -> int:
    from guanxi.core.models import Organisation
    from guanxi.sales.payment_reminders import remind_payments as remind

    total = 0
    for org_id in Organisation.objects.filter(is_active=True).values_list("pk", flat=True):
        total += remind(organisation_id=org_id)
    if total:
        log.info("payment reminders", extra={"count": total})
    return total


@db_periodic_task(crontab(hour="0", minute="30"))
def contracts_daily() -> dict[str, int]:
    """Renewal reminders, and contracts past their end expired or renewed."""
    from guanxi.core.models import Organisation
    from guanxi.sales import contracts

    total = {"reminded": 0, "expired": 0, "renewed": 0}
    for org_id in Organisation.objects.filter(is_active=True).values_list("pk", flat=True):
        for key, n in contracts.contracts_daily(organisation_id=org_id).items():
            total[key] += n
    if any(total.values()):
        log.info("contracts checked", extra=total)
    return total
