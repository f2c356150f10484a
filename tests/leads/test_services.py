"""Leads through the service layer: intake, cleaning, duplicates, rules, pools, conversion."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guanxi.activities.models import Activity
from guanxi.activities.services import activity_create
from guanxi.core.errors import InvalidTransition, ValidationFailed
from guanxi.core.models import Event, Notification
from guanxi.customers.services import account_create, contact_create
from guanxi.leads import configuration, services
from guanxi.leads.models import Lead, LeadMatch, LeadSettings, Pool
from guanxi.leads.selectors import lead_list, lead_timeline

pytestmark = pytest.mark.django_db


def capture(org, **data):
    return services.lead_capture(organisation=org, data=data, channel="web_form")


def test_capture_cleans_and_normalises(org):
    lead = capture(
        org,
        name="  王  小明 ",
        company="杭州鑫盛食品有限公司",
        mobile="138 0013 8000",
        email="Wang.XM@Example.COM",
        utm={"utm_source": "baidu", "utm_campaign": "spring"},
    )
    assert lead.name == "王 小明"
    assert lead.mobile == "+8613800138000"
    assert lead.email == "wang.xm@example.com"
    assert lead.utm == {"utm_source": "baidu", "utm_campaign": "spring"}
    assert lead.invalid_reason == ""
    assert lead.score > 0 and lead.scored_at is not None
    assert Event.objects.filter(verb="lead.created", object_id=lead.pk).exists()


@pytest.mark.parametrize(
    "data, field",
    [
        ({"name": "A", "mobile": "12345"}, "mobile"),
        ({"name": "A", "email": "not-an-email"}, "email"),
        ({"name": "A" * 101, "email": "a@b.cn"}, "name"),
        ({"name": "A", "email": "a@b.cn", "region": "mars"}, "region"),
        ({"name": "A", "email": "a@b.cn", "utm": {"gclid": "x"}}, "utm"),
        ({"name": "A", "email": "a@b.cn", "owner_id": 1}, "owner_id"),
    ],
)
def test_bad_input_is_a_field_error_and_stores_nothing(org, data, field):
    before = (Lead.objects.count(), Event.objects.count())
    with pytest.raises(ValidationFailed) as exc:
        capture(org, **data)
    assert field in exc.value.fields
    assert (Lead.objects.count(), Event.objects.count()) == before


@pytest.mark.parametrize(
    "data",
    [
        {"name": "No channel", "company": "Acme"},
        {"name": "test", "email": "t@example.com"},
        {"name": "测试", "mobile": "13800138000"},
        {"name": "Buy now https://spam.example", "email": "s@example.com"},
        {"name": "Zhang", "mobile": "13888888888"},
    ],
)
def test_invalid_leads_are_kept_with_a_reason_and_not_routed(org, data):
    lead = capture(org, **data)
    assert lead.invalid_reason
    assert lead.owner_id is None and lead.pooled_at is None


def test_duplicates_are_linked_not_dropped(world):
    admin = world.users["admin"]
    account = account_create(actor=admin, data={"name": "杭州鑫盛食品有限公司"})
    contact = contact_create(
        actor=admin, data={"name": "王伟", "mobile": "13900139000", "email": "ww@xs.cn"}
    )
    first = capture(world.org, name="王伟", mobile="139-0013-9000")
    lead = capture(
        world.org, name="王伟", company="鑫盛食品", email="WW@xs.cn", mobile="13900139000"
    )
    found = set(
        LeadMatch.objects.filter(lead=lead).values_list("object_type", "object_id", "reason")
    )
    assert ("contact", contact.pk, "phone") in found
    assert ("contact", contact.pk, "email") in found
    assert ("lead", first.pk, "phone") in found
    assert ("account", account.pk, "company") in found
    assert Lead.objects.filter(pk=lead.pk).exists()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's planner")
def test_duplicate_check_searches_each_key_index_without_statistics(world):
    """The check runs at every new lead: each phone and email arm must be an index search
    on that column even when the leads table was never analysed (SQLite then guesses ten
    rows for ``organisation_id = ?`` and would read every lead of the organisation)."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # statistics for the other tables, none for empty ones
        cursor.execute("DELETE FROM sqlite_stat1 WHERE tbl = 'leads_lead'")
        cursor.execute("ANALYZE sqlite_schema")  # the planner reads the statistics again
    with CaptureQueriesContext(connection) as queries:
        capture(world.org, name="王伟", mobile="13900139000", email="ww@xs.cn")
    check = next(q["sql"] for q in queries if "UNION ALL" in q["sql"] and "AS lead_" in q["sql"])
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + check)
        plan = [row[-1] for row in cursor.fetchall()]
    reads = [p for p in plan if "leads_lead" in p or "customers_contact" in p]
    assert reads, plan
    assert all(p.startswith("SEARCH") and ("mobile=?" in p or "email=?" in p) for p in reads), plan


