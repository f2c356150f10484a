"""API behaviour: CRUD, one error shape, optimistic locking, keyset pagination, OpenAPI."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from guanxi.customers.models import Account, Contact
from guanxi.sales.models import Opportunity, Pipeline, Stage


@pytest.fixture
def client(admin, api):
    return api(admin)


def test_unauthenticated_requests_get_401(db):
    response = Client().get("/api/v1/accounts")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
    response = Client().get("/api/v1/accounts", HTTP_AUTHORIZATION="Bearer gx_wrong")
    assert response.status_code == 401


def test_revoked_token_stops_working(admin, api):
    client = api(admin)
    assert client.get("/me")[0] == 200
    _, tokens, _ = client.get("/tokens")
    token_id = next(t["id"] for t in tokens if t["name"] == "tests")
    assert client.delete(f"/tokens/{token_id}")[0] == 204
    assert client.get("/me")[0] == 401


def test_account_crud_round_trip(client):
    status, body, response = client.post(
        "/accounts",
        {
            "name": "  成都美味零食连锁  ",
            "region": "southwest",
            "grade": "A",
            "phone": "028-8765 4321",
            "email": "Buyer@MeiWei.example",
            "tags": ["连锁", "重点客户"],
        },
    )
    assert status == 201, body
    assert body["name"] == "成都美味零食连锁"
    assert body["phone"] == "+862887654321"
    assert body["email"] == "buyer@meiwei.example"
    assert body["tags"] == sorted(["连锁", "重点客户"])
    assert body["version"] == 1
    assert response.headers["ETag"] == '"1"'
    pk = body["id"]

    status, body, _ = client.get(f"/accounts/{pk}")
    assert status == 200 and body["owner"]["id"] == client.user.pk

    status, body, response = client.patch(
        f"/accounts/{pk}", {"lifecycle_stage": "growth"}, headers={"If-Match": '"1"'}
    )
    assert status == 200 and body["lifecycle_stage"] == "growth" and body["version"] == 2
    assert response.headers["ETag"] == '"2"'

    status, events, _ = client.get(f"/accounts/{pk}/timeline")
    assert [e["verb"] for e in events] == ["account.updated", "account.created"]
    assert events[0]["changes"] == {"lifecycle_stage": ["acquisition", "growth"]}

    assert client.delete(f"/accounts/{pk}")[0] == 204
    assert client.get(f"/accounts/{pk}")[0] == 404


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "x", "email": "not-an-email"}, "email"),
        ({"name": "x", "phone": "12345"}, "phone"),
        ({"name": "x" * 201}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x", "region": "mars"}, "region"),
        ({"name": "x", "grade": 5}, "grade"),
        ({"name": "x", "tags": "vip"}, "tags"),
        ({"name": "x", "colour": "red"}, "colour"),
        ({"name": "x", "owner": 999999}, "owner"),
        ({"name": "x", "version": 3}, "version"),
        ({"name": "x", "organisation": 2}, "organisation"),
        ({"name": "x", "description": "y" * 5001}, "description"),
        ({"region": "east"}, "name"),
    ],
)
def test_bad_input_gets_a_field_error_and_writes_nothing(client, payload, field):
    before = Account.objects.count()
    status, body, _ = client.post("/accounts", payload)
    assert status == 422, body
    assert body["error"]["code"] == "validation_error"
    assert field in body["error"]["fields"], body
    assert Account.objects.count() == before


def test_body_that_is_not_json_is_a_client_error(client):
    response = client.client.post(
        "/api/v1/accounts",
        data="{not json",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {client.token}",
    )
    assert 400 <= response.status_code < 500
    assert "error" in response.json()


def test_owner_organisation_and_version_cannot_be_mass_assigned(client, admin):
    _, body, _ = client.post("/accounts", {"name": "Guarded"})
    for payload in (
        {"owner": admin.pk},
        {"organisation": 1},
        {"created_by": 1},
        {"search_tokens": "x"},
        {"id": 1},
    ):
        status, err, _ = client.patch(f"/accounts/{body['id']}", payload)
        assert status == 422, (payload, err)
    assert Account.objects.get(pk=body["id"]).version == 1


def test_stale_updates_change_nothing(client):
    _, body, _ = client.post("/accounts", {"name": "Locked Ltd"})
    pk = body["id"]
    assert client.patch(f"/accounts/{pk}", {"city": "Wuhan"}, headers={"If-Match": '"1"'})[0] == 200
    status, err, _ = client.patch(f"/accounts/{pk}", {"city": "Xi'an"}, headers={"If-Match": '"1"'})
    assert status == 412 and err["error"]["code"] == "precondition_failed"
    status, err, _ = client.patch(f"/accounts/{pk}", {"city": "Xi'an", "version": 1})
    assert status == 409 and err["error"]["code"] == "version_conflict"
    account = Account.objects.get(pk=pk)
    assert account.city == "Wuhan" and account.version == 2
    status, _, _ = client.delete(f"/accounts/{pk}", headers={"If-Match": '"1"'})
    assert status == 412 and Account.objects.filter(pk=pk).exists()


def test_keyset_pagination_walks_every_row_once(client, admin):
    from guanxi.customers.services import account_create

    names = [f"Store {i:03d}" for i in range(23)]
    for name in names:
        account_create(actor=admin, data={"name": name})
    for sort in ("name", "-updated_at", "-created_at", "-id", None):
        seen, cursor = [], None
        while True:
            params = {"limit": 5, "sort": sort} if sort else {"limit": 5, "q": "store"}
            if cursor:
                params["cursor"] = cursor
            status, body, _ = client.get("/accounts", **params)
            assert status == 200, body
            seen += [a["name"] for a in body["items"]]
            cursor = body["next_cursor"]
            if not cursor:
                break
        assert sorted(seen) == sorted(names), sort
        assert len(seen) == len(set(seen))
        if sort == "name":
            assert seen == sorted(names)
        if sort in ("-created_at", "-id", None):  # None: a search, newest first
            assert seen == list(reversed(names))


@pytest.mark.parametrize(
    "params",
    [
        {"cursor": "garbage"},
        {"limit": 0},
        {"limit": 500},
        {"sort": "password"},
        {"region": "mars"},
        {"owner": "everyone"},
    ],
)
def test_bad_list_parameters_are_422(client, params):
    status, body, _ = client.get("/accounts", **params)
    assert status == 422, body
    assert body["error"]["code"] == "validation_error"


def test_filters_and_search(client, admin):
    from guanxi.customers.services import account_create

    account_create(actor=admin, data={"name": "北京好吃食品", "region": "north", "grade": "A"})
    account_create(actor=admin, data={"name": "Pacific Foods", "region": "overseas"})
    _, body, _ = client.get("/accounts", region="north")
    assert [a["name"] for a in body["items"]] == ["北京好吃食品"]
    _, body, _ = client.get("/accounts", q="好吃")
    assert [a["name"] for a in body["items"]] == ["北京好吃食品"]
    _, body, _ = client.get("/accounts", q="pacif", owner="me")
    assert [a["name"] for a in body["items"]] == ["Pacific Foods"]
    _, body, _ = client.get("/search", q="好吃")
    assert [a["name"] for a in body["accounts"]] == ["北京好吃食品"]


def test_deal_moves_through_the_pipeline_and_wins(client, admin):
    from guanxi.customers.services import account_create

    account = account_create(actor=admin, data={"name": "Deal Co"})
    status, deal, _ = client.post(
        "/opportunities", {"name": "Q3 order", "account": account.pk, "amount": "88000.50"}
    )
    assert status == 201, deal
    assert deal["stage"]["name"] == "Qualification" and deal["status"] == "open"
    _, pipelines, _ = client.get("/pipelines")
    stages = {s["kind"]: s for s in pipelines[0]["stages"]}
    status, err, _ = client.post(
        f"/opportunities/{deal['id']}/move", {"stage": stages["lost"]["id"]}
    )
    assert status == 422 and "lost_reason" in err["error"]["fields"]
    status, won, _ = client.post(
        f"/opportunities/{deal['id']}/move", {"stage": stages["won"]["id"]}
    )
    assert status == 200 and won["status"] == "won" and won["closed_at"]
    assert json.loads(json.dumps(won))["amount"] in ("88000.50", 88000.5)


def test_stage_of_another_pipeline_is_refused(client, admin):
    from guanxi.customers.services import account_create

    account = account_create(actor=admin, data={"name": "Pipe Co"})
    other = Pipeline.objects.create(organisation=admin.organisation, name="Export")
    foreign = Stage.objects.create(organisation=admin.organisation, pipeline=other, name="X")
    default = Pipeline.objects.get(organisation=admin.organisation, is_default=True)
    status, body, _ = client.post(
        "/opportunities",
        {"name": "Wrong", "account": account.pk, "pipeline": default.pk, "stage": foreign.pk},
    )
    assert status == 422 and "stage" in body["error"]["fields"]
    assert not Opportunity.objects.filter(name="Wrong").exists()


def test_records_of_another_organisation_are_not_found(world, api):
    stranger = world.records["stranger"]
    client = api(world.users["admin"])
    assert client.get(f"/accounts/{stranger.account.pk}")[0] == 404
    status, body, _ = client.post("/contacts", {"name": "x", "account": stranger.account.pk})
    assert status == 422 and "account" in body["error"]["fields"]
    assert not Contact.objects.filter(name="x").exists()


def test_contact_and_activity_link_to_accounts(client, admin):
    from guanxi.customers.services import account_create

    account = account_create(actor=admin, data={"name": "Link Co"})
    _, contact, _ = client.post(
        "/contacts",
        {
            "name": "李娜",
            "account": account.pk,
            "mobile": "+86 139 0000 1111",
            "marketing_consent": True,
        },
    )
    assert contact["consent_at"] and contact["mobile"] == "+8613900001111"
    status, act, _ = client.post(
        "/activities", {"subject": "拜访", "kind": "visit", "contact": contact["id"], "done": True}
    )
    assert status == 201 and act["account"]["id"] == account.pk and act["done_at"]
    other = account_create(actor=admin, data={"name": "Other Co"})
    status, body, _ = client.post(
        "/activities", {"subject": "x", "contact": contact["id"], "account": other.pk}
    )
    assert status == 422 and "contact" in body["error"]["fields"]


def test_times_with_any_offset_are_stored_in_utc_or_refused_with_a_field_error(client):
    """Python takes offsets up to a day, PostgreSQL only to 15:59: a time is stored in UTC,
    and one that has no UTC form is a field error, never a server error."""
    status, act, _ = client.post(
        "/activities", {"subject": "回访", "due_at": "2026-10-26T07:50:53+20:27"}
    )
    assert status == 201, act
    assert act["due_at"].startswith("2026-10-25T11:23:53")
    status, act, _ = client.post(
        "/activities", {"subject": "很早", "due_at": "0167-10-26T07:50:53+20:27"}
    )
    assert status == 201, act
    status, body, _ = client.post(
        "/activities", {"subject": "太早", "due_at": "0001-01-01T00:00:00+05:00"}
    )
    assert status == 422 and "due_at" in body["error"]["fields"], body


def test_openapi_describes_every_endpoint(client):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    paths = spec["paths"]
    for path in (
        "/api/v1/accounts",
        "/api/v1/accounts/{id}",
        "/api/v1/contacts",
        "/api/v1/opportunities",
        "/api/v1/opportunities/{id}/move",
        "/api/v1/activities",
        "/api/v1/search",
        "/api/v1/me",
        "/api/v1/tokens",
        "/api/v1/roles/{id}",
        "/api/v1/events",
    ):
        assert path in paths, path
    for path, ops in paths.items():
        for method, op in ops.items():
            assert op.get("summary") or op.get("description"), (method, path)
    assert Client().get("/api/v1/docs").status_code == 200


def test_me_and_preferences(client):
    status, me, _ = client.get("/me")
    assert status == 200 and me["role"] == "admin" and "account" in me["permissions"]
    status, me, _ = client.patch("/me", {"language": "zh-hans", "time_zone": "Asia/Shanghai"})
    assert status == 200 and me["language"] == "zh-hans"
    status, body, _ = client.patch("/me", {"time_zone": "Mars/Olympus"})
    assert status == 422 and "time_zone" in body["error"]["fields"]


@pytest.mark.parametrize("endpoint", ["accounts", "contacts", "opportunities", "activities"])
def test_list_queries_do_not_grow_with_rows(client, admin, endpoint, django_assert_max_num_queries):
    from guanxi.activities.services import activity_create
    from guanxi.customers.services import account_create, contact_create
    from guanxi.sales.services import opportunity_create

    for i in range(12):
        account = account_create(actor=admin, data={"name": f"Shop {i}", "tags": ["t"]})
        contact = contact_create(actor=admin, data={"name": f"C {i}", "account": account})
        deal = opportunity_create(
            actor=admin, data={"name": f"D {i}", "account": account, "contact": contact}
        )
        activity_create(
            actor=admin, data={"subject": f"A {i}", "contact": contact, "opportunity": deal}
        )
    with django_assert_max_num_queries(8):
        status, body, _ = client.get(f"/{endpoint}", limit=50)
    assert status == 200 and len(body["items"]) >= 12


def test_a_checked_token_is_held_briefly_and_dropped_when_people_change(
    admin, rep, org, api, monkeypatch
):
    """The API does not re-read a busy token on every request, but a change to its user made
    here applies at once, and one made elsewhere (no event here) within the recheck time."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from guanxi.core import services
    from guanxi.core.models import Role, User

    client = api(rep)
    assert client.get("/me")[0] == 200
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/me")[0] == 200
    assert not any("core_apitoken" in q["sql"] for q in ctx.captured_queries)

    # Each request gets its own copy of the user.
    first = services.token_authenticate(client.token)
    first.some_request_attribute = True
    assert not hasattr(services.token_authenticate(client.token), "some_request_attribute")

    # A role change through the service applies to the very next request.
    manager_role = Role.objects.get(organisation=org, code="sales_manager")
    services.user_change_role(actor=admin, user=rep, role=manager_role, team=rep.team)
    assert services.token_authenticate(client.token).role.code == "sales_manager"

    # Deactivated in another process: refused once the recheck time has passed.
    User.objects.filter(pk=rep.pk).update(is_active=False)
    monkeypatch.setattr(services, "TOKEN_RECHECK_SECONDS", 0)
    assert client.get("/me")[0] == 401
