"""Writes for leads: intake (clean, check duplicates, score, route), follow-up, pools,
conversion — each in one transaction with its events.

Every way a lead arrives (web form, API, manual entry, a logged call or event, an import)
goes through ``lead_capture``, so they are all cleaned, checked and routed alike.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from guanxi.core import access, events
from guanxi.core.errors import InvalidTransition, NotFound, ValidationFailed
from guanxi.core.filters import parse_id
from guanxi.core.models import Organisation, User
from guanxi.core.normalize import clean_text, normalize_email, normalize_phone, phone_search_forms
from guanxi.core.records import apply, choose_owner, lock, normalise_field, reject_unknown, validate
from guanxi.core.search import tokens
from guanxi.leads import routing, scoring
from guanxi.leads.matching import find_matches
from guanxi.leads.models import (
    OPEN_STATUSES,
    Channel,
    Lead,
    LeadMatch,
    LeadSettings,
    LeadStatus,
    Pool,
    ScoringRule,
)

LEAD_FIELDS = (
    "kind",
    "name",
    "company",
    "title",
    "mobile",
    "phone",
    "email",
    "wechat_id",
    "region",
    "province",
    "city",
    "industry",
    "address",
    "source",
    "campaign",
    "utm",
    "message",
    "marketing_consent",
)
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
_TEXT = ("name", "company", "title", "wechat_id", "province", "city", "industry", "address")
_TEXT += ("campaign",)

# Obvious test and spam submissions: kept (with the reason) but never routed to anyone.
_SPAM = re.compile(
    r"(^|\W)(test|testing|asdf|qwerty|xxx|aaa|dummy|测试|试试)($|\W)|https?://|www\.|<a\s",
    re.IGNORECASE,
)
_REPEATED_DIGITS = re.compile(r"(\d)\1{7,}")


def lead_tokens(lead: Lead) -> str:
    return tokens(
        lead.name,
        lead.company,
        lead.email,
        lead.wechat_id,
        lead.city,
        *phone_search_forms(lead.mobile),
        *phone_search_forms(lead.phone),
    )


def _prepare(data: dict[str, Any], allowed: tuple[str, ...]) -> dict[str, Any]:
    data = dict(data)
    reject_unknown(data, allowed)
    for name in _TEXT:
        if name in data:
            data[name] = clean_text(data[name])
    for name in ("mobile", "phone"):
        normalise_field(data, name, normalize_phone)
    normalise_field(data, "email", normalize_email)
    if "utm" in data:
        utm = data["utm"] or {}
        if not isinstance(utm, dict) or set(utm) - set(UTM_KEYS):
            raise ValidationFailed.on(
                "utm",
                _("Only utm_source, utm_medium, utm_campaign, utm_term and utm_content are kept."),
            )
        data["utm"] = {k: clean_text(v)[:200] for k, v in utm.items() if clean_text(v)}
    return data


def _storable(value: Any) -> Any:
    """A raw submission as JSON every database keeps: without NUL characters."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_storable(str(k)): _storable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_storable(v) for v in value]
    return value


def invalid_reason(lead: Lead) -> str:
    """Why a lead cannot be worked ("" when it can): no way to reach it, or test/spam text."""
    if not (lead.mobile or lead.phone or lead.email or lead.wechat_id):
        return _("No phone, email or WeChat ID to reach them.")
    for text in (lead.name, lead.company):
        if text and _SPAM.search(text):
            return _("Looks like a test or spam submission.")
    if lead.message and len(re.findall(r"https?://", lead.message)) >= 3:
        return _("Looks like a test or spam submission.")
    if any(_REPEATED_DIGITS.search(p) for p in (lead.mobile, lead.phone) if p):
        return _("Looks like a test or spam submission.")
    return ""


def _stamp(lead: Lead, actor: User | None, *, creating: bool = False) -> None:
    now = timezone.now()
    if creating:
        lead.created_by = actor
        lead.created_at = now
        lead.version = 1
    else:
        lead.version += 1
    lead.updated_by = actor
    lead.updated_at = now


