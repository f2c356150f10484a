"""Leads over the REST API, and the permission matrix: role × owner × endpoint."""

from __future__ import annotations

import pytest

from guanxi.leads import configuration, services
from guanxi.leads.models import Lead
from tests.api.test_permission_matrix import OWNERS, VISIBLE

pytestmark = pytest.mark.django_db
ACTORS = list(VISIBLE)


@pytest.fixture
def leads(world):
    """One lead owned by each person, one in the org-wide pool, one in North's pool."""
    out = {}
    for name in OWNERS:
        user = world.users[name]
        out[name] = services.lead_create(
            actor=user, data={"name": f"Lead of {name}", "email": f"{name}@x.cn"}, owner=user.pk
        )
    out["pool"] = services.lead_capture(
        organisation=world.org, data={"name": "Pooled", "email": "p@x.cn"}, channel="web_form"
    )
    north = configuration.pool_save(
        actor=world.users["admin"], data={"name": "North", "team": world.users["rep_c"].team.pk}
    )
    out["north"] = services.lead_capture(
        organisation=world.org, data={"name": "Northern", "email": "n@x.cn"}, channel="web_form"
    )
    Lead.objects.filter(pk=out["north"].pk).update(pool=north)
    return out


# who sees the two pooled leads (everyone in org A sees the org-wide pool; North's pool is
# seen by its members, the managers above them and org-scope users)
POOL_VISIBLE = {
    "admin": {"pool", "north"},
    "manager": {"pool", "north"},
    "east_manager": {"pool"},
    "rep_a": {"pool"},
    "rep_c": {"pool", "north"},
    "stranger": set(),
}


@pytest.mark.parametrize("actor", ACTORS)
def test_list_detail_update_assign_delete(world, api, leads, actor):
    user = world.users[actor]
    client = api(user)
    status, body, _ = client.get("/leads", limit=200)
    assert status == 200
    expected = {leads[o].pk for o in VISIBLE[actor] | POOL_VISIBLE[actor]}
    assert {item["id"] for item in body["items"]} == expected
    is_rep = user.role.code == "sales_rep"
    for owner in [*OWNERS, "pool", "north"]:
        lead = leads[owner]
        visible = owner in VISIBLE[actor] | POOL_VISIBLE[actor]
        path = f"/leads/{lead.pk}"
        status, body, _ = client.get(path)
        assert status == (200 if visible else 404), (actor, owner, body)
        status, body, _ = client.patch(path, {"company": f"by {actor}"})
        assert status == (200 if visible else 404), (actor, owner, body)
        if not visible:
            assert Lead.objects.get(pk=lead.pk).version == lead.version
        status, body, _ = client.delete(path)
        if not visible:
            assert status == 404 and Lead.objects.filter(pk=lead.pk).exists()
        elif is_rep:
            assert status == 403 and Lead.objects.filter(pk=lead.pk).exists()
        else:
            assert status == 204 and not Lead.objects.filter(pk=lead.pk).exists()


@pytest.mark.parametrize("actor", ACTORS)
def test_claim_follows_pool_visibility(world, api, leads, actor):
    client = api(world.users[actor])
    for owner in ("pool", "north"):
        status, body, _ = client.post(f"/leads/{leads[owner].pk}/claim", {})
        if owner in POOL_VISIBLE[actor]:
            assert status == 200 and body["owner"]["id"] == world.users[actor].pk
        else:
            assert status == 404
            assert Lead.objects.get(pk=leads[owner].pk).owner_id is None


def test_search_and_timeline_stay_in_scope(world, api, leads):
    client = api(world.users["rep_a"])
    status, body, _ = client.get("/leads", q="lead")
    assert status == 200
    assert {i["name"] for i in body["items"]} == {"Lead of rep_a"}
    status, body, _ = client.get("/leads", view="pool")
    assert status == 200
    assert {i["name"] for i in body["items"]} == {"Pooled"}
    status, body, _ = client.get(f"/leads/{leads['rep_a'].pk}/timeline")
    assert status == 200 and {e["verb"] for e in body} >= {"lead.created", "lead.assigned"}
    status, _, _ = client.get(f"/leads/{leads['rep_c'].pk}/timeline")
    assert status == 404


