"""Who gets a new lead: the organisation's ordered assignment rules, then a pool.

``route`` walks the active rules in order; the first whose conditions all hold decides:
a named user, the next member of a team in turn (round-robin), the member of a team holding
the fewest open leads, or a pool. Round-robin locks its rule row while it picks, so leads
created at the same moment never land on the same turn. Without a matching rule the lead
goes to ``fallback`` (the person entering it) or to the pool for its region.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection

from guanxi.core import access
from guanxi.core.models import Event, User
from guanxi.leads import scoring
from guanxi.leads.conditions import NUMERIC, matches
from guanxi.leads.models import (
    OPEN_STATUSES,
    AssignmentRule,
    Lead,
    LeadSettings,
    OwnerLoad,
    Pool,
    RuleAction,
)


@dataclass
class Config:
    """An organisation's lead configuration, read once and kept until it changes."""

    settings: LeadSettings | None
    rules: list[AssignmentRule]
    scoring_rules: list
    pools: list[Pool]


_configs: dict[int, tuple[float, tuple, Config]] = {}

# How long a process trusts the configuration it holds before asking the database whether
# it changed: a change made in another process applies there within this many seconds, and
# a change made in this process at once (``changed`` drops the copy on commit).
RECHECK_SECONDS = 1.0


def config(organisation_id: int) -> Config:
    """Rules, scoring rules, pools and settings of the organisation, read once and kept.

    Every configuration service sets ``LeadSettings.changed_at``; a process compares it
    with the copy it holds (at most once a second) and reloads on a difference, so leads
    arriving by the hundred a second do not re-read every rule, or even the settings row.
    """
    from guanxi.leads.models import ScoringRule

    now = time.monotonic()
    held = _configs.get(organisation_id)
    if held is not None and now - held[0] < RECHECK_SECONDS:
        return held[2]
    settings = LeadSettings.objects.filter(organisation_id=organisation_id).first()
    stamp = (settings.pk, settings.changed_at) if settings else (None, None)
    if held is not None and held[1] == stamp:
        held[2].settings = settings
        _configs[organisation_id] = (now, stamp, held[2])
        return held[2]
    cfg = Config(
        settings=settings,
        rules=list(
            AssignmentRule.objects.filter(organisation_id=organisation_id, is_active=True)
            .select_related("team", "pool")
            .order_by("position", "id")
        ),
        scoring_rules=list(
            ScoringRule.objects.filter(organisation_id=organisation_id, is_active=True)
        ),
        pools=list(Pool.objects.filter(organisation_id=organisation_id, is_active=True)),
    )
    _configs[organisation_id] = (now, stamp, cfg)
    return cfg


def changed(organisation_id: int) -> None:
    """Mark the organisation's lead configuration as changed (call inside the write)."""
    from django.db import transaction
    from django.utils import timezone

    LeadSettings.objects.filter(organisation_id=organisation_id).update(changed_at=timezone.now())
    forget(organisation_id)
    transaction.on_commit(lambda: forget(organisation_id))


def can_use_pool(actor, pool: Pool | None) -> bool:
    """Whether the actor sees (and may claim from) the pool: its team and sub-teams, or all."""
    if pool is None or actor is None or pool.organisation_id != actor.organisation_id:
        return False
    if not access.has_right(actor, "lead", "read"):
        return False
    if pool.team_id is None or access.scope_of(actor) == "organisation":
        return True
    if actor.team_id is None:
        return False
    if actor.team.path.startswith(pool.team.path):  # a member of the team or a sub-team
        return True
    # a manager whose team includes the pool's team sees what their people see
    return access.scope_of(actor) == "team" and pool.team.path.startswith(actor.team.path)


def visible_pools(actor) -> list[Pool]:
    pools = Pool.objects.filter(organisation_id=actor.organisation_id, is_active=True)
    return [p for p in pools.select_related("team") if can_use_pool(actor, p)]


def pool_for(lead: Lead, cfg: Config | None = None) -> Pool | None:
    """The pool a lead of this region belongs to: the first active pool for its region, else
    the organisation's default pool."""
    cfg = cfg or config(lead.organisation_id)
    for pool in cfg.pools:
        if pool.region and pool.region == lead.region:
            return pool
    if cfg.settings and cfg.settings.default_pool_id:
        found = next((p for p in cfg.pools if p.pk == cfg.settings.default_pool_id), None)
        if found is not None:
            return found
    return next((p for p in cfg.pools if not p.region), None)


