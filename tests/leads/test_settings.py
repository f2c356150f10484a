"""Settings → Leads in the browser: assignment rules, scoring, the learned model, pools."""

from __future__ import annotations

import os

import pytest
from django.db import connections
from django.urls import reverse

from guanxi.core.models import Event
from guanxi.core.services import team_create
from guanxi.leads import configuration, services
from guanxi.leads.models import AssignmentRule, Lead, LeadSettings, Pool, ScoringRule
from tests.conftest import make_org, make_user

pytestmark = pytest.mark.django_db

SETTINGS = reverse("leads:settings")
NEW_RULE = reverse("leads:assignment_rule_create")
REORDER = reverse("leads:assignment_rule_reorder")


def capture(org, **data):
    data.setdefault("name", "Wang Wei")
    data.setdefault("mobile", "13800138000")
    return services.lead_capture(organisation=org, data=data, channel="web_form")


def rule_post(name, action, conditions=(), **targets):
    """The form as the browser posts it: one cond_field/cond_op/cond_value per row."""
    return {
        "name": name,
        "is_active": "on",
        "action": action,
        "user": "",
        "team": "",
        "pool": "",
        **{k: str(v) for k, v in targets.items()},
        "cond_field": [c[0] for c in conditions],
        "cond_op": [c[1] for c in conditions],
        "cond_value": [c[2] for c in conditions],
    }


def make_rule(admin, name, conditions, **data):
    return configuration.assignment_rule_save(
        actor=admin,
        data={
            "name": name,
            "conditions": [{"field": f, "op": o, "value": v} for f, o, v in conditions],
            **data,
        },
    )


# --- Who may see the pages ----------------------------------------------------------------------


def test_admin_sees_every_settings_page(world, client_for, django_assert_max_num_queries):
    admin = world.users["admin"]
    rule = make_rule(
        admin, "East to Rep A", [("region", "eq", "east")], action="user", user=world.users["rep_a"]
    )
    pool = Pool.objects.get(organisation=world.org)
    for i in range(5):  # the number of queries does not grow with the rules
        make_rule(admin, f"Team {i}", [], action="round_robin", team=world.users["rep_a"].team)
        make_rule(admin, f"Pool {i}", [("source", "eq", "website")], action="pool", pool=pool)
    client = client_for(admin)
    with django_assert_max_num_queries(10):
        response = client.get(SETTINGS)
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "Assignment rules",
        "East to Rep A",
        "Region is East China",  # the condition summary shows the region's label
        "Scoring",
        "Referral",  # a default scoring rule
        "Learned conversion model",
        "Not trained yet.",
        "Pools",
        "Public pool",
        'aria-current="page">Leads',
    ):
        assert text in html, text
    scoring_rule = ScoringRule.objects.filter(organisation=world.org).first()
    for url in (
        NEW_RULE,
        reverse("leads:assignment_rule_edit", args=[rule.pk]),
        reverse("leads:assignment_rule_delete", args=[rule.pk]),
        reverse("leads:scoring_rule_create"),
        reverse("leads:scoring_rule_edit", args=[scoring_rule.pk]),
        reverse("leads:scoring_rule_delete", args=[scoring_rule.pk]),
        reverse("leads:pool_create"),
        reverse("leads:pool_edit", args=[pool.pk]),
        reverse("leads:pool_delete", args=[pool.pk]),
    ):
        assert client.get(url).status_code == 200, url


def test_rep_and_manager_get_403(world, client_for):
    admin = world.users["admin"]
    rule = make_rule(admin, "Everyone", [], action="user", user=world.users["rep_a"])
    pool = Pool.objects.get(organisation=world.org)
    for name in ("rep_a", "manager"):
        client = client_for(world.users[name])
        for url in (
            SETTINGS,
            NEW_RULE,
            reverse("leads:assignment_rule_edit", args=[rule.pk]),
            reverse("leads:scoring_rule_create"),
            reverse("leads:pool_edit", args=[pool.pk]),
        ):
            assert client.get(url).status_code == 403, url
        assert client.post(REORDER, {"order": [rule.pk]}).status_code == 403
        assert client.post(reverse("leads:model_train")).status_code == 403
        assert (
            client.post(NEW_RULE, rule_post("Mine", "user", user=world.users[name].pk)).status_code
            == 403
        )
        assert client.post(SETTINGS, {"hot_threshold": 1, "decay_days": 1}).status_code == 403
    assert AssignmentRule.objects.count() == 1