def test_general_enquiries_are_kept_apart(world):
    rep = world.users["rep_a"]
    services.lead_create(
        actor=rep, data={"name": "Q", "email": "q@x.cn", "kind": "enquiry"}, owner=rep.pk
    )
    services.lead_create(actor=rep, data={"name": "S", "email": "s@x.cn"}, owner=rep.pk)
    names = {lead.name for lead in lead_list(rep, filters={"view": "all"}).items}
    assert names == {"S"}
    names = {lead.name for lead in lead_list(rep, filters={"view": "enquiries"}).items}
    assert names == {"Q"}


# --- Assignment rules -----------------------------------------------------------------------


def _rule(admin, **data):
    return configuration.assignment_rule_save(actor=admin, data=data)


def test_first_matching_rule_wins_in_order(world):
    admin, rep_a, rep_c = world.users["admin"], world.users["rep_a"], world.users["rep_c"]
    east = _rule(
        admin,
        name="East",
        action="user",
        user=rep_a.pk,
        conditions=[{"field": "region", "op": "eq", "value": "east"}],
    )
    _rule(
        admin,
        name="Referrals",
        action="user",
        user=rep_c.pk,
        conditions=[{"field": "source", "op": "eq", "value": "referral"}],
    )
    lead = capture(world.org, name="A", email="a@x.cn", region="east", source="referral")
    assert lead.owner == rep_a
    ids = [r.pk for r in reversed(list(configuration.AssignmentRule.objects.order_by("position")))]
    configuration.assignment_rules_reorder(actor=admin, ids=ids)
    lead = capture(world.org, name="B", email="b@x.cn", region="east", source="referral")
    assert lead.owner == rep_c
    event = Event.objects.filter(verb="lead.assigned", object_id=lead.pk).get()
    assert event.data["rule"] == "Referrals"
    assert east.pk in ids


def test_round_robin_takes_turns_and_least_loaded_balances(world):
    admin = world.users["admin"]
    east = world.users["rep_a"].team
    _rule(admin, name="RR", action="round_robin", team=east.pk)
    owners = [capture(world.org, name=f"L{i}", email=f"l{i}@x.cn").owner for i in range(6)]
    members = {world.users["rep_a"], world.users["rep_b"], world.users["east_manager"]}
    assert set(owners) == members
    assert all(owners.count(u) == 2 for u in members)
    assert owners[:3] != owners[1:4]  # turns, not the same person twice in a row

    configuration.AssignmentRule.objects.all().delete()
    _rule(admin, name="Load", action="least_loaded", team=east.pk)
    lead = capture(world.org, name="X", email="x@x.cn")
    assert lead.owner in members