def test_create_by_api_then_follow_up_and_convert(world, api):
    rep = world.users["rep_a"]
    client = api(rep)
    status, body, response = client.post(
        "/leads",
        {
            "name": "赵敏",
            "company": "苏州甜心食品有限公司",
            "mobile": "+86 137 0013 7001",
            "email": "ZM@SweetHeart.cn",
            "source": "exhibition",
            "utm": {"utm_source": "expo"},
            "owner": rep.pk,
        },
    )
    assert status == 201, body
    assert body["mobile"] == "+8613700137001" and body["email"] == "zm@sweetheart.cn"
    assert body["channel"] == "api" and body["owner"]["id"] == rep.pk
    assert response.headers["ETag"] == '"1"'  # created and assigned in one write
    lead_id = body["id"]
    status, body, _ = client.post(f"/leads/{lead_id}/status", {"status": "disqualified"})
    assert status == 422 and "reason" in body["error"]["fields"]
    status, body, _ = client.post(f"/leads/{lead_id}/status", {"status": "qualified"})
    assert status == 200 and body["status"] == "qualified"
    status, body, _ = client.post(
        f"/leads/{lead_id}/convert", {"opportunity": {"amount": "12000", "name": "First order"}}
    )
    assert status == 200, body
    assert body["status"] == "converted"
    assert body["account"]["name"] == "苏州甜心食品有限公司"
    assert body["opportunity"]["name"] == "First order"
    status, body, _ = client.post(f"/leads/{lead_id}/convert", {})
    assert status == 409 and body["error"]["code"] == "invalid_transition"


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"name": "x", "mobile": "123"}, "mobile"),
        ({"name": "x", "email": "nope"}, "email"),
        ({"name": "x", "email": "a@b.cn", "colour": "red"}, "colour"),
        ({"name": "x", "email": "a@b.cn", "owner": 10**12}, "owner"),
        ({"name": "x", "email": "a@b.cn", "channel": "web_form"}, "channel"),
        ({"name": "x" * 101, "email": "a@b.cn"}, "name"),
        ({"name": "x", "email": "a@b.cn", "utm": {"x": "1"}}, "utm.x"),
    ],
)
def test_bad_input_changes_nothing(world, api, payload, field):
    before = Lead.objects.count()
    status, body, _ = api(world.users["rep_a"]).post("/leads", payload)
    assert status == 422, body
    assert field in body["error"]["fields"], body
    assert Lead.objects.count() == before


def test_stale_version_is_refused(world, api, leads):
    client = api(world.users["rep_a"])
    lead = leads["rep_a"]
    status, body, _ = client.patch(f"/leads/{lead.pk}", {"company": "A", "version": 1})
    assert status == 200 and body["version"] == 2
    status, body, _ = client.patch(f"/leads/{lead.pk}", {"company": "B", "version": 1})
    assert status == 409 and body["error"]["code"] == "version_conflict"
    status, _, _ = client.post(f"/leads/{lead.pk}/release", {}, headers={"If-Match": '"1"'})
    assert status == 412
    assert Lead.objects.get(pk=lead.pk).owner == world.users["rep_a"]


def test_bulk_reports_per_lead(world, api, leads):
    client = api(world.users["rep_a"])
    ids = [leads["pool"].pk, leads["rep_c"].pk, leads["rep_a"].pk]
    status, body, _ = client.post("/leads/bulk", {"action": "claim", "ids": ids})
    assert status == 200
    assert body["done"] == 1
    failed = {e["id"] for e in body["errors"]}
    assert failed == {leads["rep_c"].pk, leads["rep_a"].pk}
    assert Lead.objects.get(pk=leads["pool"].pk).owner == world.users["rep_a"]


def test_pools_endpoint(world, api, leads):
    status, body, _ = api(world.users["rep_a"]).get("/pools")
    assert status == 200
    assert [(p["name"], p["unowned"]) for p in body] == [("Public pool", 1)]


def test_a_lead_the_rules_give_away_is_still_answered_to_its_creator(world, api):
    rep_a, rep_c = world.users["rep_a"], world.users["rep_c"]
    configuration.assignment_rule_save(
        actor=world.users["admin"], data={"name": "North", "action": "user", "user": rep_c.pk}
    )
    status, body, _ = api(rep_a).post("/leads", {"name": "Routed", "email": "r@x.cn"})
    assert status == 201 and body["owner"]["id"] == rep_c.pk
    status, _, _ = api(rep_a).get(f"/leads/{body['id']}")
    assert status == 404  # from then on it is rep_c's


def test_nul_characters_are_a_field_error_not_a_crash(world, api):
    client = api(world.users["rep_a"])
    status, body, _ = client.post("/leads", {"name": "A", "email": "a@b.cn", "message": "x\x00y"})
    assert status == 422 and "message" in body["error"]["fields"]
    status, body, _ = client.post("/activities", {"subject": "call", "body": "a\x00b"})
    assert status == 422 and "body" in body["error"]["fields"]
    status, body, _ = client.post("/activities", {"subject": "call\x00"})  # tidied away
    assert status == 201 and body["subject"] == "call"
    status, body, _ = client.post(
        "/leads", {"name": "B\x00", "email": "b@b.cn", "utm": {"utm_source": "x\x00"}}
    )
    assert status == 201 and body["name"] == "B" and body["utm"] == {"utm_source": "x"}


def test_notifications_over_the_api(world, api, django_capture_on_commit_callbacks):
    admin, rep = world.users["admin"], world.users["rep_a"]
    lead = services.lead_create(actor=admin, data={"name": "For you", "email": "f@x.cn"})
    services.lead_assign(actor=admin, lead=lead, owner=rep.pk)
    client = api(rep)
    status, body, _ = client.get("/notifications")
    assert status == 200 and len(body) == 1 and body[0]["read_at"] is None
    assert "For you" in body[0]["text"] and body[0]["url"] == f"/leads/{lead.pk}/"
    assert api(world.users["rep_b"]).get("/notifications")[1] == []  # only one's own
    status, body, _ = client.post("/notifications/read", {"ids": [body[0]["id"]]})
    assert status == 200 and body == {"marked": 1}
    assert client.get("/notifications")[1][0]["read_at"] is not None
