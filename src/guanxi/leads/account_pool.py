"""Accounts in the public pool (公海).

An owner releases an account they cannot work, or nobody follows it up within the pool's
``account_reclaim_days`` and the periodic job takes it back; either way it loses its owner
and waits in the pool for its region (else the default pool). Anyone who may use that pool
claims it, within the pool's ``account_limit`` of accounts a person may hold. Every move is
an event on the account's timeline. Active customers are never reclaimed.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core import access, events
from guanxi.core.errors import InvalidTransition, NotFound, ValidationFailed
from guanxi.core.models import Event
from guanxi.core.normalize import clean_text
from guanxi.core.records import lock, stamp
from guanxi.customers.models import Account, AccountStatus
from guanxi.leads import routing
from guanxi.leads.models import Pool, PooledAccount


def _home_pool(cfg: routing.Config) -> Pool | None:
    """The pool that takes accounts of every region no pool of its own covers."""
    if cfg.settings and cfg.settings.default_pool_id:
        found = next((p for p in cfg.pools if p.pk == cfg.settings.default_pool_id), None)
        if found is not None:
            return found
    return next((p for p in cfg.pools if not p.region), None)


@transaction.atomic
def account_release(*, actor, account: Account, reason: str = "", version: int | None = None):
    """The owner (or someone who may change the account) gives it back to the pool."""
    access.require_on(actor, account, "account", "update")
    account = lock(Account, account.pk, version)
    if account.owner_id is None:
        return account
    pool = routing.pool_for(account)
    if pool is None:
        raise ValidationFailed.on("non_field", _("There is no pool to release the account to."))
    reason = clean_text(reason)[:300]
    old = account.owner_id
    account.owner = None
    stamp(account, actor)
    account.save(update_fields=["owner", "version", "updated_by", "updated_at"])
    PooledAccount.objects.update_or_create(
        account=account,
        defaults={
            "organisation_id": account.organisation_id,
            "pool": pool,
            "pooled_at": account.updated_at,
            "previous_owner_id": old,
            "reason": reason,
        },
    )
    events.record(
        actor,
        "account.released",
        account,
        account_id=account.pk,
        changes={"owner": (old, None)},
        data={"pool": pool.name, "reason": reason},
    )
    return account


@transaction.atomic
def account_claim(*, actor, account: Account, version: int | None = None) -> Account:
    """Take an account from a pool the actor may use, within the pool's limit."""
    access.require_right(actor, "account", "update")
    account = lock(Account, account.pk, version)
    entry = PooledAccount.objects.select_related("pool").filter(account_id=account.pk).first()
    if (
        account.organisation_id != actor.organisation_id
        or entry is None
        or not routing.can_use_pool(actor, entry.pool)
    ):
        raise NotFound()
    if account.owner_id is not None:
        raise InvalidTransition(_("Someone has already claimed this account."))
    limit = entry.pool.account_limit
    if limit:
        held = Account.objects.filter(organisation_id=actor.organisation_id, owner=actor).count()
        if held >= limit:
            raise ValidationFailed.on(
                "non_field",
                _("You already own %(held)s accounts; the pool allows %(limit)s.")
                % {"held": held, "limit": limit},
            )
    account.owner = actor
    stamp(account, actor)
    account.save(update_fields=["owner", "version", "updated_by", "updated_at"])
    entry.delete()
    events.record(
        actor,
        "account.claimed",
        account,
        account_id=account.pk,
        changes={"owner": (None, actor.pk)},
        data={"pool": entry.pool.name},
    )
    return account


def left_pool(event: Event) -> None:
    """An account given an owner some other way (an administrator assigning it) leaves
    its pool in the same transaction."""
    if (event.changes or {}).get("owner", [None, None])[1] is not None:
        PooledAccount.objects.filter(account_id=event.object_id).delete()