def _event(actor, verb: str, lead: Lead, **kwargs):
    return events.build(
        actor,
        verb,
        lead,
        account_id=lead.account_id,
        organisation_id=lead.organisation_id,
        **kwargs,
    )


def _record(actor, verb: str, lead: Lead, **kwargs) -> None:
    events.emit(_event(actor, verb, lead, **kwargs))


# --- Set-up of a new organisation -------------------------------------------------------------


def leads_setup(org: Organisation) -> None:
    """A default pool, settings and scoring rules, so leads work from the first day."""
    with translation.override(org.language or "zh-hans"):
        pool = Pool.objects.create(organisation=org, name=_("Public pool"), reclaim_days=7)
        LeadSettings.objects.create(organisation=org, default_pool=pool)
        ScoringRule.objects.bulk_create(
            ScoringRule(organisation=org, name=_(name), conditions=conditions, points=points)
            for name, conditions, points in scoring.DEFAULT_RULES
        )


def lead_settings(organisation_id: int) -> LeadSettings:
    settings, _created = LeadSettings.objects.get_or_create(organisation_id=organisation_id)
    return settings


# --- Intake ------------------------------------------------------------------------------------


def lead_capture(
    *,
    organisation: Organisation,
    data: dict[str, Any],
    channel: str,
    actor: User | None = None,
    owner: Any = None,
    form=None,
    raw: dict[str, Any] | None = None,
) -> Lead:
    """Clean, validate and store one lead, link its duplicates, score it and route it.

    ``owner`` given: that user gets it. Otherwise the assignment rules decide; when none
    matches it goes to the actor (manual entry) or to the organisation's default pool.
    Invalid leads (no contact channel, spam) are stored with the reason, never routed.

    The checks and reads (cleaning, validation, duplicates, score) run before the write
    transaction, which then only routes and writes: on SQLite, where one writer at a time
    holds the database, several web workers overlap their reading and checking.
    """
    data = _prepare(data, LEAD_FIELDS)
    lead = Lead(organisation=organisation, channel=channel, form=form, raw=_storable(raw or {}))
    apply(lead, data)
    if lead.marketing_consent:
        lead.consent_at = timezone.now()
    _stamp(lead, actor, creating=True)
    chosen = choose_owner(actor, owner) if actor is not None and owner not in (None, "") else None
    validate(lead, exclude=("owner", "pool"))
    lead.invalid_reason = invalid_reason(lead)
    lead.search_tokens = lead_tokens(lead)
    cfg = routing.config(organisation.pk)
    scoring.rescore(lead, cfg=cfg)
    matches = find_matches(lead)
    with transaction.atomic():
        return _store(lead, actor, chosen, cfg, matches, form)


def _store(lead: Lead, actor, chosen, cfg, matches, form) -> Lead:
    """Route and write a checked lead with its duplicates and events (in a transaction).

    Who gets it is decided before the row is written, so a lead is one INSERT.
    """
    rule = None
    if not lead.invalid_reason:
        if chosen is not None:
            lead.pool = routing.pool_for(lead, cfg)
            new_owner = chosen
        else:
            rule, new_owner, lead.pool = routing.decide(lead, fallback=actor, cfg=cfg)
        now = lead.created_at
        if new_owner is not None:
            lead.owner, lead.assigned_at, lead.touched_at = new_owner, now, now
        elif lead.pool is not None:
            lead.pooled_at = now
    lead.save()
    LeadMatch.objects.bulk_create(
        LeadMatch(
            organisation_id=lead.organisation_id,
            lead=lead,
            object_type=t,
            object_id=pk,
            reason=reason,
            similarity=sim,
        )
        for t, pk, reason, sim in matches
    )
    built = [
        _event(
            actor,
            "lead.created",
            lead,
            data={
                "channel": lead.channel,
                "source": lead.source,
                "form": form.name if form else "",
                "duplicates": len(matches),
                "invalid": lead.invalid_reason,
            },
        )
    ]
    if lead.owner is not None:
        built.append(
            _event(
                actor,
                "lead.assigned",
                lead,
                changes={"owner": (None, lead.owner_id)},
                data={"rule": rule.name if rule else "", "owner_name": lead.owner.display_name},
            )
        )
    elif lead.pool is not None and not lead.invalid_reason:
        built.append(
            _event(
                actor,
                "lead.pooled",
                lead,
                data={"pool": lead.pool.name, "rule": rule.name if rule else ""},
            )
        )
    events.emit(*built)
    return lead