def test_a_changed_role_takes_a_user_out_of_the_turns_at_once(world):
    """Who can be given leads is held between leads; a permission change drops it."""
    from guanxi.core.models import Role
    from guanxi.core.services import user_change_role

    admin, rep_b = world.users["admin"], world.users["rep_b"]
    east = world.users["rep_a"].team
    _rule(admin, name="RR", action="round_robin", team=east.pk)
    capture(world.org, name="First", email="first@x.cn")
    readers = Role.objects.create(
        organisation=world.org, code="reader", name="Reader", permissions={"lead": ["read"]}
    )
    user_change_role(actor=admin, user=rep_b, role=readers, team=east)
    owners = {capture(world.org, name=f"L{i}", email=f"l{i}@x.cn").owner for i in range(6)}
    assert rep_b not in owners
    assert owners == {world.users["rep_a"], world.users["east_manager"]}


def test_rule_validation(world):
    admin = world.users["admin"]
    with pytest.raises(ValidationFailed) as exc:
        _rule(admin, name="No team", action="round_robin")
    assert "team" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        _rule(
            admin, name="Bad", action="pool", conditions=[{"field": "x", "op": "eq", "value": "1"}]
        )
    assert "conditions" in exc.value.fields
    from guanxi.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        _rule(world.users["manager"], name="Nope", action="pool")


def test_no_rule_sends_web_leads_to_the_pool_and_manual_leads_to_their_author(world):
    rep = world.users["rep_a"]
    web = capture(world.org, name="W", email="w@x.cn")
    assert web.owner_id is None and web.pool is not None and web.pooled_at is not None
    mine = services.lead_create(actor=rep, data={"name": "M", "email": "m@x.cn"})
    assert mine.owner == rep


def test_new_owner_is_notified_in_app(world, django_capture_on_commit_callbacks):
    admin, rep = world.users["admin"], world.users["rep_a"]
    _rule(admin, name="All to rep_a", action="user", user=rep.pk)
    with django_capture_on_commit_callbacks(execute=True):
        lead = capture(world.org, name="Notify me", email="n@x.cn")
    note = Notification.objects.get(user=rep)
    assert "Notify me" in note.text and note.url.endswith(f"/leads/{lead.pk}/")


# --- Pools ---------------------------------------------------------------------------------------


def test_claim_release_and_the_claim_limit(world):
    rep = world.users["rep_a"]
    pool = Pool.objects.get(organisation=world.org)
    pool.claim_limit = 1
    pool.save()
    a = capture(world.org, name="A", email="a@x.cn")
    b = capture(world.org, name="B", email="b@x.cn")
    a = services.lead_claim(actor=rep, lead=a)
    assert a.owner == rep and a.pooled_at is None
    with pytest.raises(ValidationFailed):
        services.lead_claim(actor=rep, lead=b)
    with pytest.raises(InvalidTransition):
        services.lead_claim(actor=world.users["rep_b"], lead=a)
    a = services.lead_release(actor=rep, lead=a, reason="Not my region")
    assert a.owner_id is None and a.pool == pool
    assert services.lead_claim(actor=rep, lead=b).owner == rep
    verbs = list(
        Event.objects.filter(object_type="lead", object_id=a.pk).values_list("verb", flat=True)
    )
    assert {"lead.claimed", "lead.released"} <= set(verbs)


def test_pool_of_another_team_is_not_visible(world):
    from guanxi.core.errors import NotFound

    admin = world.users["admin"]
    north = world.users["rep_c"].team
    pool = configuration.pool_save(actor=admin, data={"name": "North pool", "team": north.pk})
    _rule(admin, name="To north", action="pool", pool=pool.pk)
    lead = capture(world.org, name="N", email="n@x.cn")
    assert lead.pool == pool
    assert lead_list(world.users["rep_c"], filters={"view": "pool"}).items == [lead]
    assert lead_list(world.users["rep_a"], filters={"view": "pool"}).items == []
    with pytest.raises(NotFound):
        services.lead_claim(actor=world.users["rep_a"], lead=lead)


