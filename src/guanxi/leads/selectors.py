"""Reads for leads, pools and the lead settings, always within what the actor may see.

A lead is visible to the people its owner's records are visible to (the role's scope), and
an unowned lead in a pool to everyone who may use that pool.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core import access
from guanxi.core.errors import NotFound, ValidationFailed
from guanxi.core.filters import ID, OWNER, apply_filters, check_sort, parse_id
from guanxi.core.models import Event
from guanxi.core.pagination import Page, paginate
from guanxi.core.search import search
from guanxi.customers.models import Region, Source
from guanxi.leads import routing
from guanxi.leads.models import (
    OPEN_STATUSES,
    AssignmentRule,
    Channel,
    Lead,
    LeadKind,
    LeadMatch,
    LeadSettings,
    LeadStatus,
    Pool,
    ScoringRule,
    WebForm,
)

LEAD_SORTS = ("-updated_at", "-score", "-created_at", "name")
LEAD_FILTERS = {
    "owner": OWNER,
    "status": LeadStatus,
    "kind": LeadKind,
    "source": Source,
    "region": Region,
    "channel": Channel,
    "pool": ID,
    "form": ID,
}
# Saved views of the lead list ("mine", "hot"…): name → label, shown as tabs.
VIEWS = ("all", "mine", "hot", "new_today", "overdue", "pool", "invalid", "enquiries")


def _visible(actor) -> models.QuerySet[Lead]:
    """Leads in the actor's scope, plus unowned leads of the pools they may use."""
    base = Lead.objects.select_related("owner", "pool")
    scoped = access.scoped(actor, base, "lead")
    if access.scope_of(actor) == "organisation" or not access.has_right(actor, "lead", "read"):
        return scoped
    pools = [p.pk for p in routing.visible_pools(actor)]
    pooled = base.filter(
        organisation_id=actor.organisation_id, owner__isnull=True, pool_id__in=pools
    )
    return scoped | pooled


def _view(actor, qs: models.QuerySet[Lead], view: str, hot: int) -> models.QuerySet[Lead]:
    now = timezone.now()
    if view in ("", "all"):
        return qs.filter(kind=LeadKind.SALES)
    if view == "mine":
        return qs.filter(owner_id=actor.pk, status__in=OPEN_STATUSES)
    if view == "hot":
        return qs.filter(score__gte=hot, status__in=OPEN_STATUSES, invalid_reason="")
    if view == "new_today":
        local = timezone.localtime(now)
        start = local.replace(hour=0, minute=0, second=0, microsecond=0)
        return qs.filter(created_at__gte=start)
    if view == "overdue":
        from django.apps import apps

        Activity = apps.get_model("activities", "Activity")
        late = Activity.objects.filter(
            organisation_id=actor.organisation_id,
            lead_id=models.OuterRef("pk"),
            done=False,
            due_at__lt=now,
        )
        return qs.filter(models.Exists(late), status__in=OPEN_STATUSES)
    if view == "pool":
        return qs.filter(
            owner__isnull=True, pool__isnull=False, status__in=OPEN_STATUSES, invalid_reason=""
        )
    if view == "invalid":
        return qs.exclude(invalid_reason="")
    if view == "enquiries":
        return qs.filter(kind=LeadKind.ENQUIRY)
    raise ValidationFailed.on("view", _("Select a valid choice."))


def lead_queryset(
    actor,
    *,
    q: str | None = None,
    filters: Mapping[str, Any] | None = None,
) -> models.QuerySet[Lead]:
    filters = dict(filters or {})
    view = str(filters.pop("view", "") or "")
    min_score = filters.pop("min_score", None)
    hot_only = filters.pop("hot", None)
    qs = apply_filters(_visible(actor), actor, filters, LEAD_FILTERS)
    hot = hot_threshold(actor)
    qs = _view(actor, qs, view, hot)
    if min_score not in (None, ""):
        try:
            qs = qs.filter(score__gte=int(min_score))
        except (TypeError, ValueError):
            raise ValidationFailed.on("min_score", _("Enter a whole number.")) from None
    if hot_only not in (None, ""):
        if str(hot_only).lower() in {"1", "true"}:
            qs = qs.filter(score__gte=hot)
        elif str(hot_only).lower() in {"0", "false"}:
            qs = qs.filter(score__lt=hot)
        else:
            raise ValidationFailed.on("hot", _("Select a valid choice."))
    if q:
        qs = search(qs, q)
    return qs