def lead_create(*, actor, data: dict[str, Any], owner: Any = None) -> Lead:
    """A lead entered by a user (or sent through the API with ``channel``)."""
    access.require_right(actor, "lead", "create")
    data = dict(data)
    channel = data.pop("channel", None) or Channel.MANUAL
    if channel not in {Channel.MANUAL, Channel.API, Channel.CALL, Channel.EVENT}:
        raise ValidationFailed.on("channel", _("Select a valid choice."))
    return lead_capture(
        organisation=actor.organisation, data=data, channel=channel, actor=actor, owner=owner
    )


def _give(actor, lead: Lead, owner: User, *, verb: str, rule=None) -> None:
    """Hand ``lead`` (already locked or new) to ``owner`` and record it; notifies the owner."""
    old = lead.owner_id
    now = timezone.now()
    lead.owner = owner
    lead.assigned_at = now
    lead.pooled_at = None
    if lead.touched_at is None or verb == "lead.claimed":
        lead.touched_at = now
    _stamp(lead, actor)
    lead.save(
        update_fields=[
            "owner",
            "assigned_at",
            "pooled_at",
            "touched_at",
            "pool",
            "version",
            "updated_by",
            "updated_at",
        ]
    )
    _record(
        actor,
        verb,
        lead,
        changes={"owner": (old, owner.pk)},
        data={"rule": rule.name if rule else "", "owner_name": owner.display_name},
    )


def _to_pool(actor, lead: Lead, pool: Pool, *, verb: str, data: dict | None = None) -> None:
    old = lead.owner_id
    lead.owner = None
    lead.pool = pool
    lead.pooled_at = timezone.now()
    _stamp(lead, actor)
    lead.save(update_fields=["owner", "pool", "pooled_at", "version", "updated_by", "updated_at"])
    _record(
        actor,
        verb,
        lead,
        changes={"owner": (old, None)} if old else None,
        data={"pool": pool.name, **(data or {})},
    )


# --- Changes by users ----------------------------------------------------------------------------


def _require(actor, lead: Lead, action: str) -> None:
    """The actor may ``action`` this lead: in their scope, or unowned in a pool they see."""
    if lead.organisation_id != getattr(actor, "organisation_id", None):
        raise NotFound()
    if lead.owner_id is None and routing.can_use_pool(actor, lead.pool):
        access.require_right(actor, "lead", action)
        return
    access.require_on(actor, lead, "lead", action)


@transaction.atomic
def lead_update(*, actor, lead: Lead, data: dict[str, Any], version: int | None = None) -> Lead:
    _require(actor, lead, "update")
    data = _prepare(data, LEAD_FIELDS)
    lead = lock(Lead, lead.pk, version)
    if lead.status == LeadStatus.CONVERTED:
        raise InvalidTransition(_("A converted lead cannot be changed; edit its account."))
    changes = apply(lead, data)
    validate(lead, exclude=("owner", "pool"))
    if not changes:
        return lead
    if "marketing_consent" in changes:
        lead.consent_at = timezone.now() if lead.marketing_consent else None
    lead.invalid_reason = invalid_reason(lead)
    lead.search_tokens = lead_tokens(lead)
    scoring.rescore(lead)
    _stamp(lead, actor)
    lead.save()
    _record(actor, "lead.updated", lead, changes=changes)
    return lead


_TRANSITIONS = {
    LeadStatus.NEW: {LeadStatus.CONTACTED, LeadStatus.QUALIFIED, LeadStatus.DISQUALIFIED},
    LeadStatus.CONTACTED: {LeadStatus.NEW, LeadStatus.QUALIFIED, LeadStatus.DISQUALIFIED},
    LeadStatus.QUALIFIED: {LeadStatus.CONTACTED, LeadStatus.DISQUALIFIED},
    LeadStatus.DISQUALIFIED: {LeadStatus.NEW, LeadStatus.CONTACTED},
    LeadStatus.CONVERTED: set(),
}


