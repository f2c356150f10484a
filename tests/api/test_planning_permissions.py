"""Forecasts, targets and reports over the API: role × ownership × endpoint.

Every person in the world (tests/conftest.py) wins their 1000.00 deal and submits a
forecast; no figure of a deal or a forecast may reach anyone outside its owner's scope.
"""

from __future__ import annotations

import pytest

from guanxi.sales import targets
from guanxi.sales.forecasts import forecast_submit
from guanxi.sales.models import ForecastSubmission, Stage
from guanxi.sales.periods import PeriodKind, current_period
from guanxi.sales.services import opportunity_move
from tests.api.test_permission_matrix import VISIBLE

pytestmark = pytest.mark.django_db
ACTORS = [*VISIBLE]
OWNERS = ["admin", "manager", "rep_a", "rep_b", "rep_c", "stranger"]
EXPORTERS = {"admin", "manager", "east_manager", "stranger"}


@pytest.fixture
def period(world):
    return current_period(PeriodKind.QUARTER, world.org.time_zone)


@pytest.fixture
def busy(world, period):
    for name in OWNERS:
        user = world.users[name]
        won = Stage.objects.get(organisation=user.organisation, name="Won")
        opportunity_move(actor=user, opportunity=world.records[name].opportunity, stage=won.pk)
        forecast_submit(actor=user, period=period, commit="10", best_case="20")
    return world


@pytest.mark.parametrize("actor", ACTORS)
def test_reports_hold_only_the_actors_scope(busy, api, actor, period):
    client = api(busy.users[actor])
    status, body, _ = client.get("/reports/sales_by_rep", period=period.code)
    assert status == 200
    assert {row["name"] for row in body["rows"]} - {"All"} == VISIBLE[actor]
    status, body, _ = client.get("/reports/win_rate", period=period.code)
    assert {row["owner"] for row in body["rows"]} - {"All"} == VISIBLE[actor]
    status, body, _ = client.get("/reports/funnel", period=period.code)
    assert body["rows"][0]["reached"] == len(VISIBLE[actor])
    response = client.client.get(
        "/api/v1/reports/sales_by_rep/csv",
        {"period": period.code},
        HTTP_AUTHORIZATION=f"Bearer {client.token}",
    )
    assert response.status_code == (200 if actor in EXPORTERS else 403)
    assert client.get("/reports/nope")[0] == 404
    assert client.get("/reports/funnel", period="2026-Q5")[0] == 422


@pytest.mark.parametrize("actor", ACTORS)
def test_forecasts_are_read_and_adjusted_within_scope(busy, api, actor, period):
    user = busy.users[actor]
    client = api(user)
    status, body, _ = client.get("/forecasts", period=period.code)
    assert status == 200
    assert {item["owner"]["name"] for item in body} == VISIBLE[actor]
    for owner in OWNERS:
        sub = ForecastSubmission.objects.get(owner=busy.users[owner])
        visible = owner in VISIBLE[actor]
        status, body, _ = client.get(f"/forecasts/{sub.pk}")
        assert status == (200 if visible else 404), (actor, owner)
        status, body, _ = client.get(f"/forecasts/{sub.pk}/history")
        assert status == (200 if visible else 404), (actor, owner)
        status, body, _ = client.post(
            f"/forecasts/{sub.pk}/adjust", {"commit": "5", "comment": "c"}
        )
        may = visible and owner != actor and user.role.code != "sales_rep"
        expected = 200 if may else (403 if visible else 404)
        assert status == expected, (actor, owner, body)
        sub.refresh_from_db()
        assert (sub.commit_adjusted is not None) == may


def test_submitting_through_the_api_and_the_rollup(busy, api, period):
    client = api(busy.users["rep_a"])
    status, body, _ = client.get("/forecasts/mine", period=period.code)
    assert status == 200 and body["deals"]["closed"] == "1000.00"
    assert body["suggested"]["commit"] == "1000.00"
    status, body, _ = client.put(
        "/forecasts/mine", {"period": period.code, "commit": "900", "best_case": "800"}
    )
    assert status == 422 and "best_case" in body["error"]["fields"]
    status, body, _ = client.put(
        "/forecasts/mine", {"period": period.code, "commit": "900", "best_case": "1200"}
    )
    assert status == 200 and body["commit"] == "900.00"
    assert client.get("/forecasts/rollup", period=period.code)[1] == []
    status, rows, _ = api(busy.users["manager"]).get("/forecasts/rollup", period=period.code)
    sales = next(r for r in rows if r["team"]["name"] == "Sales")
    # admin, manager, rep_b, rep_c: 10 each; rep_a now 900.
    assert sales["commit_final"] == "940.00" and sales["submissions"] == 5


@pytest.mark.parametrize(
    ("actor", "subject", "allowed"),
    [
        ("admin", "rep_a", True),
        ("manager", "rep_a", True),
        ("manager", "manager", False),  # their own target comes from above
        ("east_manager", "rep_b", True),
        ("east_manager", "rep_c", False),  # another team
        ("rep_a", "rep_a", False),
        ("stranger", "rep_a", False),  # another organisation
    ],
)
def test_who_sets_whose_target(busy, api, period, actor, subject, allowed):
    client = api(busy.users[actor])
    status, body, _ = client.put(
        "/targets",
        {
            "period": period.code,
            "metric": "revenue",
            "user": busy.users[subject].pk,
            "amount": "5000",
        },
    )
    assert status == (200 if allowed else 403 if actor != "stranger" else 422), body
    if allowed:
        assert body["actual"] == "1000.00" and body["percent"] == "20.0"


def test_targets_are_read_within_scope_and_regions_are_for_admins(busy, api, period):
    u = busy.users
    east = u["rep_a"].team
    admin = u["admin"]
    for name in ("rep_a", "rep_b", "rep_c"):
        targets.target_set(
            actor=admin, period=period, metric="revenue", user=u[name].pk, amount="1"
        )
    targets.target_set(actor=admin, period=period, metric="revenue", team=east.pk, amount="1")
    targets.target_set(actor=admin, period=period, metric="revenue", region="east", amount="1")

    def seen(name):
        body = api(u[name]).get("/targets", period=period.code)[1]
        return {(t["user"] or t["team"] or {"name": t["region"]})["name"] for t in body}

    assert seen("rep_a") == {"rep_a"}
    assert seen("east_manager") == {"rep_a", "rep_b", "East"}
    assert seen("manager") == {"rep_a", "rep_b", "rep_c", "East"}
    assert seen("admin") == {"rep_a", "rep_b", "rep_c", "East", "east"}
    assert seen("stranger") == set()
    status, _b, _r = api(u["manager"]).put(
        "/targets", {"period": period.code, "metric": "revenue", "region": "east", "amount": "2"}
    )
    assert status == 403
    status, body, _r = api(admin).put(
        "/targets", {"period": period.code, "metric": "revenue", "region": "mars", "amount": "2"}
    )
    assert status == 422 and "region" in body["error"]["fields"]
