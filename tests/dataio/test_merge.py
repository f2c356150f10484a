"""Merging: every relation moves, undo restores exactly, rights and scope are enforced."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from django.core import serializers
from django.db import connection

from guanxi.activities.services import activity_create
from guanxi.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from guanxi.core.models import Event, Tag
from guanxi.customers.models import Account, Contact
from guanxi.customers.services import account_create, contact_create
from guanxi.dataio import merge as merging
from guanxi.dataio.models import DuplicateCluster, DuplicateMember, Merge
from guanxi.leads.models import Lead, LeadMatch
from guanxi.leads.services import lead_create
from guanxi.sales.contracts import contract_create
from guanxi.sales.models import Instalment, Receipt, StageTotal
from guanxi.sales.orders import order_create
from guanxi.sales.quotes import quote_create
from guanxi.sales.services import opportunity_create
from guanxi.sales.totals import rebuild


def _lead(actor, **data):
    return lead_create(actor=actor, data={"name": "Lead", **data}, owner=actor)


# One way to make a row for each relation pointing at the merged record: (model label,
# column) -> fn(actor, record) creating such a row. A new relation without an entry here
# fails ``test_every_relation_has_a_row`` — add one, and the merge tests cover it.
BUILDERS = {
    "account": {
        "customers.Account_tags.account_id": lambda a, r: r.tags.add(
            Tag.objects.create(organisation=a.organisation, name=f"t{r.pk}")
        ),
        "customers.Contact.account_id": lambda a, r: contact_create(
            actor=a, data={"name": "C", "account": r}
        ),
        "sales.Opportunity.account_id": lambda a, r: opportunity_create(
            actor=a, data={"name": "D", "account": r, "amount": "10"}
        ),
        "leads.Lead.account_id": lambda a, r: Lead.objects.filter(
            pk=_lead(a, email=f"l{r.pk}@x.cn").pk
        ).update(account=r),
        "activities.Activity.account_id": lambda a, r: activity_create(
            actor=a, data={"subject": "S", "kind": "call", "account": r}
        ),
    },
    "contact": {
        "customers.Contact_tags.contact_id": lambda a, r: r.tags.add(
            Tag.objects.create(organisation=a.organisation, name=f"t{r.pk}")
        ),
        "sales.Opportunity.contact_id": lambda a, r: (
            opportunity_create(
                actor=a,
                data={
                    "name": "D",
                    "account": account_create(actor=a, data={"name": "X"}),
                    "amount": 5,
                },
            )
            and type(r).objects.none()
        ),
        "leads.Lead.contact_id": lambda a, r: Lead.objects.filter(
            pk=_lead(a, email=f"c{r.pk}@x.cn").pk
        ).update(contact=r),
        "activities.Activity.contact_id": lambda a, r: activity_create(
            actor=a, data={"subject": "S", "kind": "call", "contact": r}
        ),
    },
    "lead": {
        "leads.LeadMatch.lead_id": lambda a, r: LeadMatch.objects.create(
            organisation=a.organisation, lead=r, object_type="account", object_id=1, reason="phone"
        ),
        "activities.Activity.lead_id": lambda a, r: activity_create(
            actor=a, data={"subject": "S", "kind": "call", "lead": r}
        ),
    },
}
BUILDERS["contact"]["sales.Opportunity.contact_id"] = lambda a, r: opportunity_create(
    actor=a,
    data={"name": "D", "account": r.account, "contact": r, "amount": "5"},
)
BUILDERS["account"]["sales.Quote.account_id"] = lambda a, r: quote_create(
    actor=a, opportunity=opportunity_create(actor=a, data={"name": "Q", "account": r})
)
BUILDERS["contact"]["sales.Quote.contact_id"] = lambda a, r: quote_create(
    actor=a,
    opportunity=opportunity_create(
        actor=a, data={"name": "Q", "account": r.account, "contact": r, "amount": "5"}
    ),
)


def _payment_row(model, actor, account) -> None:
    """An instalment or a receipt of an order of the account, written straight (the payment
    services are not here to make them)."""

    order = order_create(actor=actor, data={"account": account})
    extra = (
        {"due_date": date(2026, 3, 1)} if model is Instalment else {"received_on": date(2026, 3, 1)}
    )
    model.objects.create(
        organisation=actor.organisation,
        owner=actor,
        order=order,
        account=account,
        amount=Decimal("10.00"),
        **extra,
    )


BUILDERS["account"]["sales.Order.account_id"] = lambda a, r: order_create(
    actor=a, data={"account": r}
)
BUILDERS["account"]["sales.Contract.account_id"] = lambda a, r: contract_create(
    actor=a, data={"account": r}
)
BUILDERS["account"]["sales.Instalment.account_id"] = lambda a, r: _payment_row(Instalment, a, r)
BUILDERS["account"]["sales.Receipt.account_id"] = lambda a, r: _payment_row(Receipt, a, r)
BUILDERS["contact"]["sales.Order.contact_id"] = lambda a, r: order_create(
    actor=a, data={"account": r.account, "contact": r}
)
BUILDERS["contact"]["sales.Contract.contact_id"] = lambda a, r: contract_create(
    actor=a, data={"account": r.account, "contact": r}
)


def _pool(actor, account):
    """A pool entry for the account, written straight: the merge must carry it (or, when the
    survivor has one of its own, drop it and bring it back on undo)."""
    from guanxi.leads.models import Pool, PooledAccount

    PooledAccount.objects.create(
        organisation=actor.organisation,
        account=account,
        pool=Pool.objects.filter(organisation=actor.organisation).first(),
        previous_owner=actor,
    )


BUILDERS["account"]["leads.PooledAccount.account_id"] = _pool
MODELS = {"account": Account, "contact": Contact, "lead": Lead}


@pytest.mark.parametrize("object_type", ["account", "contact", "lead"])
def test_every_relation_has_a_row(object_type):
    """Every foreign key to the model is known here, so the tests below exercise it."""
    found = {f"{m._meta.label}.{f.attname}" for m, f in merging.relations(MODELS[object_type])}
    assert found == set(BUILDERS[object_type]), (
        "A relation was added or removed: update BUILDERS in tests/dataio/test_merge.py"
    )


def _make(object_type, actor, name, **extra):
    if object_type == "account":
        return account_create(actor=actor, data={"name": name, **extra})
    if object_type == "contact":
        account = account_create(actor=actor, data={"name": f"Co {name}"})
        return contact_create(actor=actor, data={"name": name, "account": account, **extra})
    return _lead(actor, name=name, **extra)


def _pointing(object_type, pk) -> dict[str, list[int]]:
    """Ids of every row pointing at the record, per relation (and generic pointers)."""
    out = {}
    for model, field in merging.relations(MODELS[object_type]):
        out[f"{model._meta.label}.{field.attname}"] = sorted(
            model._base_manager.filter(**{field.attname: pk}).values_list("pk", flat=True)
        )
    for model, type_column, id_column in merging.GENERIC_POINTERS:
        out[f"{model._meta.label}.{id_column}"] = sorted(
            model._base_manager.filter(**{type_column: object_type, id_column: pk}).values_list(
                "pk", flat=True
            )
        )
    return out


def _row(model, pk) -> dict:
    return json.loads(serializers.serialize("json", model._base_manager.filter(pk=pk)))[0]


def _all_related(object_type, pks) -> list:
    rows = []
    for model, field in merging.relations(MODELS[object_type]):
        qs = model._base_manager.filter(**{f"{field.attname}__in": pks}).order_by("pk")
        rows += json.loads(serializers.serialize("json", qs))
    return sorted(rows, key=lambda r: (r["model"], r["pk"]))


@pytest.mark.parametrize("object_type", ["account", "contact", "lead"])
def test_merge_moves_every_relation_and_undo_restores_exactly(world, object_type):
    admin = world.users["admin"]
    survivor = _make(object_type, admin, "Keep Me", email="keep@example.com")
    merged = _make(object_type, admin, "Merge Me", email="merge@example.com")
    for builder in BUILDERS[object_type].values():
        builder(admin, merged)
        builder(admin, survivor)
    # a link both records have: the merged record's copy is dropped, then restored
    shared = Tag.objects.create(organisation=world.org, name="both")
    if hasattr(merged, "tags"):
        merged.tags.add(shared)
        survivor.tags.add(shared)
    LeadMatch.objects.create(
        organisation=world.org,
        lead=_lead(admin, email="m@x.cn"),
        object_type=object_type,
        object_id=merged.pk,
        reason="email",
    )
    before_merged = _pointing(object_type, merged.pk)
    before_survivor = _pointing(object_type, survivor.pk)
    model = MODELS[object_type]
    snapshot = {
        "merged": _row(model, merged.pk),
        "survivor": _row(model, survivor.pk),
        "related": _all_related(object_type, [merged.pk, survivor.pk]),
    }
    assert all(before_merged.values()), before_merged  # a row for every relation

    merge = merging.merge_records(
        actor=admin,
        object_type=object_type,
        survivor=survivor,
        merged=merged,
        values={"email": "merged"},
    )

    assert not model._base_manager.filter(pk=merged.pk).exists()
    after = _pointing(object_type, survivor.pk)
    for key, ids in before_merged.items():
        assert set(ids) - set(after[key]) <= {r["pk"] for r in merge.removed.get(key, [])}, key
        assert set(before_survivor[key]) <= set(after[key])
    assert model.objects.get(pk=survivor.pk).email == "merge@example.com"
    event = Event.objects.get(verb=f"{object_type}.merged")
    assert event.data["merge"] == merge.pk and event.object_id == survivor.pk

    restored = merging.merge_undo(actor=admin, merge=merge)

    assert restored.pk == merged.pk
    after_undo = {
        "merged": _row(model, merged.pk),
        "survivor": _row(model, survivor.pk),
        "related": _all_related(object_type, [merged.pk, survivor.pk]),
    }
    assert after_undo["merged"] == snapshot["merged"]
    ignore = {"version", "updated_at", "updated_by", "search_tokens", "score", "scored_at"}

    def same(row):
        return {k: v for k, v in row["fields"].items() if k not in ignore}

    assert same(after_undo["survivor"]) == same(snapshot["survivor"])
    # the same rows, ids included, pointing where they did (moved rows' versions went up)
    assert _strip(after_undo["related"]) == _strip(snapshot["related"])
    assert _pointing(object_type, merged.pk) == before_merged
    assert Merge.objects.get(pk=merge.pk).undone_at is not None
    with pytest.raises(InvalidTransition):
        merging.merge_undo(actor=admin, merge=merge)


def _strip(rows):
    return [
        (r["model"], r["pk"], {k: v for k, v in r["fields"].items() if k != "version"})
        for r in rows
    ]


def test_merge_needs_update_on_survivor_and_delete_on_merged(world):
    rep = world.users["rep_a"]
    mine = world.records["rep_a"].account
    other = account_create(actor=rep, data={"name": "Second"})
    with pytest.raises(PermissionDenied):  # reps have no delete right
        merging.merge_records(actor=rep, object_type="account", survivor=mine, merged=other)
    east = world.users["east_manager"]
    outside = world.records["rep_c"].account  # North: not in the East manager's scope
    with pytest.raises(NotFound):
        merging.merge_records(actor=east, object_type="account", survivor=mine, merged=outside)
    with pytest.raises(NotFound):
        merging.merge_records(actor=east, object_type="account", survivor=outside, merged=mine)
    stranger = world.records["stranger"].account
    with pytest.raises(NotFound):
        merging.merge_records(
            actor=world.users["admin"], object_type="account", survivor=mine, merged=stranger
        )
    with pytest.raises(ValidationFailed):
        merging.merge_records(actor=east, object_type="account", survivor=mine, merged=mine)
    with pytest.raises(ValidationFailed):
        merging.merge_records(
            actor=east, object_type="account", survivor=mine, merged=other, values={"owner": "x"}
        )
    merge = merging.merge_records(actor=east, object_type="account", survivor=mine, merged=other)
    assert merge.survivor_id == mine.pk
    with pytest.raises(PermissionDenied):
        merging.merge_undo(actor=rep, merge=merge)


def test_merge_keeps_the_deal_board_totals(world):
    admin = world.users["admin"]
    a = world.records["rep_a"].account
    b = world.records["rep_b"].account
    before = sorted(StageTotal.objects.values_list("stage_id", "owner_id", "deals", "cents"))
    merge = merging.merge_records(actor=admin, object_type="account", survivor=a, merged=b)
    assert sorted(StageTotal.objects.values_list("stage_id", "owner_id", "deals", "cents")) == (
        before
    )
    merging.merge_undo(actor=admin, merge=merge)
    with connection.cursor() as cursor:
        rebuild(cursor, connection.vendor)
    assert sorted(StageTotal.objects.values_list("stage_id", "owner_id", "deals", "cents")) == (
        before
    )


def test_merge_closes_the_group_and_undo_opens_it(world):
    admin = world.users["admin"]
    a = account_create(actor=admin, data={"name": "鑫盛食品有限公司"})
    b = account_create(actor=admin, data={"name": "杭州鑫盛食品有限公司"})
    from guanxi.dataio.models import DedupeRun

    run = DedupeRun.objects.create(
        organisation=world.org, object_type="account", threshold=80, status="done"
    )
    cluster = DuplicateCluster.objects.create(
        organisation=world.org,
        run=run,
        object_type="account",
        confidence=90,
        size=2,
        pairs=[[a.pk, b.pk, 90]],
    )
    for pk in (a.pk, b.pk):
        DuplicateMember.objects.create(
            organisation_id=world.org.pk, cluster=cluster, object_type="account", object_id=pk
        )
    merge = merging.merge_records(
        actor=admin, object_type="account", survivor=a, merged=b, cluster=cluster
    )
    cluster.refresh_from_db()
    assert cluster.status == DuplicateCluster.Status.MERGED
    merging.merge_undo(actor=admin, merge=merge)
    cluster.refresh_from_db()
    assert cluster.status == DuplicateCluster.Status.OPEN


def test_undo_gives_back_times_to_the_microsecond(world):
    """A time is kept whole for the undo, not cut to the millisecond."""
    from datetime import UTC, datetime

    admin = world.users["admin"]
    survivor = _make("contact", admin, "Keep")
    merged = _make("contact", admin, "Gone")
    when = datetime(2026, 3, 1, 8, 30, 5, 123, tzinfo=UTC)
    Contact.objects.filter(pk=merged.pk).update(created_at=when)
    merge = merging.merge_records(
        actor=admin, object_type="contact", survivor=survivor, merged=merged
    )
    restored = merging.merge_undo(actor=admin, merge=merge)
    assert Contact.objects.get(pk=restored.pk).created_at == when