@transaction.atomic
def lead_set_status(
    *, actor, lead: Lead, status: str, reason: str = "", version: int | None = None
) -> Lead:
    """Move a lead along new → contacted → qualified, or disqualify it (with a reason)."""
    _require(actor, lead, "update")
    lead = lock(Lead, lead.pk, version)
    if status not in LeadStatus.values or status == LeadStatus.CONVERTED:
        raise ValidationFailed.on("status", _("Select a valid choice."))
    if status == lead.status:
        return lead
    if status not in _TRANSITIONS[LeadStatus(lead.status)]:
        raise InvalidTransition()
    reason = clean_text(reason)[:300]
    if status == LeadStatus.DISQUALIFIED and not reason:
        raise ValidationFailed.on("reason", _("Say why the lead is disqualified."))
    old = lead.status
    lead.status = status
    lead.status_reason = reason if status == LeadStatus.DISQUALIFIED else ""
    lead.touched_at = timezone.now()
    scoring.rescore(lead)
    _stamp(lead, actor)
    lead.save()
    _record(
        actor,
        "lead.status_changed",
        lead,
        changes={"status": (old, status)},
        data={"reason": reason},
    )
    return lead


@transaction.atomic
def lead_touch(*, actor, lead: Lead) -> None:
    """A follow-up happened (an activity was logged): the reclaim clock starts again."""
    Lead.objects.filter(pk=lead.pk).update(touched_at=timezone.now())


@transaction.atomic
def lead_assign(*, actor, lead: Lead, owner: Any, version: int | None = None) -> Lead:
    """Hand the lead to a user the actor may assign to (also takes it out of its pool)."""
    _require(actor, lead, "update")
    new_owner = choose_owner(actor, owner)
    lead = lock(Lead, lead.pk, version)
    if not lead.is_open:
        raise InvalidTransition(_("Only open leads can be reassigned."))
    if lead.owner_id == new_owner.pk:
        return lead
    _give(actor, lead, new_owner, verb="lead.assigned")
    return lead


@transaction.atomic
def lead_claim(*, actor, lead: Lead, version: int | None = None) -> Lead:
    """Take an unowned lead from a pool, within the pool's limit of open leads per person."""
    access.require_right(actor, "lead", "update")
    lead = lock(Lead, lead.pk, version)
    if lead.organisation_id != actor.organisation_id or not routing.can_use_pool(actor, lead.pool):
        raise NotFound()
    if lead.owner_id is not None:
        raise InvalidTransition(_("Someone has already claimed this lead."))
    if not lead.is_open or lead.invalid_reason:
        raise InvalidTransition(_("Only open, valid leads can be claimed."))
    limit = lead.pool.claim_limit if lead.pool else 0
    held = routing.open_leads_of([actor.pk]).get(actor.pk, 0)
    if limit and held >= limit:
        raise ValidationFailed.on(
            "non_field",
            _("You already hold %(held)s open leads; the pool allows %(limit)s.")
            % {"held": held, "limit": limit},
        )
    _give(actor, lead, actor, verb="lead.claimed")
    return lead


@transaction.atomic
def lead_release(*, actor, lead: Lead, reason: str = "", version: int | None = None) -> Lead:
    """Give an owned lead back to its pool for someone else to work."""
    _require(actor, lead, "update")
    lead = lock(Lead, lead.pk, version)
    if lead.owner_id is None:
        return lead
    if not lead.is_open:
        raise InvalidTransition(_("Only open leads can go back to the pool."))
    pool = lead.pool or routing.pool_for(lead)
    if pool is None:
        raise ValidationFailed.on("non_field", _("There is no pool to release the lead to."))
    _to_pool(actor, lead, pool, verb="lead.released", data={"reason": clean_text(reason)[:300]})
    return lead


@transaction.atomic
def lead_delete(*, actor, lead: Lead, version: int | None = None) -> None:
    _require(actor, lead, "delete")
    lead = lock(Lead, lead.pk, version)
    pk, name, org = lead.pk, str(lead), lead.organisation_id
    lead.delete()
    events.record(
        actor,
        "lead.deleted",
        None,
        object_type="lead",
        organisation_id=org,
        data={"id": pk, "name": name},
    )


