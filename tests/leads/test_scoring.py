"""Lead scores: rule points, decay, the hot threshold and the learned conversion model."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from guanxi.leads import configuration, scoring, selectors, services
from guanxi.leads.models import Lead, LeadSettings, LeadStatus, ScoringRule

pytestmark = pytest.mark.django_db


def rule(points, *conditions, active=True):
    return ScoringRule(
        name=f"{points} points",
        points=points,
        is_active=active,
        conditions=[{"field": f, "op": o, "value": v} for f, o, v in conditions],
    )


def capture(org, **data):
    data.setdefault("name", "Wang Wei")
    data.setdefault("mobile", "13800138000")
    return services.lead_capture(organisation=org, data=data, channel="web_form")


# --- Rule points --------------------------------------------------------------------------------


def test_points_add_up_for_the_rules_a_lead_meets():
    now = timezone.now()
    rules = [
        rule(25, ("source", "eq", "referral")),
        rule(15, ("mobile", "not_empty", "")),
        rule(10, ("email", "not_empty", "")),
        rule(-20, ("industry", "in", "gambling, tobacco")),
        rule(50, ("region", "eq", "east"), ("company", "contains", "食品")),  # both must hold
        rule(99, ("source", "eq", "referral"), active=False),
    ]
    lead = Lead(source="referral", mobile="+8613800138000", region="east", company="鑫盛电子")
    assert scoring.score(lead, rules, None, activities=0, now=now) == (40, None)
    lead.company = "杭州鑫盛食品有限公司"
    assert scoring.score(lead, rules, None, activities=0, now=now)[0] == 90
    lead.industry = "Tobacco"  # text compares regardless of case
    assert scoring.score(lead, rules, None, activities=0, now=now)[0] == 70


def test_behaviour_rules_use_activities_and_days_since_follow_up():
    now = timezone.now()
    rules = [rule(10, ("activities", "gte", "2")), rule(5, ("days_since_touch", "lte", "3"))]
    lead = Lead(touched_at=now - timedelta(days=2))
    assert scoring.score(lead, rules, None, activities=1, now=now)[0] == 5
    assert scoring.score(lead, rules, None, activities=2, now=now)[0] == 15
    lead.touched_at = now - timedelta(days=10)
    assert scoring.score(lead, rules, None, activities=2, now=now)[0] == 10


def test_score_halves_after_decay_days_without_follow_up():
    now = timezone.now()
    rules = [rule(40, ("mobile", "not_empty", ""))]
    settings = LeadSettings(decay_days=30)
    lead = Lead(mobile="+8613800138000", touched_at=now)

    def points(days, settings=settings):
        lead.touched_at = now - timedelta(days=days)
        return scoring.score(lead, rules, settings, activities=0, now=now)[0]

    assert points(0) == 40
    assert points(15) == 28  # 40 × 0.5^(15/30)
    assert points(30) == 20
    assert points(60) == 10
    assert points(60, LeadSettings(decay_days=0)) == 40  # decay off
    assert scoring.decayed(-10, 30, 30) == -10  # penalties do not fade


def test_captured_leads_are_scored_by_the_organisations_rules(org):
    ScoringRule.objects.filter(organisation=org).delete()
    ScoringRule.objects.create(
        organisation=org,
        name="Referral",
        points=30,
        conditions=[{"field": "source", "op": "eq", "value": "referral"}],
    )
    assert capture(org, source="referral").score == 30
    assert capture(org, name="Li Na", mobile="13900139000", source="website").score == 0


def test_hot_threshold(org, admin):
    ScoringRule.objects.filter(organisation=org).delete()
    ScoringRule.objects.create(
        organisation=org,
        name="Referral",
        points=50,
        conditions=[{"field": "source", "op": "eq", "value": "referral"}],
    )
    warm = capture(org, source="referral", region="east")
    cold = capture(org, name="Li Na", mobile="13900139000", source="website")
    for lead in (warm, cold):
        Lead.objects.filter(pk=lead.pk).update(owner=admin)

    def hot():
        return set(
            selectors.lead_queryset(admin, filters={"view": "hot"}).values_list("pk", flat=True)
        )

    assert selectors.hot_threshold(admin) == 60
    assert hot() == set()
    configuration.lead_settings_update(actor=admin, data={"hot_threshold": 50})
    assert selectors.hot_threshold(admin) == 50
    assert hot() == {warm.pk}
    configuration.lead_settings_update(actor=admin, data={"hot_threshold": 0})
    assert hot() == {warm.pk, cold.pk}


def test_assignment_rules_test_behaviour_like_scoring_rules(world):
    """A rule on "logged activities" sees the count, not the lead's related manager."""
    admin, rep_b = world.users["admin"], world.users["rep_b"]
    configuration.assignment_rule_save(
        actor=admin,
        data={
            "name": "Untouched",
            "action": "user",
            "user": rep_b,
            "conditions": [
                {"field": "activities", "op": "lte", "value": "0"},
                {"field": "days_since_touch", "op": "lte", "value": "1"},
            ],
        },
    )
    assert capture(world.org).owner_id == rep_b.pk


