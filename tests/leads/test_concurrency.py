"""Leads created at the same moment: round-robin never gives two of them the same turn."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection

from guanxi.leads import configuration, services
from guanxi.leads.models import Lead


@pytest.mark.django_db(transaction=True)
def test_round_robin_is_fair_under_concurrent_intake(world):
    admin = world.users["admin"]
    east = world.users["rep_a"].team
    configuration.assignment_rule_save(
        actor=admin, data={"name": "RR", "action": "round_robin", "team": east.pk}
    )
    members = 3  # east_manager, rep_a, rep_b
    per_thread, threads_n = 4, 6
    barrier = threading.Barrier(threads_n)
    errors: list[BaseException] = []

    def intake(n: int) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                services.lead_capture(
                    organisation=world.org,
                    data={"name": f"T{n}-{i}", "email": f"t{n}.{i}@example.cn"},
                    channel="api",
                )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=intake, args=(n,)) for n in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    owners = Counter(Lead.objects.filter(organisation=world.org).values_list("owner_id", flat=True))
    total = per_thread * threads_n
    assert sum(owners.values()) == total
    assert len(owners) == members
    # strict turns: everyone gets exactly a third
    assert set(owners.values()) == {total // members}
