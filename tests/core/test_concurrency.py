"""Two people saving the same version at once: exactly one wins, the other changes nothing."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from guanxi.core.errors import VersionConflict
from guanxi.customers.models import Account
from guanxi.customers.services import account_create, account_update


@pytest.mark.django_db(transaction=True)
def test_concurrent_edits_of_one_version(admin):
    account = account_create(actor=admin, data={"name": "Contested"})
    barrier = threading.Barrier(4)
    outcomes: list[str] = []
    lock = threading.Lock()

    def edit(city: str) -> None:
        try:
            barrier.wait()
            account_update(actor=admin, account=account, data={"city": city}, version=1)
            result = "ok:" + city
        except VersionConflict:
            result = "conflict"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=edit, args=(c,)) for c in ("成都", "重庆", "西安", "兰州")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    winners = [o for o in outcomes if o.startswith("ok:")]
    assert len(outcomes) == 4
    assert len(winners) == 1, outcomes
    stored = Account.objects.get(pk=account.pk)
    assert stored.version == 2
    assert "ok:" + stored.city == winners[0]