def test_another_organisations_rule_is_not_found(world, client_for):
    stranger = world.users["stranger"]
    rule = make_rule(stranger, "Theirs", [], action="user", user=stranger)
    client = client_for(world.users["admin"])
    assert client.get(reverse("leads:assignment_rule_edit", args=[rule.pk])).status_code == 404
    assert client.post(reverse("leads:assignment_rule_delete", args=[rule.pk])).status_code == 404


# --- Assignment rules ---------------------------------------------------------------------------


def test_rule_created_through_the_form_routes_new_leads(world, client_for):
    rep_b = world.users["rep_b"]
    client = client_for(world.users["admin"])
    response = client.post(
        NEW_RULE,
        rule_post(
            "East referrals",
            "user",
            [("region", "eq", "east"), ("source", "in", "referral, exhibition"), ("", "eq", "")],
            user=rep_b.pk,
            team=world.users["admin"].team_id,  # not used by this action: not saved
        ),
    )
    assert response.status_code == 302
    assert response["Location"].endswith(SETTINGS + "#assignment-rules")
    rule = AssignmentRule.objects.get(organisation=world.org)
    assert rule.conditions == [
        {"field": "region", "op": "eq", "value": "east"},
        {"field": "source", "op": "in", "value": "referral, exhibition"},
    ]
    assert (rule.user_id, rule.team_id, rule.pool_id) == (rep_b.pk, None, None)
    assert Event.objects.filter(verb="assignment_rule.created").count() == 1

    lead = capture(world.org, region="east", source="exhibition")
    assert lead.owner_id == rep_b.pk
    other = capture(
        world.org, name="Li Na", mobile="13900139000", region="north", source="referral"
    )
    assert other.owner_id is None and other.pool is not None


def test_editing_a_rule_keeps_its_conditions_and_checks_the_version(world, client_for):
    admin = world.users["admin"]
    rule = make_rule(
        admin,
        "Big fish",
        [("score", "gte", "50")],
        action="round_robin",
        team=world.users["rep_a"].team,
    )
    client = client_for(admin)
    url = reverse("leads:assignment_rule_edit", args=[rule.pk])
    html = client.get(url).content.decode()
    assert '<option value="score" selected>' in html
    assert 'name="cond_value" value="50"' in html
    data = rule_post(
        "Bigger fish", "least_loaded", [("score", "gte", "70")], team=world.users["rep_a"].team_id
    )
    response = client.post(url, {**data, "version": rule.version})
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.name, rule.action, rule.version) == ("Bigger fish", "least_loaded", 2)
    assert rule.conditions == [{"field": "score", "op": "gte", "value": "70"}]
    stale = client.post(url, {**data, "name": "Stale", "version": 1})
    assert stale.status_code == 409
    assert "changed by someone else" in stale.content.decode()
    rule.refresh_from_db()
    assert rule.name == "Bigger fish"


@pytest.mark.parametrize(
    "data, field, message",
    [
        (
            rule_post("No team", "round_robin", [("region", "eq", "east")]),
            "team",
            "Choose the team whose members get the leads.",
        ),
        (
            rule_post("No user", "user", [("region", "eq", "east")]),
            "user",
            "Choose the user who gets the leads.",
        ),
        (
            rule_post("Wordy score", "pool", [("region", "eq", "east"), ("score", "gte", "lots")]),
            "conditions",
            "Condition 2: enter a number.",
        ),
        (
            rule_post("Shoe size", "pool", [("shoe_size", "eq", "42")]),
            "conditions",
            "Condition 1: choose a field to test.",
        ),
        (rule_post("", "pool", []), "name", "This field is required."),
    ],
)
def test_bad_rule_is_a_400_with_the_error_next_to_its_field(
    world, client_for, data, field, message
):
    client = client_for(world.users["admin"])
    before = (AssignmentRule.objects.count(), Event.objects.count())
    response = client.post(NEW_RULE, data)
    assert response.status_code == 400
    html = response.content.decode()
    errors_id = "conditions-errors" if field == "conditions" else f"id_{field}-errors"
    start = html.index(f'id="{errors_id}"')
    assert message in html[start : start + 300]
    assert (AssignmentRule.objects.count(), Event.objects.count()) == before