_workers_held: dict[tuple[int, int], tuple[float, list[User]]] = {}


def _workers(rule: AssignmentRule) -> list[User]:
    """The active users a rule can give leads to, by id: its user, or its team's members
    (sub-teams included) whose role lets them work leads.

    Read at most once a second per rule, like the rules themselves; a change to a user,
    role or team in this process applies at once (``forget``).
    """
    key = (rule.organisation_id, rule.pk)
    now = time.monotonic()
    held = _workers_held.get(key)
    if held is not None and now - held[0] < RECHECK_SECONDS:
        return held[1]
    users = User.objects.filter(organisation_id=rule.organisation_id, is_active=True)
    if rule.action == RuleAction.USER:
        users = users.filter(pk=rule.user_id)
    elif rule.team_id is not None:
        users = users.filter(team__path__startswith=rule.team.path)
    else:
        users = users.none()
    found = [u for u in users.select_related("role", "organisation").order_by("id") if _can_work(u)]
    _workers_held[key] = (now, found)
    return found


_held: dict[tuple[str, str], tuple[float, object]] = {}


def held(kind: str, key: str, read):
    """``read()``, kept for ``RECHECK_SECONDS`` under ``(kind, key)``; a configuration
    change in this process (``forget``) drops everything held."""
    now = time.monotonic()
    found = _held.get((kind, key))
    if found is not None and now - found[0] < RECHECK_SECONDS:
        return found[1]
    value = read()
    _held[(kind, key)] = (now, value)
    return value


def forget(organisation_id: int) -> None:
    """Drop what this process holds of the organisation's lead configuration and people."""
    _configs.pop(organisation_id, None)
    for key in [k for k in _workers_held if k[0] == organisation_id]:
        _workers_held.pop(key, None)
    _held.clear()  # web forms by key: few, and cheap to read again


def forget_on_event(event) -> None:
    forget(event.organisation_id)


def _can_work(user: User) -> bool:
    return access.has_right(user, "lead", "read") and access.has_right(user, "lead", "update")


