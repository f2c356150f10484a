"""The forecast, targets and reports pages and the home page's attainment cards."""

from __future__ import annotations

from decimal import Decimal

import pytest

from guanxi.analytics import reports
from guanxi.sales import targets
from guanxi.sales.forecasts import forecast_submit
from guanxi.sales.models import ForecastSubmission, Stage, Target
from guanxi.sales.periods import PeriodKind, current_period
from guanxi.sales.services import opportunity_create, opportunity_move

pytestmark = pytest.mark.django_db


@pytest.fixture
def period(world):
    return current_period(PeriodKind.QUARTER, world.org.time_zone)


def _win_one_each(world):
    won = Stage.objects.get(organisation=world.org, name="Won")
    for name in ("rep_a", "rep_b", "rep_c"):
        opportunity_move(
            actor=world.users[name], opportunity=world.records[name].opportunity, stage=won.pk
        )


def test_a_rep_submits_their_forecast_on_the_page(world, client_for, period):
    client = client_for(world.users["rep_a"])
    page = client.get("/forecast/")
    assert page.status_code == 200 and b"My forecast" in page.content
    assert b"Team forecasts" not in page.content  # a rep has no team grid
    bad = client.post("/forecast/", {"period": period.code, "commit": "9", "best_case": "1"})
    assert bad.status_code == 400 and b"cannot be lower" in bad.content
    assert not ForecastSubmission.objects.exists()
    ok = client.post("/forecast/", {"period": period.code, "commit": "10", "best_case": "20"})
    assert ok.status_code == 302
    assert ForecastSubmission.objects.get().commit == Decimal("10.00")


def test_a_manager_adjusts_in_place_and_reads_the_history(world, client_for, period):
    u = world.users
    sub = forecast_submit(actor=u["rep_a"], period=period, commit="100", best_case="200")
    forecast_submit(actor=u["rep_c"], period=period, commit="5", best_case="5")
    client = client_for(u["east_manager"])
    page = client.get(f"/forecast/?period={period.code}")
    assert b"Team forecasts" in page.content and b"rep_a" in page.content
    assert b"rep_c" not in page.content  # North is not theirs
    row = client.post(
        f"/forecast/{sub.pk}/adjust/",
        {"commit": "80", "best_case": "", "comment": "Customer delayed"},
        HTTP_HX_REQUEST="true",
    )
    assert row.status_code == 200 and row.content.startswith(b'<tr id="forecast-row-')
    sub.refresh_from_db()
    assert sub.commit_adjusted == Decimal("80.00")
    missing = client.post(
        f"/forecast/{sub.pk}/adjust/", {"commit": "70", "comment": ""}, HTTP_HX_REQUEST="true"
    )
    assert b"errors" in missing.content
    sub.refresh_from_db()
    assert sub.commit_adjusted == Decimal("80.00")
    history = client.get(f"/forecast/{sub.pk}/history/")
    assert b"Customer delayed" in history.content
    other = ForecastSubmission.objects.get(owner=u["rep_c"])
    assert (
        client.post(f"/forecast/{other.pk}/adjust/", {"commit": "1", "comment": "x"}).status_code
        == 404
    )


def test_targets_page_sets_and_removes_within_the_managers_reach(world, client_for, period):
    u = world.users
    client = client_for(u["east_manager"])
    page = client.get("/targets/")
    assert b"Set a target" in page.content
    assert f'value="user:{u["rep_a"].pk}"'.encode() in page.content
    assert f'value="user:{u["rep_c"].pk}"'.encode() not in page.content
    response = client.post(
        "/targets/",
        {
            "period": period.code,
            "subject": f"user:{u['rep_a'].pk}",
            "metric": "revenue",
            "amount": "5000",
        },
    )
    assert response.status_code == 302
    target = Target.objects.get()
    assert target.amount == Decimal("5000.00") and target.created_by == u["east_manager"]
    # Someone out of reach is not a choice: a field error, nothing stored.
    response = client.post(
        "/targets/",
        {
            "period": period.code,
            "subject": f"user:{u['rep_c'].pk}",
            "metric": "revenue",
            "amount": "1",
        },
    )
    assert response.status_code == 400 and Target.objects.count() == 1
    rep_page = client_for(u["rep_b"]).get("/targets/")
    assert b"Set a target" not in rep_page.content and b"5,000" not in rep_page.content
    client = client_for(u["east_manager"])
    assert client.post(f"/targets/{target.pk}/delete/").status_code == 302
    assert not Target.objects.exists()


