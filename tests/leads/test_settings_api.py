"""The lead configuration over the REST API: settings and the model, assignment and scoring
rules, pools and web forms — round trips, who may do what, bad input, and the effect of a
rule on the next lead."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guanxi.core.models import Event
from guanxi.leads import configuration, services
from guanxi.leads.models import AssignmentRule, LeadSettings, Pool, WebForm
from tests.leads.test_scoring import closed_history

pytestmark = pytest.mark.django_db

RULE = {
    "name": "East to rep A",
    "conditions": [{"field": "region", "op": "eq", "value": "east"}],
    "action": "user",
}


def capture(org, **data):
    data.setdefault("name", "Wang Wei")
    data.setdefault("mobile", "13800138000")
    return services.lead_capture(organisation=org, data=data, channel="web_form")


def _round_trip(client, path, create, change, field):
    """Create → read → a stale change refused (412, 409) → change → stale delete → delete."""
    status, made, response = client.post(path, create)
    assert status == 201, made
    assert response["ETag"] == f'"{made["version"]}"'
    one = f"{path}/{made['id']}"
    status, got, response = client.get(one)
    assert status == 200 and got == made and response["ETag"] == f'"{made["version"]}"'
    assert made["id"] in {item["id"] for item in client.get(path)[1]}

    stale = made["version"] + 5
    status, body, _ = client.patch(one, change, headers={"If-Match": f'"{stale}"'})
    assert status == 412 and body["error"]["code"] == "precondition_failed"
    status, body, _ = client.patch(one, {**change, "version": stale})
    assert status == 409 and body["error"]["code"] == "version_conflict"
    assert client.get(one)[1] == made

    status, changed, response = client.patch(
        one, change, headers={"If-Match": f'"{made["version"]}"'}
    )
    assert status == 200, changed
    assert changed[field] == change[field] and changed["version"] == made["version"] + 1
    assert response["ETag"] == f'"{changed["version"]}"'

    status, body, _ = client.delete(one, headers={"If-Match": f'"{made["version"]}"'})
    assert status == 412
    assert client.get(one)[0] == 200
    status, _body, _ = client.delete(one)
    assert status == 204
    assert client.get(one)[0] == 404
    return made


def test_assignment_rules_round_trip_and_order(world, api):
    admin = world.users["admin"]
    client = api(admin)
    made = _round_trip(
        client,
        "/assignment-rules",
        {**RULE, "user": world.users["rep_a"].pk},
        {"name": "East, renamed", "is_active": False},
        "name",
    )
    assert made["user"] == {"id": world.users["rep_a"].pk, "name": "rep_a"}
    assert made["conditions"] == RULE["conditions"]
    assert made["summary"] == "Region is East China"
    assert Event.objects.filter(verb="assignment_rule.created").exists()
    assert not AssignmentRule.objects.filter(pk=made["id"]).exists()

    ids = []
    for name in ("First", "Second", "Third"):
        body = {"name": name, "action": "round_robin", "team": world.users["rep_a"].team.pk}
        status, rule, _ = client.post("/assignment-rules", body)
        assert status == 201 and rule["team"]["name"] == "East"
        ids.append(rule["id"])
    assert [r["id"] for r in client.get("/assignment-rules")[1]] == ids
    status, body, _ = client.post("/assignment-rules/reorder", {"ids": ids[::-1]})
    assert status == 200 and [r["id"] for r in body] == ids[::-1]
    assert [r["position"] for r in body] == [1, 2, 3]
    assert [r["id"] for r in client.get("/assignment-rules")[1]] == ids[::-1]
    status, body, _ = client.post("/assignment-rules/reorder", {"ids": ids[:2]})
    assert status == 422 and "ids" in body["error"]["fields"]
    assert [r["id"] for r in client.get("/assignment-rules")[1]] == ids[::-1]


def test_scoring_rules_round_trip(world, api):
    client = api(world.users["admin"])
    made = _round_trip(
        client,
        "/scoring-rules",
        {
            "name": "Referrals",
            "conditions": [{"field": "score", "op": "gte", "value": 10}],
            "points": 20,
        },
        {"points": -5},
        "points",
    )
    assert made["conditions"] == [{"field": "score", "op": "gte", "value": "10"}]
    assert made["is_active"] is True


def test_pools_round_trip(world, api):
    client = api(world.users["admin"])
    made = _round_trip(
        client,
        "/pools",
        {
            "name": "North China",
            "team": world.users["rep_c"].team.pk,
            "region": "north",
            "reclaim_days": 10,
            "claim_limit": 20,
            "account_reclaim_days": 30,
            "account_limit": 100,
            "is_active": True,
        },
        {"claim_limit": 5},
        "claim_limit",
    )
    assert made["team"]["name"] == "North" and made["region"] == "north"
    assert (made["account_reclaim_days"], made["account_limit"], made["unowned"]) == (30, 100, 0)
    # The accounts in the pools keep their own path.
    status, body, _ = client.get("/pools/accounts")
    assert status == 200 and body["items"] == []


def test_pool_with_leads_counts_them_and_the_default_pool_stays(world, api):
    admin = world.users["admin"]
    client = api(admin)
    status, pool, _ = client.post("/pools", {"name": "Everyone"})
    assert status == 201 and (pool["reclaim_days"], pool["claim_limit"]) == (7, 50)
    status, settings, _ = client.patch("/lead-settings", {"default_pool": pool["id"]})
    assert status == 200 and settings["default_pool"] == {"id": pool["id"], "name": "Everyone"}
    capture(world.org, name="Waiting")
    assert client.get(f"/pools/{pool['id']}")[1]["unowned"] == 1
    status, body, _ = client.delete(f"/pools/{pool['id']}")
    assert status == 422 and body["error"]["fields"]["non_field"]
    assert Pool.objects.filter(pk=pool["id"]).exists()


def test_web_forms_round_trip_with_embed_code_and_stats(world, api):
    client = api(world.users["admin"])
    made = _round_trip(
        client,
        "/web-forms",
        {
            "name": "Ask for a quote",
            "fields": ["email", "name", "company"],
            "required": ["email"],
            "allowed_origins": ["www.Example.com", "https://shop.example.cn/page"],
            "consent_text": "Send me news",
        },
        {"name": "Quote"},
        "name",
    )
    assert made["fields"] == ["name", "company", "email"]  # the form's order
    assert made["allowed_origins"] == ["https://www.example.com", "https://shop.example.cn"]
    assert (made["kind"], made["source"], made["leads"], made["last_lead_at"]) == (
        "sales",
        "website",
        0,
        None,
    )
    assert made["url"].startswith("http://testserver/f/") and made["url"].endswith("/")
    assert f'action="{made["url"]}"' in made["snippet"]
    assert 'name="email"' in made["snippet"] and "<iframe" in made["iframe"]

    status, form, _ = client.post("/web-forms", {"name": "Contact us"})
    assert status == 201 and form["fields"] == ["name", "company", "mobile", "email", "message"]
    web_form = WebForm.objects.get(pk=form["id"])
    lead = capture(world.org)
    lead.form = web_form
    lead.save(update_fields=["form"])
    listed = {f["id"]: f for f in client.get("/web-forms")[1]}
    assert listed[form["id"]]["leads"] == 1 and listed[form["id"]]["last_lead_at"]
    assert "snippet" not in listed[form["id"]]
    assert client.get(f"/web-forms/{form['id']}")[1]["leads"] == 1


def test_lead_settings_and_training(world, api):
    admin = world.users["admin"]
    client = api(admin)
    status, settings, response = client.get("/lead-settings")
    assert status == 200
    assert (settings["hot_threshold"], settings["decay_days"]) == (60, 30)
    assert settings["default_pool"]["name"] == "Public pool"  # every organisation starts with it
    assert settings["model"] == {
        "trained": False,
        "trained_at": None,
        "samples": 0,
        "converted": 0,
        "auc": None,
        "reason": "",
    }
    version = settings["version"]
    assert response["ETag"] == f'"{version}"'
    status, body, _ = client.patch(
        "/lead-settings", {"hot_threshold": 80}, headers={"If-Match": f'"{version + 1}"'}
    )
    assert status == 412
    status, body, _ = client.patch("/lead-settings", {"hot_threshold": 80, "version": version + 1})
    assert status == 409
    status, body, _ = client.patch("/lead-settings", {"hot_threshold": 80, "decay_days": 0})
    assert status == 200 and (body["hot_threshold"], body["decay_days"]) == (80, 0)
    assert body["version"] == version + 1

    # Not enough history: the reason, and nothing changes.
    status, body, _ = client.post("/lead-settings/train")
    assert status == 422, body
    assert body["error"]["message"].startswith("Not enough history: 0 closed leads, needs 40")
    stored = LeadSettings.objects.get(organisation=world.org)
    assert stored.model == {} and stored.version == version + 1
    assert not Event.objects.filter(verb="lead_settings.model_trained").exists()

    closed_history(world.org)
    status, body, _ = client.post("/lead-settings/train")
    assert status == 200, body
    model = body["model"]
    assert model["trained"] and model["samples"] == 300 and model["auc"] > 0.7
    assert model["trained_at"] and model["reason"] == ""
    assert body["version"] == version + 2


# --- Who may do what -----------------------------------------------------------------------------


@pytest.fixture
def configured(world):
    """One of each configuration record in org A (the pool is open to everyone)."""
    admin = world.users["admin"]
    return {
        "assignment-rules": configuration.assignment_rule_save(
            actor=admin, data={**RULE, "user": world.users["rep_a"].pk}
        ),
        "scoring-rules": configuration.scoring_rule_save(
            actor=admin, data={"name": "Any", "points": 5}
        ),
        "pools": configuration.pool_save(actor=admin, data={"name": "Open"}),
        "web-forms": configuration.web_form_save(actor=admin, data={"name": "Form"}),
    }


CHANGES = {
    "assignment-rules": {"name": "Changed"},
    "scoring-rules": {"name": "Changed"},
    "pools": {"name": "Changed"},
    "web-forms": {"name": "Changed"},
}
NEW = {
    "assignment-rules": {"name": "New", "action": "pool"},
    "scoring-rules": {"name": "New", "points": 1},
    "pools": {"name": "New"},
    "web-forms": {"name": "New"},
}
ACTORS = ["admin", "manager", "rep_a", "stranger"]


@pytest.mark.parametrize("endpoint", list(CHANGES))
@pytest.mark.parametrize("actor", ACTORS)
def test_permission_matrix(world, api, configured, actor, endpoint):
    user = world.users[actor]
    client = api(user)
    record = configured[endpoint]
    model = type(record)
    one = f"/{endpoint}/{record.pk}"
    admin, stranger = actor == "admin", actor == "stranger"
    # Pools are read by everyone who may claim from them; the rest by administrators.
    readable = endpoint == "pools" or user.role.is_admin

    status, body, _ = client.get(f"/{endpoint}")
    assert status == (200 if readable else 403), body
    if readable:
        assert (record.pk in {item["id"] for item in body}) is not stranger

    status, body, _ = client.get(one)
    assert status == (404 if stranger else 200 if readable else 403), body

    status, body, _ = client.patch(one, CHANGES[endpoint])
    assert status == (200 if admin else 404 if stranger else 403), body
    if not admin:
        assert model.objects.get(pk=record.pk).name == record.name
        assert body["error"]["code"] == ("not_found" if stranger else "permission_denied")

    before = model.objects.count()
    status, body, _ = client.post(f"/{endpoint}", NEW[endpoint])
    assert status == (201 if user.role.is_admin else 403), body
    if stranger:  # made in the stranger's own organisation
        assert model.objects.get(pk=body["id"]).organisation_id == world.other_org.pk
    elif not admin:
        assert model.objects.count() == before

    status, body, _ = client.delete(one)
    assert status == (204 if admin else 404 if stranger else 403), body
    assert model.objects.filter(pk=record.pk).exists() is not admin


@pytest.mark.parametrize("actor", ACTORS)
def test_permission_matrix_settings_and_order(world, api, configured, actor):
    user = world.users[actor]
    client = api(user)
    is_admin = user.role.is_admin
    settings = LeadSettings.objects.get_or_create(organisation=world.org)[0]
    rule = configured["assignment-rules"]

    status, body, _ = client.get("/lead-settings")
    assert status == (200 if is_admin else 403)
    status, body, _ = client.patch("/lead-settings", {"hot_threshold": 90})
    assert status == (200 if is_admin else 403)
    status, body, _ = client.post("/lead-settings/train")
    assert status == (422 if is_admin else 403)  # admins: no history yet
    status, body, _ = client.post("/assignment-rules/reorder", {"ids": [rule.pk]})
    # The stranger's organisation has no such rule: the list is not every rule of theirs.
    assert status == (200 if actor == "admin" else 422 if is_admin else 403), body
    # org A's settings changed only through its administrator
    settings.refresh_from_db()
    assert settings.hot_threshold == (90 if actor == "admin" else 60)
    status, body, _ = client.patch(
        "/lead-settings", {"default_pool": configured["pools"].pk if actor == "stranger" else 0}
    )
    assert status == (422 if is_admin else 403)
    if is_admin:
        assert "default_pool" in body["error"]["fields"]


def test_a_team_pool_is_read_by_its_team_only(world, api):
    north = configuration.pool_save(
        actor=world.users["admin"], data={"name": "North", "team": world.users["rep_c"].team.pk}
    )
    path = f"/pools/{north.pk}"
    for actor, seen in (("rep_a", 404), ("east_manager", 404), ("rep_c", 200), ("manager", 200)):
        client = api(world.users[actor])
        assert client.get(path)[0] == seen, actor
        assert (north.pk in {p["id"] for p in client.get("/pools")[1]}) is (seen == 200)
        assert client.patch(path, {"claim_limit": 1})[0] == (403 if seen == 200 else 404)
    assert Pool.objects.get(pk=north.pk).claim_limit == 50


# --- Bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "endpoint, body, field",
    [
        (
            "assignment-rules",
            {**RULE, "conditions": [{"field": "shoe_size", "op": "eq", "value": "42"}]},
            "conditions",
        ),
        (
            "assignment-rules",
            {**RULE, "conditions": [{"field": "score", "op": "between", "value": "1"}]},
            "conditions",
        ),
        (
            "assignment-rules",
            {**RULE, "conditions": [{"field": "score", "op": "gte", "value": "many"}]},
            "conditions",
        ),
        ("assignment-rules", {"name": "RR", "action": "round_robin"}, "team"),
        ("assignment-rules", {"name": "To nobody", "action": "user"}, "user"),
        ("assignment-rules", {"name": "Odd", "action": "shout"}, "action"),
        ("assignment-rules", {**RULE, "user": 10**12}, "user"),
        ("assignment-rules", {**RULE, "owner": 1}, "owner"),
        ("scoring-rules", {"name": "No points"}, "points"),
        ("scoring-rules", {"name": "Many", "points": 10**6}, "points"),
        ("pools", {"name": "Big", "region": "atlantis"}, "region"),
        ("pools", {"name": "Big", "claim_limit": -1}, "claim_limit"),
        ("pools", {"name": ""}, "name"),
        ("web-forms", {"name": "W", "allowed_origins": ["not a website!"]}, "allowed_origins"),
        ("web-forms", {"name": "W", "allowed_origins": ["ftp://example.com"]}, "allowed_origins"),
        ("web-forms", {"name": "W", "fields": ["name", "shoe_size"]}, "fields"),
        ("web-forms", {"name": "W", "fields": ["name"]}, "fields"),
        ("web-forms", {"name": "W", "fields": ["email"], "required": ["mobile"]}, "required"),
        ("web-forms", {"name": "W", "redirect_url": "javascript:alert(1)"}, "redirect_url"),
    ],
)
def test_bad_input_is_a_field_error_and_stores_nothing(world, api, endpoint, body, field):
    client = api(world.users["admin"])
    before, events = client.get(f"/{endpoint}")[1], Event.objects.count()
    status, answer, _ = client.post(f"/{endpoint}", body)
    assert status == 422, answer
    assert answer["error"]["code"] == "validation_error"
    assert field in answer["error"]["fields"], answer
    assert client.get(f"/{endpoint}")[1] == before
    assert Event.objects.count() == events


def test_bad_change_leaves_the_record_as_it_was(world, api, configured):
    client = api(world.users["admin"])
    rule, form = configured["assignment-rules"], configured["web-forms"]
    status, body, _ = client.patch(
        f"/assignment-rules/{rule.pk}", {"action": "round_robin", "name": "Half"}
    )
    assert status == 422 and "team" in body["error"]["fields"]
    status, body, _ = client.patch(
        f"/assignment-rules/{rule.pk}", {"conditions": [{"field": "nope", "op": "eq"}]}
    )
    assert status == 422 and "conditions" in body["error"]["fields"]
    stored = AssignmentRule.objects.get(pk=rule.pk)
    assert (stored.name, stored.action, stored.version) == (rule.name, "user", rule.version)
    assert stored.conditions == RULE["conditions"]
    status, body, _ = client.patch(
        f"/web-forms/{form.pk}", {"name": "Other", "allowed_origins": ["https://ok.cn", "::"]}
    )
    assert status == 422 and "allowed_origins" in body["error"]["fields"]
    stored = WebForm.objects.get(pk=form.pk)
    assert (stored.name, stored.allowed_origins, stored.version) == ("Form", "", form.version)
    status, body, _ = client.patch(f"/pools/{configured['pools'].pk}", {"team": 10**12})
    assert status == 422 and "team" in body["error"]["fields"]


def test_pool_and_rule_of_another_organisation_cannot_be_named(world, api, configured):
    client = api(world.users["stranger"])
    status, body, _ = client.post(
        "/assignment-rules", {"name": "Theirs", "action": "pool", "pool": configured["pools"].pk}
    )
    assert status == 422 and "pool" in body["error"]["fields"]
    status, body, _ = client.post(
        "/pools", {"name": "Theirs", "team": world.users["rep_a"].team.pk}
    )
    assert status == 422 and "team" in body["error"]["fields"]
    assert not AssignmentRule.objects.filter(name="Theirs").exists()
    assert not Pool.objects.filter(name="Theirs").exists()


# --- The rules at work -------------------------------------------------------------------------


def test_a_rule_made_through_the_api_routes_the_next_lead(world, api):
    client = api(world.users["admin"])
    rep_a, rep_c = world.users["rep_a"], world.users["rep_c"]
    assert capture(world.org, region="east").owner_id is None
    status, east, _ = client.post("/assignment-rules", {**RULE, "user": rep_a.pk})
    assert status == 201
    assert capture(world.org, region="east", mobile="13900139000").owner_id == rep_a.pk
    assert capture(world.org, region="north", mobile="13700137000").owner_id is None

    status, everyone, _ = client.post(
        "/assignment-rules",
        {"name": "All to North", "action": "round_robin", "team": rep_c.team.pk},
    )
    assert status == 201
    assert capture(world.org, region="east", mobile="13600136000").owner_id == rep_a.pk
    client.post("/assignment-rules/reorder", {"ids": [everyone["id"], east["id"]]})
    assert capture(world.org, region="east", mobile="13500135000").owner_id == rep_c.pk
    client.patch(f"/assignment-rules/{everyone['id']}", {"is_active": False})
    assert capture(world.org, region="east", mobile="13400134000").owner_id == rep_a.pk
    client.delete(f"/assignment-rules/{east['id']}")
    assert capture(world.org, region="east", mobile="13300133000").owner_id is None


def test_a_scoring_rule_made_through_the_api_scores_the_next_lead(world, api):
    client = api(world.users["admin"])
    before = capture(world.org, email="a@example.cn", mobile="").score
    status, _rule, _ = client.post(
        "/scoring-rules",
        {"name": "Email", "conditions": [{"field": "email", "op": "not_empty"}], "points": 35},
    )
    assert status == 201
    assert capture(world.org, email="b@example.cn", mobile="").score == before + 35


# --- Cost and description -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "endpoint, make",
    [
        (
            "assignment-rules",
            lambda w, i: configuration.assignment_rule_save(
                actor=w.users["admin"],
                data={
                    "name": f"R{i}",
                    "action": "round_robin",
                    "team": w.users["rep_a"].team.pk,
                    "conditions": RULE["conditions"],
                },
            ),
        ),
        (
            "scoring-rules",
            lambda w, i: configuration.scoring_rule_save(
                actor=w.users["admin"], data={"name": f"S{i}", "points": i}
            ),
        ),
        (
            "pools",
            lambda w, i: configuration.pool_save(
                actor=w.users["admin"], data={"name": f"P{i}", "team": w.users["rep_a"].team.pk}
            ),
        ),
        (
            "web-forms",
            lambda w, i: configuration.web_form_save(
                actor=w.users["admin"], data={"name": f"W{i}"}
            ),
        ),
    ],
)
def test_list_queries_do_not_grow_with_rows(world, api, endpoint, make):
    client = api(world.users["admin"])
    make(world, 0)
    client.get(f"/{endpoint}")  # warm up (token, caches)
    with CaptureQueriesContext(connection) as few:
        status, body, _ = client.get(f"/{endpoint}")
    assert status == 200
    rows = len(body)
    for i in range(1, 8):
        make(world, i)
    with CaptureQueriesContext(connection) as many:
        status, body, _ = client.get(f"/{endpoint}")
    assert status == 200 and len(body) == rows + 7
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_openapi_describes_the_configuration(client):
    spec = client.get("/api/v1/openapi.json").json()
    paths = spec["paths"]
    for path in (
        "/api/v1/lead-settings",
        "/api/v1/lead-settings/train",
        "/api/v1/assignment-rules",
        "/api/v1/assignment-rules/{id}",
        "/api/v1/assignment-rules/reorder",
        "/api/v1/scoring-rules/{id}",
        "/api/v1/pools",
        "/api/v1/pools/{id}",
        "/api/v1/pools/accounts",
        "/api/v1/web-forms/{id}",
    ):
        assert path in paths, path
    create = paths["/api/v1/assignment-rules"]["post"]["description"]
    assert "`days_since_touch`" in create and "`not_empty`" in create
    assert set(paths["/api/v1/pools"]) == {"get", "post"}
    assert "If-Match" in paths["/api/v1/lead-settings"]["patch"]["description"]
    assert "If-Match" in paths["/api/v1/web-forms/{id}"]["patch"]["description"]