# --- The learned model --------------------------------------------------------------------------


def closed_history(org, n=300, seed=7):
    """Closed leads where referrals with a mobile number convert far more often."""
    rnd = random.Random(seed)
    leads = []
    for i in range(n):
        referral = rnd.random() < 0.35
        mobile = rnd.random() < 0.5
        p = 0.08 + 0.35 * referral + 0.3 * mobile + 0.15 * (referral and mobile)
        leads.append(
            Lead(
                organisation=org,
                name=f"Lead {i}",
                source="referral" if referral else rnd.choice(["website", "advertising"]),
                channel=rnd.choice(["web_form", "manual"]),
                region=rnd.choice(["east", "north", "south"]),
                mobile=f"+86139{i:08d}" if mobile else "",
                email=f"lead{i}@example.com",
                status=LeadStatus.CONVERTED if rnd.random() < p else LeadStatus.DISQUALIFIED,
            )
        )
    Lead.objects.bulk_create(leads)


def test_train_learns_from_history_and_predicts(org):
    closed_history(org)
    result = scoring.train(org.pk)
    assert result["samples"] == 300
    assert 0 < result["converted"] < 300
    assert "reason" not in result
    assert result["auc"] > 0.7
    assert result["features"] == scoring.feature_names()
    assert len(result["coef"]) == len(result["features"])

    likely = Lead(source="referral", mobile="+8613800138000", channel="web_form")
    unlikely = Lead(source="advertising", channel="manual", email="a@example.com")
    p_likely = scoring.predict(result, likely, {"activities": 0})
    p_unlikely = scoring.predict(result, unlikely, {"activities": 0})
    assert 0 < p_unlikely < p_likely < 1
    assert scoring.predict(None, likely, {"activities": 0}) is None
    stale = {**result, "features": result["features"][:-1]}  # trained on other features
    assert scoring.predict(stale, likely, {"activities": 0}) is None


def test_trained_model_is_stored_and_used_for_new_leads(org, admin):
    closed_history(org)
    settings = configuration.lead_model_train(actor=admin)
    assert settings.model["auc"] > 0.7
    lead = capture(org, source="referral")
    assert lead.probability is not None and 0 < lead.probability < 1


@pytest.mark.parametrize("n, converted", [(39, 15), (60, 9), (60, 51), (0, 0)])
def test_too_little_history_gives_the_reason(org, n, converted):
    Lead.objects.bulk_create(
        Lead(
            organisation=org,
            name=f"Lead {i}",
            email=f"lead{i}@example.com",
            status=LeadStatus.CONVERTED if i < converted else LeadStatus.DISQUALIFIED,
        )
        for i in range(n)
    )
    # Open leads are not history.
    Lead.objects.create(organisation=org, name="Open", email="open@example.com")
    result = scoring.train(org.pk)
    assert result["reason"] == "not_enough_history"
    assert (result["samples"], result["converted"]) == (n, converted)
    assert "coef" not in result
    assert scoring.predict(result, Lead(), {"activities": 0}) is None