def test_reclaim_returns_untouched_leads_to_the_pool(world):
    rep = world.users["rep_a"]
    pool = Pool.objects.get(organisation=world.org)
    old = services.lead_create(actor=rep, data={"name": "Old", "email": "o@x.cn"})
    fresh = services.lead_create(actor=rep, data={"name": "Fresh", "email": "f@x.cn"})
    Lead.objects.filter(pk=old.pk).update(
        touched_at=timezone.now() - timedelta(days=pool.reclaim_days + 1)
    )
    assert services.pool_reclaim() == 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert old.owner_id is None and old.pooled_at is not None and old.version == 2
    assert fresh.owner == rep
    event = Event.objects.get(verb="lead.reclaimed", object_id=old.pk)
    assert event.changes == {"owner": [rep.pk, None]} and event.object_repr == "Old"
    assert services.pool_reclaim() == 0


def test_logging_an_activity_counts_as_follow_up(world):
    rep = world.users["rep_a"]
    lead = services.lead_create(actor=rep, data={"name": "Call me", "mobile": "13700137000"})
    Lead.objects.filter(pk=lead.pk).update(touched_at=timezone.now() - timedelta(days=30))
    activity_create(actor=rep, data={"subject": "First call", "kind": "call", "lead": lead.pk})
    lead.refresh_from_db()
    assert lead.touched_at > timezone.now() - timedelta(minutes=1)
    assert services.pool_reclaim() == 0
    assert any(e.verb == "activity.created" for e in lead_timeline(rep, lead))


# --- Status and conversion --------------------------------------------------------------------


def test_status_transitions(world):
    rep = world.users["rep_a"]
    lead = services.lead_create(actor=rep, data={"name": "S", "email": "s@x.cn"})
    lead = services.lead_set_status(actor=rep, lead=lead, status="contacted")
    with pytest.raises(ValidationFailed) as exc:
        services.lead_set_status(actor=rep, lead=lead, status="disqualified")
    assert "reason" in exc.value.fields
    lead = services.lead_set_status(actor=rep, lead=lead, status="disqualified", reason="No budget")
    assert lead.status_reason == "No budget"
    with pytest.raises(ValidationFailed):
        services.lead_set_status(actor=rep, lead=lead, status="converted")


def test_conversion_creates_everything_once_and_carries_history(world):
    rep = world.users["rep_a"]
    lead = services.lead_create(
        actor=rep,
        data={
            "name": "李娜",
            "company": "成都麻辣食品有限公司",
            "mobile": "13600136000",
            "source": "exhibition",
            "marketing_consent": True,
        },
    )
    activity = activity_create(
        actor=rep, data={"subject": "Visit", "kind": "visit", "lead": lead.pk}
    )
    lead = services.lead_convert(actor=rep, lead=lead, opportunity={"amount": "88000.50"})
    assert lead.status == "converted" and lead.converted_at
    assert lead.account.name == "成都麻辣食品有限公司" and lead.account.source == "exhibition"
    assert lead.contact.account == lead.account and lead.contact.marketing_consent
    assert lead.opportunity.account == lead.account and str(lead.opportunity.amount) == "88000.50"
    activity = Activity.objects.get(pk=activity.pk)
    assert (activity.account_id, activity.contact_id, activity.opportunity_id) == (
        lead.account_id,
        lead.contact_id,
        lead.opportunity_id,
    )
    assert Event.objects.filter(account_id=lead.account_id, object_type="lead").count() >= 2
    counts = (Lead.objects.count(), Activity.objects.count())
    with pytest.raises(InvalidTransition):
        services.lead_convert(actor=rep, lead=lead, opportunity={})
    assert (Lead.objects.count(), Activity.objects.count()) == counts