def test_reports_page_export_and_home_cards(
    world, client_for, period, django_assert_max_num_queries
):
    _win_one_each(world)
    u = world.users
    targets.target_set(
        actor=u["admin"], period=period, metric="revenue", user=u["rep_a"].pk, amount="4000"
    )
    manager = client_for(u["manager"])
    manager.get("/")
    with django_assert_max_num_queries(10):
        page = manager.get(f"/reports/?period={period.code}")
    assert page.status_code == 200
    for name in (
        "funnel",
        "win_rate",
        "sales_by_rep",
        "sales_by_team",
        "sales_by_region",
        "sales_by_product",
        "sales_by_category",
        "attainment",
        "collections_aging",
        "collections_aging_by_account",
    ):
        # The page holds a card per report that loads the report itself.
        assert f'data-report="{name}"'.encode() in page.content
        assert f'hx-get="/reports/{name}/?period={period.code}"'.encode() in page.content
    with django_assert_max_num_queries(20):
        card = manager.get(f"/reports/sales_by_rep/?period={period.code}")
    assert b'id="chart-sales_by_rep" data-chart="{&quot;kind&quot;: &quot;bar&quot;' in card.content
    assert b"<html" not in card.content and b"Export CSV" in card.content
    csv = manager.get(f"/reports/sales_by_rep.csv?period={period.code}")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    assert "rep_a,1000.00,1" in csv.content.decode("utf-8-sig")
    rep = client_for(u["rep_a"])
    assert rep.get(f"/reports/sales_by_rep.csv?period={period.code}").status_code == 403
    card = rep.get("/reports/sales_by_rep/")
    assert b"rep_a" in card.content
    assert b"rep_b" not in card.content and b"Export CSV" not in card.content
    assert rep.get("/reports/nope/").status_code == 404
    home = rep.get("/")
    assert b"Targets" in home.content and b"25.0%" in home.content
    assert manager.get("/reports/?period=2026-13").status_code == 400


def test_reports_page_queries_do_not_grow_with_deals(
    world, client_for, period, django_assert_max_num_queries
):
    u = world.users
    won = Stage.objects.get(organisation=world.org, name="Won")
    for i in range(30):
        deal = opportunity_create(
            actor=u["rep_a"],
            data={"name": f"D{i}", "account": world.records["rep_a"].account, "amount": "10"},
        )
        opportunity_move(actor=u["rep_a"], opportunity=deal, stage=won.pk)
    client = client_for(u["manager"])
    client.get("/")
    with django_assert_max_num_queries(10):
        assert client.get("/reports/").status_code == 200
    for name in reports.REPORTS:
        with django_assert_max_num_queries(20):
            assert client.get(f"/reports/{name}/").status_code == 200


def test_the_forecast_grid_comes_a_page_at_a_time(world, client_for, period, monkeypatch):
    """The head of a large sales force reads the grid page by page ("Load more")."""
    from guanxi.sales import forecasts

    monkeypatch.setattr(forecasts, "GRID_PAGE", 2)
    client = client_for(world.users["manager"])
    page = client.get(f"/forecast/?period={period.code}").content.decode()
    # manager sees admin, east_manager, manager, rep_a, rep_b, rep_c: two at a time.
    assert f"forecast-row-{world.users['admin'].pk}" in page
    assert f"forecast-row-{world.users['rep_a'].pk}" not in page
    assert "after=east_manager" in page and "Load more" in page
    more = client.get(
        f"/forecast/?period={period.code}&after=east_manager", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert more.startswith(f'<tr id="forecast-row-{world.users["manager"].pk}"')
    assert f"forecast-row-{world.users['rep_a'].pk}" in more and "after=rep_a" in more
    last = client.get(
        f"/forecast/?period={period.code}&after=rep_b", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert f"forecast-row-{world.users['rep_c'].pk}" in last and "Load more" not in last


def test_the_targets_page_comes_a_page_at_a_time(world, client_for, period, monkeypatch):
    from guanxi.sales import planning_views

    monkeypatch.setattr(planning_views, "TARGETS_PAGE", 2)
    u = world.users
    for name in ("rep_a", "rep_b", "rep_c"):
        targets.target_set(
            actor=u["admin"], period=period, metric="revenue", user=u[name].pk, amount="100"
        )
    client = client_for(u["admin"])
    page = client.get(f"/targets/?period={period.code}").content.decode()
    assert "<td>rep_a</td>" in page and "<td>rep_b</td>" in page
    assert "<td>rep_c</td>" not in page
    assert "start=2" in page and "Load more" in page
    more = client.get(f"/targets/?period={period.code}&start=2", HTTP_HX_REQUEST="true")
    assert more.content.decode().startswith("<tr>") and b"<td>rep_c</td>" in more.content
    assert b"Load more" not in more.content
