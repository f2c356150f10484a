"""Leads for the demo company: a web form, assignment rules, a pool, and a few hundred leads
with a history (contacted, qualified, converted, disqualified), written through the services
so they are cleaned, checked for duplicates, scored and routed exactly as real ones.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from guanxi.core.errors import DomainError
from guanxi.core.models import Organisation, Team, User
from guanxi.customers.models import Contact
from guanxi.demo import data
from guanxi.leads import configuration, services
from guanxi.leads.models import Lead

MESSAGES = [
    "想了解贵司坚果礼盒的经销政策，请联系我。",
    "我们是连锁便利店，想采购一批春节礼盒。",
    "请发一份最新的产品目录和价格表。",
    "Interested in importing your snacks. Please send a price list.",
    "能否寄样品？我们在做年货节选品。",
    "",
]
SOURCES = ["website", "exhibition", "referral", "advertising", "partner", "cold_call"]
REASONS = ["预算不足", "只是比价", "已选择其他供应商", "联系不上"]


def _person(rng: random.Random) -> str:
    if rng.random() < 0.85:
        surname = rng.choice(data.SURNAMES)[0]
        given = rng.choice(rng.choice([data.GIVEN_MALE, data.GIVEN_FEMALE]))
        return surname + (given[0] if isinstance(given, tuple) else given)
    first = rng.choice(data.LATIN_FIRST_FEMALE + data.LATIN_FIRST_MALE)
    first = first[0] if isinstance(first, tuple) else first
    last = rng.choice(data.LATIN_LAST)
    return f"{first} {last[0] if isinstance(last, tuple) else last}"


def _company(rng: random.Random) -> str:
    city = rng.choice(["杭州", "上海", "南京", "苏州", "北京", "天津", "广州", "成都", "武汉"])
    brand = rng.choice(data.BRAND_FIRST)[0] + rng.choice(data.BRAND_SECOND)[0]
    trade = rng.choice(data.DISTRIBUTOR_WORDS)[0]
    return f"{city}{brand}{trade}有限公司"


def _mobile(rng: random.Random) -> str:
    return rng.choice(data.CN_MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def load_leads(org: Organisation, count: int, seed: int = 2026) -> int:
    """Create the demo's lead set-up and ``count`` leads; returns how many were made."""
    rng = random.Random(seed)
    users = {u.username: u for u in User.objects.filter(organisation=org).select_related("role")}
    admin = users["admin"]
    teams = {t.name: t for t in Team.objects.filter(organisation=org)}
    east = teams.get("华东大区")
    with transaction.atomic():
        configuration.web_form_save(
            actor=admin,
            data={
                "name": "官网询价表",
                "fields": ["name", "company", "mobile", "email", "region", "message"],
                "required": ["name", "mobile"],
                "campaign": "官网",
                "consent_text": "我同意接收鑫味食品的产品资讯",
                "success_message": "谢谢！销售顾问会在一个工作日内联系您。",
            },
        )
        if east is not None:
            configuration.assignment_rule_save(
                actor=admin,
                data={
                    "name": "华东线索轮流分配",
                    "action": "round_robin",
                    "team": east.pk,
                    "conditions": [{"field": "region", "op": "eq", "value": "east"}],
                },
            )
        if "rep2" in users:
            configuration.assignment_rule_save(
                actor=admin,
                data={
                    "name": "华北线索给王磊",
                    "action": "user",
                    "user": users["rep2"].pk,
                    "conditions": [{"field": "region", "op": "in", "value": "north,northeast"}],
                },
            )
        if "manager" in users:
            configuration.assignment_rule_save(
                actor=admin,
                data={
                    "name": "高分转介绍给经理",
                    "action": "user",
                    "user": users["manager"].pk,
                    "conditions": [
                        {"field": "source", "op": "eq", "value": "referral"},
                        {"field": "score", "op": "gte", "value": "60"},
                    ],
                },
            )
    reps = [u for name, u in users.items() if name.startswith("rep")]
    contact_mobiles = list(
        Contact.objects.filter(organisation=org)
        .exclude(mobile="")
        .values_list("mobile", flat=True)[:200]
    )
    regions = list(data.REGION_WEIGHTS)
    made = 0
    now = timezone.now()
    for i in range(count):
        payload = {
            "name": _person(rng),
            "mobile": rng.choice(contact_mobiles)
            if contact_mobiles and rng.random() < 0.05
            else _mobile(rng),
            "region": rng.choice(regions),
            "source": rng.choice(SOURCES),
            "message": rng.choice(MESSAGES),
        }
        if rng.random() < 0.7:
            payload["company"] = _company(rng)
        if rng.random() < 0.5:
            box = rng.choice(["sales", "buyer", "info", "zhang", "li"])
            payload["email"] = f"{box}{i}@{rng.choice(data.FREEMAIL)}"
        if rng.random() < 0.08:
            payload["kind"] = "enquiry"
        channel = rng.choice(["web_form", "web_form", "api", "call", "event"])
        actor = None if channel == "web_form" else rng.choice(reps)
        lead = services.lead_capture(
            organisation=org, data=payload, channel=channel, actor=actor, raw=dict(payload)
        )
        made += 1
        owner = lead.owner
        if owner is None or lead.invalid_reason or lead.kind == "enquiry":
            continue
        roll = rng.random()
        try:
            if roll < 0.25:
                services.lead_set_status(actor=owner, lead=lead, status="contacted")
            elif roll < 0.35:
                services.lead_set_status(
                    actor=owner, lead=lead, status="disqualified", reason=rng.choice(REASONS)
                )
            elif roll < 0.42 and owner.role.code != "admin":
                lead = services.lead_set_status(actor=owner, lead=lead, status="qualified")
                services.lead_convert(
                    actor=owner,
                    lead=lead,
                    opportunity={"amount": str(rng.choice([8000, 25000, 60000, 120000]))},
                )
            elif roll < 0.55:
                # not followed up for a while: the reclaim job will return it to the pool
                Lead.objects.filter(pk=lead.pk).update(
                    touched_at=now - timedelta(days=rng.randrange(3, 20))
                )
        except DomainError:  # a demo lead that cannot move stays as it is
            continue
    return made
