"""The board's per-stage figures come from totals the database keeps: they must always equal
counting the deals each user can see, whatever changes the deals and whoever looks."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count, Sum

from guanxi.customers.services import account_create
from guanxi.sales import totals
from guanxi.sales.models import Opportunity, Pipeline, Stage, StageTotal
from guanxi.sales.selectors import kanban, kanban_totals, opportunity_queryset
from guanxi.sales.services import (
    opportunity_assign,
    opportunity_create,
    opportunity_delete,
    opportunity_move,
    opportunity_update,
)

pytestmark = pytest.mark.django_db
VIEWERS = ("admin", "manager", "east_manager", "rep_a", "rep_b", "rep_c", "stranger")


def counted(actor, pipeline, owner=None) -> dict:
    """The figures by adding up the visible deals, as the board did before the totals."""
    qs = opportunity_queryset(actor, filters={"owner": owner}).filter(pipeline=pipeline)
    return {
        row["stage_id"]: {"count": row["n"], "total": row["total"]}
        for row in qs.order_by().values("stage_id").annotate(n=Count("id"), total=Sum("amount"))
    }


def assert_figures_match(world, owners=(None,)) -> None:
    for name in VIEWERS:
        actor = world.users[name]
        for pipeline in Pipeline.objects.filter(organisation_id=actor.organisation_id):
            for owner in owners:
                got = kanban_totals(actor, pipeline, owner=owner)
                want = counted(actor, pipeline, owner=owner)
                assert got.keys() == want.keys(), (name, owner)
                for stage_id, row in want.items():
                    assert got[stage_id]["count"] == row["count"], (name, owner, stage_id)
                    assert got[stage_id]["total"] == Decimal(row["total"]).quantize(
                        Decimal("0.01")
                    ), (name, owner, stage_id)


def test_totals_follow_every_change_to_deals(world):
    users = world.users
    assert_figures_match(world)
    rep = users["rep_a"]
    account = world.records["rep_a"].account
    deal = opportunity_create(
        actor=rep, data={"name": "Big one", "account": account, "amount": "12345.67"}
    )
    small = opportunity_create(
        actor=rep, data={"name": "Small", "account": account, "amount": "0.10"}
    )
    assert_figures_match(world)
    stages = list(Stage.objects.filter(pipeline_id=deal.pipeline_id).order_by("position"))
    deal = opportunity_move(actor=rep, opportunity=deal, stage=stages[1].pk, version=deal.version)
    assert_figures_match(world)
    deal = opportunity_update(
        actor=rep, opportunity=deal, data={"amount": "99.99"}, version=deal.version
    )
    deal = opportunity_update(
        actor=rep, opportunity=deal, data={"description": "no figure changes"}, version=deal.version
    )
    assert_figures_match(world)
    deal = opportunity_assign(
        actor=users["manager"], opportunity=deal, owner=users["rep_c"], version=deal.version
    )
    assert_figures_match(world, owners=(None, "me", str(users["rep_c"].pk)))
    lost = next(s for s in stages if s.kind == "lost")
    opportunity_move(
        actor=users["manager"],
        opportunity=deal,
        stage=lost.pk,
        version=deal.version,
        lost_reason="price",
    )
    opportunity_delete(actor=users["admin"], opportunity=small, version=small.version)
    assert_figures_match(world, owners=(None, "me", str(users["rep_a"].pk)))
    # Written behind the services' back: the database keeps the totals all the same.
    Opportunity.objects.filter(pk=deal.pk).update(amount=Decimal("5.55"), stage=stages[0])
    assert_figures_match(world)


def test_a_rep_sees_only_their_own_figures(world):
    rep_a, rep_b = world.users["rep_a"], world.users["rep_b"]
    for i in range(3):
        opportunity_create(
            actor=rep_b,
            data={"name": f"B {i}", "account": world.records["rep_b"].account, "amount": "100"},
        )
    pipeline = Pipeline.objects.get(organisation=world.org, is_default=True)
    mine = kanban_totals(rep_a, pipeline)
    assert sum(r["count"] for r in mine.values()) == 1
    assert sum(r["total"] for r in mine.values()) == Decimal("1000.00")
    # Asking for a colleague's deals shows nothing beyond the rep's scope.
    assert kanban_totals(rep_a, pipeline, owner=str(rep_b.pk)) == {}
    team = kanban_totals(world.users["east_manager"], pipeline)
    assert sum(r["count"] for r in team.values()) == 5  # rep_a 1, rep_b 1 + 3
    stranger = kanban_totals(world.users["stranger"], pipeline)
    assert stranger == {}


def test_board_columns_use_the_totals_and_search_counts_matches(world):
    admin = world.users["admin"]
    pipeline = Pipeline.objects.get(organisation=world.org, is_default=True)
    columns = kanban(admin, pipeline)
    assert sum(c["count"] for c in columns) == 5
    assert sum(len(c["cards"]) for c in columns) == 5
    found = kanban(admin, pipeline, q="rep_a")
    assert sum(c["count"] for c in found) == 1
    assert found[0]["total"] == Decimal("1000")


def test_rebuild_recounts_from_the_deals(world):
    pipeline = Pipeline.objects.get(organisation=world.org, is_default=True)
    before = kanban_totals(world.users["admin"], pipeline)
    with connection.cursor() as cursor:
        totals.suspend(cursor, connection.vendor)
        account = account_create(actor=world.users["admin"], data={"name": "Quiet"})
        opportunity_create(
            actor=world.users["admin"], data={"name": "Unseen", "account": account, "amount": "7"}
        )
        assert kanban_totals(world.users["admin"], pipeline) == before
        totals.rebuild(cursor, connection.vendor, [world.org.pk])
    assert_figures_match(world)
    assert StageTotal.objects.filter(organisation=world.other_org).exists()


def test_totals_follow_statements_that_change_many_deals(world):
    """A mass stage move, reassignment, repricing or deletion in one statement (or several
    in one transaction): every (stage, owner) figure is right after each."""
    from django.db import transaction
    from django.db.models import F

    rep, other = world.users["rep_a"], world.users["rep_b"]
    account = world.records["rep_a"].account
    for i in range(40):
        opportunity_create(
            actor=rep, data={"name": f"Bulk {i}", "account": account, "amount": f"{i}.25"}
        )
    deals = Opportunity.objects.filter(name__startswith="Bulk ")
    stages = list(Stage.objects.filter(pipeline_id=deals[0].pipeline_id).order_by("position"))
    deals.update(stage=stages[1])
    assert_figures_match(world)
    deals.filter(amount__lt=20).update(owner=other)
    assert_figures_match(world)
    deals.update(amount=F("amount") * 2)
    assert_figures_match(world)
    deals.update(description="neither stage, owner nor amount")
    assert_figures_match(world)
    with transaction.atomic():
        deals.filter(owner=other).update(stage=stages[2], owner=rep)
        deals.filter(stage=stages[1]).delete()
    assert_figures_match(world)
    assert not StageTotal.objects.filter(deals__lt=0).exists()
    # Another organisation under the same stage and owner, in one statement: it nets out.
    moved = deals.filter(owner=rep)
    assert moved.update(organisation=world.other_org) > 0
    Opportunity.objects.filter(organisation=world.other_org, name__startswith="Bulk ").update(
        organisation=world.org
    )
    assert_figures_match(world)