def test_conversion_links_an_existing_account_and_is_all_or_nothing(world):
    from guanxi.customers.models import Account, Contact

    rep = world.users["rep_a"]
    account = world.records["rep_a"].account
    lead = services.lead_create(actor=rep, data={"name": "Ma", "email": "ma@x.cn"})
    before = (Account.objects.count(), Contact.objects.count())
    with pytest.raises(ValidationFailed):  # a deal with a negative amount fails at the end
        services.lead_convert(
            actor=rep, lead=lead, account=account.pk, opportunity={"amount": "-1"}
        )
    assert (Account.objects.count(), Contact.objects.count()) == before
    assert Lead.objects.get(pk=lead.pk).status == "new"
    lead = services.lead_convert(actor=rep, lead=lead, account=account.pk)
    assert lead.account == account and lead.opportunity is None
    # an account the rep cannot see cannot be linked
    other = services.lead_create(actor=rep, data={"name": "Li", "email": "li@x.cn"})
    with pytest.raises(Exception):
        services.lead_convert(actor=rep, lead=other, account=world.records["rep_c"].account.pk)


def test_scores_and_hot_view(world):
    rep = world.users["rep_a"]
    settings = LeadSettings.objects.get(organisation=world.org)
    settings.hot_threshold = 40
    settings.save()
    hot = services.lead_create(
        actor=rep,
        data={
            "name": "Hot",
            "company": "C",
            "title": "CEO",
            "mobile": "13500135000",
            "email": "h@x.cn",
            "source": "referral",
        },
    )
    cold = services.lead_create(actor=rep, data={"name": "Cold", "wechat_id": "cold1"})
    assert hot.score > cold.score
    assert lead_list(rep, filters={"view": "hot"}).items == [hot]
    assert [x.name for x in lead_list(rep, sort="-score").items] == ["Hot", "Cold"]


@pytest.mark.parametrize(
    "name, key",
    [
        ("杭州鑫盛食品有限公司", "鑫盛食品"),
        ("浙江省杭州市鑫盛食品有限公司", "鑫盛食品"),
        ("鑫盛食品（杭州）有限公司", "鑫盛食品杭州"),
        ("北京华润万家超市股份有限公司", "华润万家超市"),
        ("Acme Foods Co., Ltd.", "acmefoods"),
        ("ACME FOODS LIMITED", "acmefoods"),
        ("杭州鑫盛有限公司", "杭州鑫盛"),  # too little would be left without the place
    ],
)
def test_company_key(name, key):
    from guanxi.leads.matching import company_key

    assert company_key(name) == key


def test_company_match_ignores_place_and_legal_form(world):
    admin = world.users["admin"]
    account = account_create(actor=admin, data={"name": "上海鑫盛食品有限公司"})
    for i in range(30):  # many accounts sharing the common words
        account_create(actor=admin, data={"name": f"上海{i}号食品有限公司"})
    lead = capture(world.org, name="周", email="z@x.cn", company="杭州市鑫盛食品公司")
    found = set(
        LeadMatch.objects.filter(lead=lead, reason="company").values_list("object_id", flat=True)
    )
    assert found == {account.pk}


def test_duplicates_outside_the_scope_are_counted_not_shown(world):
    from guanxi.leads.selectors import conversion_choices, lead_matches

    rep_a = world.users["rep_a"]
    mine = contact_create(actor=rep_a, data={"name": "Mine", "mobile": "13811112222"})
    contact_create(actor=world.users["rep_c"], data={"name": "Theirs", "mobile": "13811112222"})
    lead = services.lead_create(actor=rep_a, data={"name": "L", "mobile": "13811112222"})
    found = lead_matches(rep_a, lead)
    assert [m["object"] for m in found if "object" in m] == [mine]
    assert found[-1] == {"hidden": 1}
    accounts, contacts = conversion_choices(rep_a, lead, found)
    assert contacts == [mine] and accounts == []


def test_company_match_on_a_latin_name(world):
    """Latin names are found word by word through the search index, whatever their form."""
    admin = world.users["admin"]
    account = account_create(actor=admin, data={"name": "Acme Foods Co., Ltd."})
    account_create(actor=admin, data={"name": "Acme Trading Ltd."})
    lead = capture(world.org, name="Joe", email="joe@acme.example", company="ACME FOODS LIMITED")
    found = set(
        LeadMatch.objects.filter(lead=lead, reason="company").values_list("object_id", flat=True)
    )
    assert found == {account.pk}
