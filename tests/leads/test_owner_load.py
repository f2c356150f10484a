"""The open-lead counts the database keeps per owner (``guanxi.leads.load``): exact after
every way a lead is made, moved, closed or removed, and what least-loaded assignment and
the pools' claim limits read."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from guanxi.leads import configuration, load, services
from guanxi.leads.models import OPEN_STATUSES, Lead, OwnerLoad, Pool

pytestmark = pytest.mark.django_db


def kept() -> dict[int, int]:
    return {o: n for o, n in OwnerLoad.objects.values_list("owner_id", "open_leads") if n}


def counted() -> dict[int, int]:
    return dict(
        Lead.objects.filter(owner__isnull=False, status__in=OPEN_STATUSES)
        .values_list("owner_id")
        .annotate(n=Count("id"))
        .values_list("owner_id", "n")
    )


def capture(org, **data):
    return services.lead_capture(organisation=org, data=data, channel="web_form")


def test_counts_follow_every_change(world):
    rep, other = world.users["rep_a"], world.users["rep_b"]
    manager = world.users["manager"]
    pool = Pool.objects.get(organisation=world.org)
    a = services.lead_create(actor=rep, data={"name": "A", "email": "a@x.cn"})
    b = services.lead_create(actor=rep, data={"name": "B", "email": "b@x.cn"})
    pooled = capture(world.org, name="P", email="p@x.cn")  # no rule: to the pool
    assert pooled.owner_id is None
    assert kept() == counted() == {rep.pk: 2}

    a = services.lead_assign(actor=manager, lead=a, owner=other.pk)
    assert kept() == counted() == {rep.pk: 1, other.pk: 1}
    a = services.lead_set_status(actor=other, lead=a, status="contacted")  # still open
    assert kept() == {rep.pk: 1, other.pk: 1}
    a = services.lead_set_status(actor=other, lead=a, status="disqualified", reason="Spam")
    assert kept() == counted() == {rep.pk: 1}
    services.lead_claim(actor=other, lead=pooled)
    assert kept() == counted() == {rep.pk: 1, other.pk: 1}
    b = services.lead_release(actor=rep, lead=b, reason="Not mine")
    assert kept() == counted() == {other.pk: 1}
    services.lead_claim(actor=rep, lead=b)
    Lead.objects.filter(pk=b.pk).update(
        touched_at=timezone.now() - timedelta(days=pool.reclaim_days + 1)
    )
    assert services.pool_reclaim() == 1  # one UPDATE of many rows
    assert kept() == counted() == {other.pk: 1}
    services.lead_delete(actor=world.users["admin"], lead=Lead.objects.get(pk=pooled.pk))
    assert kept() == counted() == {}


def test_rebuild_recounts_from_the_leads(world):
    rep = world.users["rep_a"]
    for i in range(3):
        services.lead_create(actor=rep, data={"name": f"L{i}", "email": f"l{i}@x.cn"})
    OwnerLoad.objects.all().update(open_leads=99)
    with connection.cursor() as cursor:
        load.rebuild(cursor, connection.vendor, [world.org.pk])
    assert kept() == counted() == {rep.pk: 3}
    services.lead_create(actor=rep, data={"name": "L3", "email": "l3@x.cn"})
    assert kept() == {rep.pk: 4}  # the triggers are back


def test_least_loaded_gives_to_whoever_holds_fewest(world):
    admin = world.users["admin"]
    a, b, boss = world.users["rep_a"], world.users["rep_b"], world.users["east_manager"]
    for i, owner in enumerate([a, a, b]):
        services.lead_create(actor=owner, data={"name": f"H{i}", "email": f"h{i}@x.cn"})
    configuration.assignment_rule_save(
        actor=admin, data={"name": "Load", "action": "least_loaded", "team": a.team_id}
    )
    owners = [capture(world.org, name=f"N{i}", email=f"n{i}@x.cn").owner for i in range(3)]
    # a holds two, b one, the manager none: the manager first, and a not before the others
    # have caught up with them.
    assert owners[0] == boss and a not in owners
    loads = kept()
    assert loads == counted() and loads[a.pk] == loads[b.pk] == loads[boss.pk] == 2


def test_counts_follow_statements_that_change_many_leads(world):
    """Imports write leads with COPY / executemany, the reclaim job and fixes move or remove
    thousands in one statement: each owner's count is right after every one of them."""
    from guanxi.dataio.importer import bulk

    rep, other = world.users["rep_a"], world.users["rep_b"]
    now = timezone.now()
    fields = [f for f in Lead._meta.concrete_fields if f.name != "id"]
    template = Lead(organisation=world.org, name="Bulk", channel="import", created_at=now)
    template.updated_at = now
    rows = []
    for i in range(600):
        template.owner_id = (rep.pk, other.pk, None)[i % 3]
        template.status = OPEN_STATUSES[i % len(OPEN_STATUSES)] if i % 5 else "disqualified"
        template.email = f"bulk{i}@x.cn"
        values = (f.get_db_prep_save(f.pre_save(template, True), connection) for f in fields)
        rows.append(tuple(values))
    with transaction.atomic():
        bulk.insert(Lead._meta.db_table, [f.column for f in fields], rows)
    assert kept() == counted() and kept()[rep.pk] > 100

    Lead.objects.filter(owner=rep, status="new").update(owner=other)  # one owner to another
    assert kept() == counted()
    Lead.objects.filter(owner=other, status="contacted").update(status="converted")
    assert kept() == counted()
    Lead.objects.filter(owner__isnull=True).update(owner=rep, status="qualified")
    assert kept() == counted()
    Lead.objects.filter(owner=rep).update(score=7)  # neither owner nor status
    assert kept() == counted()
    with transaction.atomic():  # several statements in one transaction
        Lead.objects.filter(owner=other).update(owner=rep)
        Lead.objects.filter(owner=rep, status="qualified").update(owner=other)
        Lead.objects.filter(owner=other).delete()
    assert kept() == counted()


def test_statements_moving_leads_between_organisations_or_losing_a_missing_row(world):
    from guanxi.leads.models import OwnerLoad

    rep, other = world.users["rep_a"], world.users["rep_b"]
    leads = [
        services.lead_create(actor=rep, data={"name": f"M{i}", "email": f"m{i}@x.cn"})
        for i in range(3)
    ]
    # Same owner, another organisation, in one statement: the count nets out (one row each).
    Lead.objects.filter(pk=leads[0].pk).update(organisation=world.other_org)
    Lead.objects.filter(pk=leads[0].pk).update(organisation=world.org)
    assert kept() == counted() == {rep.pk: 3}
    # A counter row that is gone is never brought back by a loss (no negative counts).
    OwnerLoad.objects.filter(owner=rep).delete()
    Lead.objects.filter(pk__in=[lead.pk for lead in leads]).update(owner=other)
    assert not OwnerLoad.objects.filter(open_leads__lt=0).exists()
    assert kept() == {other.pk: 3}