def pool_reclaim(*, organisation_id: int | None = None, now=None) -> int:
    """Leads nobody followed up within their pool's ``reclaim_days`` go back to the pool.

    Set-based: one UPDATE and one INSERT of events per pool, whatever the number of leads.
    """
    now = now or timezone.now()
    pools = Pool.objects.filter(is_active=True, reclaim_days__gt=0)
    if organisation_id is not None:
        pools = pools.filter(organisation_id=organisation_id)
    total = 0
    for pool in pools:
        total += routing.reclaim_pool(pool, now)
    return total


# --- Conversion ---------------------------------------------------------------------------------


@transaction.atomic
def lead_convert(
    *,
    actor,
    lead: Lead,
    account: Any = None,
    contact: Any = None,
    opportunity: dict[str, Any] | None = None,
    version: int | None = None,
) -> Lead:
    """Turn a lead into an account, a contact and (optionally) a deal, in one transaction.

    ``account``/``contact``: the id of an existing record to link (one the actor can see),
    or None to create it from the lead. ``opportunity``: fields for a new deal (name,
    amount, pipeline, stage, expected_close), or None for no deal. The lead's activities and
    history move to the account's timeline. A lead is converted once.
    """
    from guanxi.customers import selectors as customer_selectors
    from guanxi.customers import services as customer_services
    from guanxi.sales import services as sales_services

    _require(actor, lead, "update")
    lead = lock(Lead, lead.pk, version)
    if lead.status == LeadStatus.CONVERTED:
        raise InvalidTransition(_("This lead has already been converted."))
    if not lead.is_open:
        raise InvalidTransition(_("Only open leads can be converted."))
    owner = lead.owner or actor
    if parse_id(account) is not None:
        acc = customer_selectors.account_get(actor, account)
    elif account not in (None, ""):
        raise ValidationFailed.on("account", _("Select a record you can see."))
    else:
        acc = customer_services.account_create(
            actor=actor,
            owner=owner,
            data={
                "name": lead.company or lead.name or str(lead),
                "kind": "b2b" if lead.company else "b2c",
                "industry": lead.industry,
                "region": lead.region,
                "source": lead.source,
                "province": lead.province,
                "city": lead.city,
                "address": lead.address,
                "phone": lead.phone,
                "email": "" if lead.company else lead.email,
            },
        )
    if parse_id(contact) is not None:
        con = customer_selectors.contact_get(actor, contact)
        if con.account_id is None:
            con = customer_services.contact_update(
                actor=actor, contact=con, data={"account": acc.pk}
            )
    elif contact not in (None, ""):
        raise ValidationFailed.on("contact", _("Select a record you can see."))
    else:
        con = customer_services.contact_create(
            actor=actor,
            owner=owner,
            data={
                "account": acc.pk,
                "name": lead.name or lead.company or str(lead),
                "title": lead.title,
                "mobile": lead.mobile,
                "phone": lead.phone if lead.company else "",
                "email": lead.email,
                "wechat_id": lead.wechat_id,
                "address": lead.address,
                "marketing_consent": lead.marketing_consent,
            },
        )
    opp = None
    if opportunity is not None:
        deal = dict(opportunity)
        deal.setdefault("name", lead.company or lead.name or str(lead))
        deal["account"] = acc.pk
        deal["contact"] = con.pk
        opp = sales_services.opportunity_create(actor=actor, owner=owner, data=deal)
    _carry_over(lead, acc.pk, con.pk, opp.pk if opp else None)
    lead.status = LeadStatus.CONVERTED
    lead.converted_at = timezone.now()
    lead.account, lead.contact, lead.opportunity = acc, con, opp
    if lead.owner_id is None:
        lead.owner = owner
    _stamp(lead, actor)
    lead.save()
    _record(
        actor,
        "lead.converted",
        lead,
        data={
            "account": acc.pk,
            "account_name": acc.name,
            "contact": con.pk,
            "opportunity": opp.pk if opp else None,
        },
    )
    return lead


