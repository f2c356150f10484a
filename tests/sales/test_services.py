"""Deals: defaults, stage rules, winning, losing, reopening, pipelines."""

from __future__ import annotations

from decimal import Decimal

import pytest

from guanxi.core.errors import ValidationFailed
from guanxi.core.models import Event
from guanxi.customers.services import account_create, contact_create
from guanxi.sales.models import OpportunityStatus, Pipeline, Stage, StageKind
from guanxi.sales.selectors import account_deal_figures, kanban
from guanxi.sales.services import opportunity_create, opportunity_move, opportunity_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(admin):
    return account_create(actor=admin, data={"name": "Buyer Co"})


def stages(org):
    return {
        s.kind if s.kind != "open" else s.name: s
        for s in Stage.objects.filter(organisation=org, pipeline__is_default=True)
    }


def test_every_organisation_gets_a_default_pipeline(org):
    pipeline = Pipeline.objects.get(organisation=org, is_default=True)
    kinds = list(pipeline.stages.order_by("position").values_list("kind", flat=True))
    assert kinds == ["open"] * 4 + ["won", "lost"]


def test_new_deal_starts_at_the_first_stage(admin, account):
    deal = opportunity_create(
        actor=admin, data={"name": "D", "account": account, "amount": "1999.99"}
    )
    assert deal.stage.position == 0 and deal.status == OpportunityStatus.OPEN
    assert deal.amount == Decimal("1999.99")
    assert deal.weighted_amount == Decimal("200.00")


def test_won_lost_and_reopened(admin, account):
    s = stages(admin.organisation)
    deal = opportunity_create(actor=admin, data={"name": "D", "account": account})
    deal = opportunity_move(actor=admin, opportunity=deal, stage=s[StageKind.WON].pk)
    assert deal.status == "won" and deal.closed_at
    assert Event.objects.filter(verb="opportunity.won", object_id=deal.pk).exists()
    with pytest.raises(ValidationFailed) as exc:
        opportunity_move(actor=admin, opportunity=deal, stage=s[StageKind.LOST].pk)
    assert "lost_reason" in exc.value.fields
    deal = opportunity_move(
        actor=admin, opportunity=deal, stage=s[StageKind.LOST].pk, lost_reason="Price"
    )
    assert deal.status == "lost"
    deal = opportunity_move(actor=admin, opportunity=deal, stage=s["Proposal"].pk)
    assert deal.status == "open" and deal.closed_at is None


def test_contact_must_work_for_the_deals_account(admin, account):
    other = account_create(actor=admin, data={"name": "Other"})
    contact = contact_create(actor=admin, data={"name": "Zhao", "account": other})
    with pytest.raises(ValidationFailed) as exc:
        opportunity_create(actor=admin, data={"name": "D", "account": account, "contact": contact})
    assert "contact" in exc.value.fields


def test_switching_pipeline_moves_to_its_first_stage(admin, account):
    export = Pipeline.objects.create(organisation=admin.organisation, name="Export")
    first = Stage.objects.create(organisation=admin.organisation, pipeline=export, name="Lead")
    deal = opportunity_create(actor=admin, data={"name": "D", "account": account})
    deal = opportunity_update(actor=admin, opportunity=deal, data={"pipeline": export.pk})
    assert deal.stage == first


def test_negative_amount_is_refused(admin, account):
    with pytest.raises(ValidationFailed) as exc:
        opportunity_create(actor=admin, data={"name": "D", "account": account, "amount": "-1"})
    assert "amount" in exc.value.fields


def test_kanban_and_account_figures(admin, account):
    s = stages(admin.organisation)
    for amount in ("100", "250.50"):
        opportunity_create(actor=admin, data={"name": "D", "account": account, "amount": amount})
    won = opportunity_create(actor=admin, data={"name": "W", "account": account, "amount": "900"})
    opportunity_move(actor=admin, opportunity=won, stage=s[StageKind.WON].pk)
    pipeline = Pipeline.objects.get(organisation=admin.organisation, is_default=True)
    columns = {c["stage"].name: c for c in kanban(admin, pipeline)}
    assert columns["Qualification"]["count"] == 2
    assert columns["Qualification"]["total"] == Decimal("350.50")
    assert columns["Won"]["count"] == 1
    figures = account_deal_figures(admin, account)
    assert figures["won"] == {"CNY": Decimal("900.00")}
    assert figures["open"] == {"CNY": Decimal("350.50")}