def _round_robin(rule: AssignmentRule) -> User | None:
    """The member after the one who got the previous lead (by id, wrapping round).

    One UPDATE … RETURNING picks the turn and records it: the row stays locked until the
    lead's transaction commits, so leads created at the same moment take consecutive turns.
    """
    members = {u.pk: u for u in _workers(rule)}
    if not members:
        return None
    ids = sorted(members)
    values = " UNION ALL ".join(["SELECT %s AS v"] * len(ids))
    table = connection.ops.quote_name(AssignmentRule._meta.db_table)
    sql = (
        f"UPDATE {table} SET last_user_id = COALESCE("  # noqa: S608 (table name only)
        f"(SELECT MIN(v) FROM ({values}) AS m WHERE v > COALESCE(last_user_id, 0)), %s) "
        f"WHERE id = %s RETURNING last_user_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*ids, ids[0], rule.pk])
        row = cursor.fetchone()
    return members.get(row[0]) if row else None


def _least_loaded(rule: AssignmentRule) -> User | None:
    AssignmentRule.objects.select_for_update().filter(pk=rule.pk).first()
    members = _workers(rule)
    if not members:
        return None
    load = open_leads_of([u.pk for u in members])
    return min(members, key=lambda u: (load.get(u.pk, 0), u.pk))


def open_leads_of(owners: list[int]) -> dict[int, int]:
    """Open leads each of ``owners`` (ids) holds: one row each, whatever their number, from
    the counts the database keeps (``guanxi.leads.load``)."""
    return dict(OwnerLoad.objects.filter(owner_id__in=owners).values_list("owner_id", "open_leads"))


def _facts(lead: Lead, rules: list[AssignmentRule]) -> dict | None:
    """The behaviour facts (activities, days since follow-up) when a rule tests them: the
    lead's own attributes of those names are not the numbers the conditions mean."""
    if any(c.get("field") in NUMERIC - {"score"} for r in rules for c in r.conditions):
        return scoring.facts(lead)
    return None


def choose(
    lead: Lead, rules: list[AssignmentRule]
) -> tuple[AssignmentRule | None, User | None, Pool | None]:
    """The first matching rule and what it decides: an owner, or a pool."""
    lead_facts = _facts(lead, rules)
    for rule in rules:
        if not rule.is_active or not matches(lead, rule.conditions, lead_facts):
            continue
        if rule.action == RuleAction.USER:
            workers = _workers(rule)
            if workers:
                return rule, workers[0], None
            continue
        if rule.action == RuleAction.ROUND_ROBIN:
            user = _round_robin(rule)
        elif rule.action == RuleAction.LEAST_LOADED:
            user = _least_loaded(rule)
        else:
            return rule, None, rule.pool or pool_for(lead)
        if user is not None:
            return rule, user, None
    return None, None, None


def decide(
    lead: Lead, *, fallback: User | None = None, cfg: Config | None = None
) -> tuple[AssignmentRule | None, User | None, Pool | None]:
    """Who gets a lead, before it is written: (the rule, an owner or None, its pool).

    Without a matching rule the lead goes to ``fallback`` if given; its pool is the rule's
    pool, else the pool for its region, else the default pool.
    """
    cfg = cfg or config(lead.organisation_id)
    rule, user, pool = choose(lead, cfg.rules)
    home = pool or pool_for(lead, cfg)
    if user is None and pool is None and fallback is not None:
        user = fallback
    return rule, user, home


def route(lead: Lead, *, actor=None, fallback: User | None = None) -> None:
    """Assign an existing unowned lead by the rules; the caller holds the transaction."""
    from guanxi.leads.services import _give, _to_pool

    rule, user, pool = decide(lead, fallback=fallback)
    if lead.pool_id is None:
        lead.pool = pool
    if user is not None:
        _give(actor, lead, user, verb="lead.assigned", rule=rule)
    elif pool is not None:
        _to_pool(actor, lead, pool, verb="lead.pooled", data={"rule": rule.name if rule else ""})


def reclaim_pool(pool: Pool, now) -> int:
    """Move this pool's owned, open leads untouched for ``reclaim_days`` back into it.

    Two statements whatever the number of leads: the events (they need the old owner) are
    written with INSERT … SELECT, then one UPDATE, in one transaction.
    """
    from django.db import transaction

    cutoff = now - timedelta(days=pool.reclaim_days)
    lead_table = connection.ops.quote_name(Lead._meta.db_table)
    event_table = connection.ops.quote_name(Event._meta.db_table)
    statuses = [str(s) for s in OPEN_STATUSES]
    marks = ", ".join(["%s"] * len(statuses))
    where = (
        f"organisation_id = %s AND pool_id = %s AND owner_id IS NOT NULL "
        f"AND status IN ({marks}) AND touched_at < %s"
    )
    params = [pool.organisation_id, pool.pk, *statuses, cutoff]
    if connection.vendor == "postgresql":
        changes = "jsonb_build_object('owner', jsonb_build_array(owner_id, NULL))"
        data = "jsonb_build_object('pool', %s::text, 'days', %s::int)"
    else:
        changes = "json_object('owner', json_array(owner_id, NULL))"
        data = "json_object('pool', %s, 'days', %s)"
    # Table and column names only are interpolated; every value is a parameter.
    insert = (
        f"INSERT INTO {event_table} (organisation_id, occurred_at, actor_id, verb, "  # noqa: S608
        f"object_type, object_id, object_repr, account_id, changes, data) "
        f"SELECT organisation_id, %s, NULL, 'lead.reclaimed', 'lead', id, "
        f"CASE WHEN name <> '' THEN name ELSE company END, account_id, "
        f"{changes}, {data} FROM {lead_table} WHERE {where}"
    )
    update = (
        f"UPDATE {lead_table} SET owner_id = NULL, pooled_at = %s, updated_at = %s, "  # noqa: S608
        f"updated_by_id = NULL, version = version + 1 WHERE {where}"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(insert, [now, pool.name, pool.reclaim_days, *params])
        cursor.execute(update, [now, now, *params])
        return cursor.rowcount