def _carry_over(lead: Lead, account_id: int, contact_id: int, opportunity_id: int | None) -> None:
    """The lead's activities and events now belong to the account (and its contact/deal)."""
    from django.apps import apps

    from guanxi.core.models import Event

    Activity = apps.get_model("activities", "Activity")
    activities = Activity.objects.filter(organisation_id=lead.organisation_id, lead_id=lead.pk)
    activity_ids = list(activities.values_list("pk", flat=True))
    activities.update(
        account_id=account_id,
        contact_id=contact_id,
        **({"opportunity_id": opportunity_id} if opportunity_id else {}),
    )
    Event.objects.filter(organisation_id=lead.organisation_id).filter(
        models.Q(object_type="lead", object_id=lead.pk)
        | models.Q(object_type="activity", object_id__in=activity_ids)
    ).update(account_id=account_id)


# --- Housekeeping -------------------------------------------------------------------------------


def rescore_open(*, organisation_id: int, batch: int = 2000) -> int:
    """Recompute the score of every open lead (decay moves with time); returns how many."""
    rules = list(ScoringRule.objects.filter(organisation_id=organisation_id, is_active=True))
    settings = lead_settings(organisation_id)
    from django.apps import apps

    Activity = apps.get_model("activities", "Activity")
    now = timezone.now()
    done = 0
    last = 0
    while True:
        chunk = list(
            Lead.objects.filter(
                organisation_id=organisation_id, status__in=OPEN_STATUSES, pk__gt=last
            ).order_by("pk")[:batch]
        )
        if not chunk:
            return done
        counts = dict(
            Activity.objects.filter(lead_id__in=[x.pk for x in chunk])
            .values_list("lead_id")
            .annotate(n=models.Count("id"))
            .values_list("lead_id", "n")
        )
        changed = []
        for lead in chunk:
            points, prob = scoring.score(
                lead, rules, settings, activities=counts.get(lead.pk, 0), now=now
            )
            if points != lead.score or prob != lead.probability:
                lead.score, lead.probability, lead.scored_at = points, prob, now
                changed.append(lead)
        with transaction.atomic():
            Lead.objects.bulk_update(changed, ["score", "probability", "scored_at"])
        done += len(chunk)
        last = chunk[-1].pk


@transaction.atomic
def lead_route(*, actor, lead: Lead, version: int | None = None) -> Lead:
    """Apply the assignment rules now to an unowned (pooled) lead, as on its creation."""
    _require(actor, lead, "update")
    lead = lock(Lead, lead.pk, version)
    if not lead.is_open or lead.invalid_reason:
        raise InvalidTransition(_("Only open, valid leads can be assigned."))
    if lead.owner_id is not None:
        raise InvalidTransition(_("The rules only assign leads that nobody owns."))
    routing.route(lead, actor=actor, fallback=None)
    return lead


BULK_ACTIONS = ("assign", "claim", "release", "route")


def leads_bulk(*, actor, action: str, ids: list[int], owner: Any = None) -> dict[str, Any]:
    """Run one action on many leads, each in its own transaction: the good ones land, the
    others are reported by id with the reason."""
    from guanxi.core.errors import DomainError
    from guanxi.leads.selectors import lead_get

    if action not in BULK_ACTIONS:
        raise ValidationFailed.on("action", _("Select a valid choice."))
    if action == "assign":
        choose_owner(actor, owner)  # a bad owner is one error, not one per lead
    done, errors = 0, []
    for pk in ids:
        try:
            lead = lead_get(actor, pk)
            if action == "assign":
                lead_assign(actor=actor, lead=lead, owner=owner)
            elif action == "claim":
                lead_claim(actor=actor, lead=lead)
            elif action == "release":
                lead_release(actor=actor, lead=lead)
            else:
                lead_route(actor=actor, lead=lead)
            done += 1
        except DomainError as exc:
            detail = "; ".join(m for msgs in (exc.fields or {}).values() for m in msgs)
            errors.append({"id": pk, "message": detail or str(exc.message)})
    return {"done": done, "errors": errors}