def accounts_reclaim(*, organisation_id: int | None = None, now=None) -> int:
    """Accounts nobody followed up within their pool's ``account_reclaim_days`` go back.

    Followed up: the account was changed, or an activity on it logged or changed, since
    then. Set-based, three statements a pool whatever the number of accounts: the events
    and the pool entries (both need the old owner), then the owners are cleared.
    """
    now = now or timezone.now()
    orgs = Pool.objects.filter(is_active=True, account_reclaim_days__gt=0)
    if organisation_id is not None:
        orgs = orgs.filter(organisation_id=organisation_id)
    total = 0
    for org_id in sorted(set(orgs.values_list("organisation_id", flat=True))):
        cfg = routing.config(org_id)
        home = _home_pool(cfg)
        covered = sorted({p.region for p in cfg.pools if p.region})
        for pool in cfg.pools:
            if not pool.account_reclaim_days:
                continue
            if pool.region:
                region_sql, region_params = "a.region = %s", [pool.region]
            elif home is not None and pool.pk == home.pk:
                marks = ", ".join(["%s"] * len(covered))
                region_sql = f"a.region NOT IN ({marks})" if covered else "1 = 1"
                region_params = covered
            else:
                continue
            with transaction.atomic():
                total += _reclaim(pool, now, region_sql, region_params)
    return total


def _reclaim(pool: Pool, now, region_sql: str, region_params: list) -> int:
    from datetime import timedelta

    from guanxi.activities.models import Activity

    cutoff = now - timedelta(days=pool.account_reclaim_days)
    qn = connection.ops.quote_name
    accounts = qn(Account._meta.db_table)
    activities = qn(Activity._meta.db_table)
    # Table names only are interpolated; every value is a parameter.
    where = (
        f"a.organisation_id = %s AND a.owner_id IS NOT NULL AND a.status <> %s "  # noqa: S608
        f"AND a.updated_at < %s AND {region_sql} AND NOT EXISTS (SELECT 1 FROM {activities} x "
        f"WHERE x.organisation_id = a.organisation_id AND x.account_id = a.id "
        f"AND x.updated_at >= %s)"
    )
    params = [pool.organisation_id, AccountStatus.ACTIVE, cutoff, *region_params, cutoff]
    if connection.vendor == "postgresql":
        changes = "jsonb_build_object('owner', jsonb_build_array(a.owner_id, NULL))"
        data = "jsonb_build_object('pool', %s::text, 'days', %s::int)"
    else:
        changes = "json_object('owner', json_array(a.owner_id, NULL))"
        data = "json_object('pool', %s, 'days', %s)"
    event_table = qn(Event._meta.db_table)
    pooled_table = qn(PooledAccount._meta.db_table)
    reason = _("Not followed up for %(days)s days") % {"days": pool.account_reclaim_days}
    # Table and column names only are interpolated; every value is a parameter.
    statements = [
        (
            f"INSERT INTO {event_table} (organisation_id, occurred_at, actor_id, verb, "  # noqa: S608
            f"object_type, object_id, object_repr, account_id, changes, data) "
            f"SELECT a.organisation_id, %s, NULL, 'account.reclaimed', 'account', a.id, "
            f"a.name, a.id, {changes}, {data} FROM {accounts} a WHERE {where}",
            [now, pool.name, pool.account_reclaim_days, *params],
        ),
        (
            f"DELETE FROM {pooled_table} WHERE account_id IN "  # noqa: S608
            f"(SELECT a.id FROM {accounts} a WHERE {where})",
            params,
        ),
        (
            f"INSERT INTO {pooled_table} (account_id, organisation_id, pool_id, pooled_at, "  # noqa: S608
            f"previous_owner_id, reason) SELECT a.id, a.organisation_id, %s, %s, a.owner_id, %s "
            f"FROM {accounts} a WHERE {where}",
            [pool.pk, now, reason, *params],
        ),
        (
            f"UPDATE {accounts} SET owner_id = NULL, version = version + 1, "  # noqa: S608
            f"updated_at = %s, updated_by_id = NULL WHERE id IN "
            f"(SELECT a.id FROM {accounts} a WHERE {where})",
            [now, *params],
        ),
    ]
    with connection.cursor() as cursor:
        for sql, values in statements:
            cursor.execute(sql, values)
            count = cursor.rowcount
    return max(count, 0)
