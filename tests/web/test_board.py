"""The kanban board: drag and drop posts to ``deal_move``."""

from __future__ import annotations

from django.urls import reverse

from guanxi.sales.models import OpportunityStatus, Stage


def _stage(deal, kind=None, position=None):
    qs = Stage.objects.filter(pipeline_id=deal.pipeline_id)
    if kind:
        qs = qs.filter(kind=kind)
    if position is not None:
        qs = qs.filter(position=position)
    return qs.first()


def test_board_shows_columns_with_count_and_total(world, client_for):
    rep = world.users["rep_a"]
    response = client_for(rep).get(reverse("sales:board"))
    columns = response.context["columns"]
    assert columns[0]["count"] == 1
    html = response.content.decode()
    assert "Deal of rep_a" in html and "¥1,000.00" in html
    assert "Deal of rep_b" not in html


def test_move_to_next_stage(world, client_for):
    rep = world.users["rep_a"]
    deal = world.records["rep_a"].opportunity
    target = _stage(deal, position=2)
    response = client_for(rep).post(
        reverse("sales:deal_move", args=[deal.pk]), {"stage": target.pk, "version": deal.version}
    )
    data = response.json()
    assert response.status_code == 200 and data["ok"]
    assert data["columns"][str(target.pk)]["count"] == 1
    deal.refresh_from_db()
    assert deal.stage == target and data["version"] == deal.version


def test_move_to_won_stage_wins(world, client_for):
    rep = world.users["rep_a"]
    deal = world.records["rep_a"].opportunity
    response = client_for(rep).post(
        reverse("sales:deal_move", args=[deal.pk]),
        {"stage": _stage(deal, "won").pk, "version": deal.version},
    )
    assert response.json()["status"] == "won"
    deal.refresh_from_db()
    assert deal.status == OpportunityStatus.WON


def test_move_to_lost_asks_for_a_reason(world, client_for):
    rep = world.users["rep_a"]
    deal = world.records["rep_a"].opportunity
    client = client_for(rep)
    lost = _stage(deal, "lost")
    response = client.post(
        reverse("sales:deal_move", args=[deal.pk]), {"stage": lost.pk, "version": deal.version}
    )
    assert response.status_code == 422 and response.json()["need"] == "lost_reason"
    deal.refresh_from_db()
    assert deal.status == OpportunityStatus.OPEN
    response = client.post(
        reverse("sales:deal_move", args=[deal.pk]),
        {"stage": lost.pk, "version": deal.version, "lost_reason": "Price too high"},
    )
    assert response.json()["ok"]
    deal.refresh_from_db()
    assert deal.status == OpportunityStatus.LOST and deal.lost_reason == "Price too high"


def test_move_with_stale_version_is_refused(world, client_for):
    rep = world.users["rep_a"]
    deal = world.records["rep_a"].opportunity
    response = client_for(rep).post(
        reverse("sales:deal_move", args=[deal.pk]),
        {"stage": _stage(deal, position=1).pk, "version": deal.version + 1},
    )
    assert response.status_code == 409 and not response.json()["ok"]
    assert "changed by someone else" in response.json()["message"]
    deal.refresh_from_db()
    assert deal.stage.position == 0


def test_move_someone_elses_deal_is_not_found(world, client_for):
    deal = world.records["rep_b"].opportunity
    response = client_for(world.users["rep_a"]).post(
        reverse("sales:deal_move", args=[deal.pk]),
        {"stage": _stage(deal, position=1).pk, "version": deal.version},
    )
    assert response.status_code == 404