def lead_list(
    actor,
    *,
    q: str | None = None,
    filters: Mapping[str, Any] | None = None,
    sort: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    sort = check_sort(sort, LEAD_SORTS)
    return paginate(
        lead_queryset(actor, q=q, filters=filters), sort=sort, cursor=cursor, limit=limit
    )


def lead_get(actor, pk: Any) -> Lead:
    pk = parse_id(pk)
    if pk is None or not access.has_right(actor, "lead", "read"):
        raise NotFound()
    # The converted-into records and the form load on demand: most leads have none.
    found = list(_visible(actor).filter(pk=pk)[:1])
    if not found:
        raise NotFound()
    return found[0]


def hot_threshold(actor) -> int:
    """The score from which a lead is hot (the configuration the process holds)."""
    settings = routing.config(actor.organisation_id).settings
    return 60 if settings is None else settings.hot_threshold


def lead_matches(actor, lead: Lead) -> list[dict[str, Any]]:
    """The possible duplicates of a lead that the actor may see (others are only counted).

    One scoped query per kind of record, whatever the number of matches.
    """
    from guanxi.customers import selectors as customer_selectors

    rows = list(LeadMatch.objects.filter(lead=lead).order_by("-similarity", "id"))
    bases = {
        "lead": _visible(actor) if access.has_right(actor, "lead", "read") else Lead.objects.none(),
        "contact": customer_selectors.contact_queryset(actor),
        "account": customer_selectors.account_queryset(actor),
    }
    visible = {
        kind: base.in_bulk({m.object_id for m in rows if m.object_type == kind})
        for kind, base in bases.items()
        if any(m.object_type == kind for m in rows)
    }
    found: list[dict[str, Any]] = []
    hidden = 0
    for m in rows:
        obj = visible.get(m.object_type, {}).get(m.object_id)
        if obj is None:
            hidden += 1
            continue
        found.append(
            {
                "type": m.object_type,
                "object": obj,
                "reason": m.get_reason_display(),
                "reason_code": m.reason,
                "similarity": m.similarity,
            }
        )
    return found + ([{"hidden": hidden}] if hidden else [])


def conversion_choices(actor, lead: Lead, matches: list[dict[str, Any]]) -> tuple[list, list]:
    """Existing accounts and contacts to offer when converting: the duplicates the actor
    sees, plus the accounts of those contacts (when the actor sees them too)."""
    from guanxi.customers import selectors as customer_selectors

    accounts = [m["object"] for m in matches if m.get("type") == "account"]
    contacts = [m["object"] for m in matches if m.get("type") == "contact"]
    more = {c.account_id for c in contacts if c.account_id} - {a.pk for a in accounts}
    if more:
        accounts += list(customer_selectors.account_queryset(actor).filter(pk__in=more))
    return accounts, contacts


def lead_timeline(actor, lead: Lead, *, limit: int = 50) -> list[Event]:
    """What happened to the lead and the activities logged on it, newest first."""
    from django.apps import apps

    Activity = apps.get_model("activities", "Activity")
    activity_ids = access.scoped(actor, Activity.objects.filter(lead_id=lead.pk), "activity")
    qs = Event.objects.filter(organisation_id=lead.organisation_id).filter(
        models.Q(object_type="lead", object_id=lead.pk)
        | models.Q(object_type="activity", object_id__in=activity_ids.values("pk"))
    )
    return list(qs.select_related("actor").order_by("-id")[:limit])


def lead_activities(actor, lead: Lead, limit: int = 20) -> list:
    from django.apps import apps

    Activity = apps.get_model("activities", "Activity")
    return list(
        access.scoped(actor, Activity.objects.select_related("owner"), "activity")
        .filter(lead_id=lead.pk)
        .order_by("done", "-due_at", "-id")[:limit]
    )


COUNT_CAP = 999


def view_counts(actor) -> dict[str, str]:
    """How many leads each quick view holds for the actor (the list's tabs), counted up to
    ``COUNT_CAP`` ("999+") so the tabs cost the same with a million leads."""
    counts = {}
    for view in ("mine", "hot", "overdue", "pool"):
        qs = lead_queryset(actor, filters={"view": view}).order_by()
        n = qs.values("pk")[: COUNT_CAP + 1].count()
        counts[view] = f"{COUNT_CAP}+" if n > COUNT_CAP else str(n)
    return counts


# --- Settings -----------------------------------------------------------------------------------


def pool_list(actor) -> list[Pool]:
    """Pools the actor may use (admins: every pool, active or not)."""
    if access.is_admin(actor):
        return list(
            Pool.objects.filter(organisation_id=actor.organisation_id).select_related("team")
        )
    return routing.visible_pools(actor)


def pool_get(actor, pk: Any) -> Pool:
    pool = next((p for p in pool_list(actor) if p.pk == parse_id(pk)), None)
    if pool is None:
        raise NotFound()
    return pool


def pool_counts(actor, pools: list[Pool]) -> dict[int, int]:
    return dict(
        Lead.objects.filter(
            organisation_id=actor.organisation_id,
            owner__isnull=True,
            pool_id__in=[p.pk for p in pools],
            status__in=OPEN_STATUSES,
            invalid_reason="",
        )
        .values_list("pool_id")
        .annotate(n=models.Count("id"))
        .values_list("pool_id", "n")
    )


def assignment_rules(actor) -> list[AssignmentRule]:
    access.require_admin(actor)
    return list(
        AssignmentRule.objects.filter(organisation_id=actor.organisation_id)
        .select_related("user", "team", "pool")
        .order_by("position", "id")
    )


def assignment_rule_get(actor, pk: Any) -> AssignmentRule:
    access.require_admin(actor)
    rule = AssignmentRule.objects.filter(
        organisation_id=actor.organisation_id, pk=parse_id(pk) or 0
    ).first()
    if rule is None:
        raise NotFound()
    return rule


def scoring_rules(actor) -> list[ScoringRule]:
    access.require_admin(actor)
    return list(ScoringRule.objects.filter(organisation_id=actor.organisation_id).order_by("id"))


def scoring_rule_get(actor, pk: Any) -> ScoringRule:
    access.require_admin(actor)
    rule = ScoringRule.objects.filter(
        organisation_id=actor.organisation_id, pk=parse_id(pk) or 0
    ).first()
    if rule is None:
        raise NotFound()
    return rule


def lead_settings_get(actor) -> LeadSettings:
    access.require_admin(actor)
    settings, _created = LeadSettings.objects.get_or_create(organisation_id=actor.organisation_id)
    return settings


def web_forms(actor) -> list[WebForm]:
    access.require_admin(actor)
    return list(WebForm.objects.filter(organisation_id=actor.organisation_id).order_by("name"))


def web_form_get(actor, pk: Any) -> WebForm:
    access.require_admin(actor)
    form = WebForm.objects.filter(
        organisation_id=actor.organisation_id, pk=parse_id(pk) or 0
    ).first()
    if form is None:
        raise NotFound()
    return form


def public_form(key: str) -> WebForm:
    """The active form behind a public URL; NotFound for an unknown or disabled key.

    Read at most once a second per key and process, like the rest of the lead
    configuration (``routing.held``): a website may post hundreds a second.
    """
    key = str(key)[:32]
    form = routing.held("form", key, lambda: _public_form(key))
    if form is None:
        raise NotFound()
    return form


def _public_form(key: str) -> WebForm | None:
    form = WebForm.objects.filter(key=key, is_active=True).select_related("organisation")
    form = next(iter(form), None)
    return form if form is not None and form.organisation.is_active else None


def web_form_stats(actor, forms: list[WebForm]) -> dict[int, dict[str, Any]]:
    """Leads each form has captured so far and when the last arrived, in one query."""
    access.require_admin(actor)
    rows = (
        Lead.objects.filter(
            organisation_id=actor.organisation_id, form_id__in=[f.pk for f in forms]
        )
        .values("form_id")
        .annotate(leads=models.Count("id"), last=models.Max("created_at"))
        .order_by()
    )
    return {r["form_id"]: {"leads": r["leads"], "last": r["last"]} for r in rows}


# --- Accounts in the pools ------------------------------------------------------------------


def pooled_accounts(
    actor,
    *,
    pool: Any = None,
    q: str = "",
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    """Accounts waiting in the pools the actor may use, most recently pooled first."""
    from guanxi.customers.models import Account
    from guanxi.leads.models import PooledAccount

    if not access.has_right(actor, "account", "read"):
        return Page(items=[], next_cursor=None, sort="-pooled_at", limit=limit)
    pools = [p.pk for p in routing.visible_pools(actor)]
    qs = PooledAccount.objects.filter(
        organisation_id=actor.organisation_id, pool_id__in=pools, account__owner__isnull=True
    ).select_related("account", "pool", "previous_owner")
    if pool not in (None, ""):
        pool_id = parse_id(pool)
        if pool_id is None:
            raise ValidationFailed.on("pool", _("Select a valid choice."))
        qs = qs.filter(pool_id=pool_id)
    if q:
        found = search(Account.objects.filter(organisation_id=actor.organisation_id), q)
        qs = qs.filter(account_id__in=found.values("id"))
    return paginate(qs, sort="-pooled_at", cursor=cursor, limit=limit)


def pooled_account_get(actor, pk: Any):
    """An account waiting in a pool the actor may use (to claim it); NotFound otherwise."""
    from guanxi.customers.models import Account
    from guanxi.leads.models import PooledAccount

    pk = parse_id(pk)
    pools = [p.pk for p in routing.visible_pools(actor)]
    if pk is None or not access.has_right(actor, "account", "read"):
        raise NotFound()
    entry = PooledAccount.objects.filter(
        organisation_id=actor.organisation_id, account_id=pk, pool_id__in=pools
    ).first()
    if entry is None:
        raise NotFound()
    return Account.objects.get(pk=entry.account_id)