def test_reorder_changes_which_rule_wins(world, client_for):
    admin, rep_a, rep_b = world.users["admin"], world.users["rep_a"], world.users["rep_b"]
    first = make_rule(admin, "East", [("region", "eq", "east")], action="user", user=rep_a)
    second = make_rule(
        admin, "Referrals", [("source", "eq", "referral")], action="user", user=rep_b
    )
    assert capture(world.org, region="east", source="referral").owner_id == rep_a.pk

    client = client_for(admin)
    # Without JavaScript: the "Down" button of the first rule posts the list and the move.
    response = client.post(REORDER, {"order": [first.pk, second.pk], "down": first.pk})
    assert response.status_code == 302
    order = list(AssignmentRule.objects.order_by("position").values_list("pk", flat=True))
    assert order == [second.pk, first.pk]
    lead = capture(
        world.org, name="Zhao Lei", mobile="13700137000", region="east", source="referral"
    )
    assert lead.owner_id == rep_b.pk

    # Drag and drop (htmx): the whole order; the list comes back with a toast.
    response = client.post(
        REORDER, {"order": [first.pk, second.pk]}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "toast" in response["HX-Trigger"]
    html = response.content.decode()
    assert html.index(">East<") < html.index(">Referrals<")
    assert "<html" not in html
    lead = capture(world.org, name="Sun Li", mobile="13600136000", region="east", source="referral")
    assert lead.owner_id == rep_a.pk


def test_reorder_must_list_every_rule_once(world, client_for):
    admin = world.users["admin"]
    first = make_rule(admin, "A", [], action="user", user=world.users["rep_a"])
    make_rule(admin, "B", [], action="user", user=world.users["rep_b"])
    client = client_for(admin)
    response = client.post(REORDER, {"order": [first.pk]}, headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert "List every rule exactly once." in response["HX-Trigger"]
    assert list(AssignmentRule.objects.order_by("position").values_list("name", flat=True)) == [
        "A",
        "B",
    ]


def test_condition_rows_can_be_added_and_removed_without_javascript(world, client_for):
    client = client_for(world.users["admin"])
    data = rule_post("Draft", "pool", [("region", "eq", "east"), ("source", "eq", "referral")])
    response = client.post(NEW_RULE, {**data, "add_condition": "1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<tr data-condition-row>") == 4  # three rows and the template's
    assert "errors" not in html.split("data-conditions", 1)[1].split("</fieldset>", 1)[0]
    response = client.post(NEW_RULE, {**data, "remove_condition": "0"})
    html = response.content.decode()
    assert html.count("<tr data-condition-row>") == 2
    assert '<option value="source" selected>' in html
    assert '<option value="region" selected>' not in html
    assert AssignmentRule.objects.count() == 0


def test_rule_delete_asks_then_deletes(world, client_for):
    admin = world.users["admin"]
    rule = make_rule(admin, "Old rule", [], action="user", user=world.users["rep_a"])
    client = client_for(admin)
    url = reverse("leads:assignment_rule_delete", args=[rule.pk])
    assert "Delete “Old rule”?" in client.get(url).content.decode()
    assert client.post(url, {"version": rule.version + 1}).status_code == 200  # stale: refused
    assert AssignmentRule.objects.filter(pk=rule.pk).exists()
    assert client.post(url, {"version": rule.version}).status_code == 302
    assert not AssignmentRule.objects.filter(pk=rule.pk).exists()


# --- Scoring ------------------------------------------------------------------------------------


def test_scoring_rule_and_settings_through_the_forms(world, client_for):
    client = client_for(world.users["admin"])
    ScoringRule.objects.filter(organisation=world.org).delete()
    response = client.post(
        reverse("leads:scoring_rule_create"),
        {
            "name": "Food industry",
            "is_active": "on",
            "points": "30",
            "cond_field": ["industry"],
            "cond_op": ["contains"],
            "cond_value": ["food"],
        },
    )
    assert response.status_code == 302
    rule = ScoringRule.objects.get(organisation=world.org)
    assert (rule.points, rule.conditions) == (
        30,
        [{"field": "industry", "op": "contains", "value": "food"}],
    )
    assert capture(world.org, industry="Frozen food").score == 30
    assert capture(world.org, name="Li Na", mobile="13900139000", industry="Steel").score == 0

    settings = LeadSettings.objects.get(organisation=world.org)
    pool = Pool.objects.create(organisation=world.org, name="Overseas", region="overseas")
    response = client.post(
        SETTINGS,
        {
            "hot_threshold": "25",
            "decay_days": "14",
            "default_pool": pool.pk,
            "version": settings.version,
        },
    )
    assert response.status_code == 302
    settings.refresh_from_db()
    assert (settings.hot_threshold, settings.decay_days, settings.default_pool_id) == (
        25,
        14,
        pool.pk,
    )
    response = client.post(SETTINGS, {"hot_threshold": "x", "decay_days": "-1"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_hot_threshold-errors"' in html and 'id="id_decay_days-errors"' in html


def test_bad_scoring_rule_is_a_400(world, client_for):
    client = client_for(world.users["admin"])
    before = ScoringRule.objects.count()
    response = client.post(
        reverse("leads:scoring_rule_create"),
        {
            "name": "Odd",
            "points": "5",
            "cond_field": ["activities"],
            "cond_op": ["lte"],
            "cond_value": ["few"],
        },
    )
    assert response.status_code == 400
    assert "Condition 1: enter a number." in response.content.decode()
    assert ScoringRule.objects.count() == before


# --- Learned model ------------------------------------------------------------------------------


def test_train_now_with_too_little_history_shows_why(world, client_for):
    client = client_for(world.users["admin"])
    for i in range(3):
        lead = capture(world.org, name=f"Lead {i}", mobile=f"1380013800{i}")
        Lead.objects.filter(pk=lead.pk).update(status="disqualified")
    response = client.post(reverse("leads:model_train"), follow=True)
    assert response.status_code == 200
    expected = "Not enough history: 3 closed leads, needs 40 with at least 10 of each outcome"
    assert expected in response.content.decode()
    settings = LeadSettings.objects.get(organisation=world.org)
    assert settings.model["reason"] == "not_enough_history"
    assert Event.objects.filter(verb="lead_settings.model_trained").exists()


def test_a_trained_model_shows_its_auc(world, client_for):
    LeadSettings.objects.filter(organisation=world.org).update(
        model={
            "samples": 300,
            "converted": 90,
            "trained_at": "2026-11-20T08:00:00+00:00",
            "features": [],
            "coef": [],
            "intercept": 0.0,
            "auc": 0.8134,
        }
    )
    html = client_for(world.users["admin"]).get(SETTINGS).content.decode()
    assert "0.81" in html and "In use" in html and "210" in html


# --- Pools --------------------------------------------------------------------------------------


def test_pool_edit(world, client_for):
    client = client_for(world.users["admin"])
    pool = Pool.objects.get(organisation=world.org)
    east = world.users["rep_a"].team
    url = reverse("leads:pool_edit", args=[pool.pk])
    response = client.post(
        url,
        {
            "name": "East pool",
            "team": east.pk,
            "region": "east",
            "reclaim_days": "3",
            "claim_limit": "20",
            "account_reclaim_days": "90",
            "account_limit": "200",
            "is_active": "on",
            "version": pool.version,
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#pools")
    assert Pool.objects.filter(account_reclaim_days=90, account_limit=200).count() == 1
    pool.refresh_from_db()
    assert (pool.name, pool.team_id, pool.region, pool.reclaim_days, pool.claim_limit) == (
        "East pool",
        east.pk,
        "east",
        3,
        20,
    )
    assert pool.version == 2
    assert "East pool" in client.get(SETTINGS).content.decode()

    response = client.post(
        url,
        {
            "name": "X",
            "region": "mars",
            "reclaim_days": "-1",
            "claim_limit": "5",
            "version": pool.version,
        },
    )
    assert response.status_code == 400
    pool.refresh_from_db()
    assert pool.name == "East pool"


def test_pool_names_are_unique_and_used_pools_are_kept(world, client_for):
    admin = world.users["admin"]
    client = client_for(admin)
    response = client.post(
        reverse("leads:pool_create"),
        {"name": "Public pool", "region": "", "reclaim_days": "7", "claim_limit": "50"},
    )
    assert response.status_code == 400
    assert "A pool with this name already exists." in response.content.decode()

    response = client.post(
        reverse("leads:pool_create"),
        {
            "name": "South pool",
            "region": "south",
            "reclaim_days": "7",
            "claim_limit": "50",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    south = Pool.objects.get(name="South pool")
    make_rule(admin, "South to pool", [("region", "eq", "south")], action="pool", pool=south)
    url = reverse("leads:pool_delete", args=[south.pk])
    response = client.post(url, {"version": south.version})
    assert "Assignment rules put leads in this pool: South to pool." in response.content.decode()
    assert Pool.objects.filter(pk=south.pk).exists()
    assert AssignmentRule.objects.filter(name="South to pool").exists()

    AssignmentRule.objects.filter(name="South to pool").delete()
    assert client.post(url, {"version": south.version}).status_code == 302
    assert not Pool.objects.filter(pk=south.pk).exists()

    default = LeadSettings.objects.get(organisation=world.org).default_pool
    response = client.post(
        reverse("leads:pool_delete", args=[default.pk]), {"version": default.version}
    )
    assert "The default pool cannot be deleted." in response.content.decode()


# --- In a real browser: settings.js, htmx and SortableJS under the CSP ----------------------------

CHROMIUM = "/usr/bin/chromium"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Chromium is not installed")
def test_rule_editor_and_reordering_in_a_browser(live_server, monkeypatch):
    sync_api = pytest.importorskip("playwright.sync_api")
    from tests.browser.test_ui import Page

    # Playwright's sync API runs an event loop in this thread; the ORM must still work.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    org = make_org("Browser Co")
    team = team_create(actor=None, organisation=org, name="East")
    admin = make_user(org, "admin", team, username="ada")
    rep = make_user(org, "sales_rep", team, username="rep1")
    for name in ("A", "B", "C"):
        make_rule(admin, name, [], action="user", user=rep)

    def names():
        return list(AssignmentRule.objects.order_by("position").values_list("name", flat=True))

    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        try:
            ui = Page(browser, live_server.url)
            ui.login("ada")
            page = ui.go(SETTINGS)
            page.wait_for_selector("[data-drag-handle]:visible")

            # "Down" through htmx: the list is redrawn and the focus stays on the button.
            rule_a = AssignmentRule.objects.get(name="A")
            page.click(f"button[name=down][value='{rule_a.pk}']")
            page.wait_for_selector("#assignment-rules tbody tr:first-child :text-is('B')")
            assert names() == ["B", "A", "C"]
            assert page.evaluate("document.activeElement.name") == "down"

            # Drag C (by its first cell) upwards: the new order is saved as shown.
            rows = page.locator("#assignment-rules tbody tr")
            source = rows.nth(2).locator("td").first.bounding_box()
            target = rows.nth(0).locator("td").first.bounding_box()
            with page.expect_response(lambda r: r.url.endswith(REORDER)) as response:
                page.mouse.move(source["x"] + 5, source["y"] + source["height"] / 2)
                page.mouse.down()
                page.mouse.move(target["x"] + 5, target["y"] + target["height"] / 2, steps=20)
                page.mouse.move(target["x"] + 5, target["y"] + 2, steps=5)
                page.mouse.up()
            assert response.value.status == 200
            shown = page.locator("#assignment-rules tbody td.cell-main").all_inner_texts()
            assert names() == shown != ["B", "A", "C"]
            assert shown.index("C") < 2

            # The editor: the action shows its target; rows are added and removed in place.
            page = ui.go(NEW_RULE)
            assert page.is_hidden("#id_user") and page.is_visible("#id_team")
            page.select_option("#id_action", "user")
            assert page.is_visible("#id_user") and page.is_hidden("#id_team")
            assert page.is_hidden("#id_pool")
            page.fill("#id_name", "From the browser")
            page.select_option("select[name=cond_field] >> nth=0", "region")
            page.fill("input[name=cond_value] >> nth=0", "east")
            page.click("[data-add-condition]")
            page.select_option("select[name=cond_field] >> nth=1", "source")
            page.select_option("select[name=cond_op] >> nth=1", "not_empty")
            page.click("[data-add-condition]")
            assert page.locator("tbody [data-condition-row]").count() == 3
            page.click("tbody [data-condition-row] >> nth=2 >> [data-remove-condition]")
            assert page.locator("tbody [data-condition-row]").count() == 2
            page.select_option("#id_user", str(rep.pk))
            page.press("#id_name", "Enter")  # Enter saves (not "Remove" of the first row)
            page.wait_for_url("**/settings/leads/#assignment-rules")
            rule = AssignmentRule.objects.get(name="From the browser")
            assert rule.conditions == [
                {"field": "region", "op": "eq", "value": "east"},
                {"field": "source", "op": "not_empty", "value": ""},
            ]
            assert (rule.user_id, rule.team_id) == (rep.pk, None)
            ui.assert_no_csp_errors()
        finally:
            browser.close()
            # The ORM calls above ran inside Playwright's greenlet, on connections of their own.
            connections.close_all()
