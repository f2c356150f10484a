"""Accounts in the public pool: release, claim, reclaim, visibility, API and pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from guanxi.activities.services import activity_create
from guanxi.core.errors import NotFound, ValidationFailed
from guanxi.core.models import Event
from guanxi.customers.models import Account
from guanxi.customers.selectors import account_list
from guanxi.customers.services import account_assign, account_create
from guanxi.leads import account_pool, configuration
from guanxi.leads.models import Pool, PooledAccount
from guanxi.leads.selectors import pooled_accounts


def _account(owner, **data):
    return account_create(actor=owner, data={"name": "鑫盛食品有限公司", **data})


def _default_pool(org) -> Pool:
    return Pool.objects.get(organisation=org, name__in=["Public pool", "公海"])


def test_release_puts_the_account_in_its_pool_and_claim_takes_it(world):
    rep_a, rep_b = world.users["rep_a"], world.users["rep_b"]
    account = _account(rep_a, region="east")
    account_pool.account_release(actor=rep_a, account=account, reason="No budget this year")
    account.refresh_from_db()
    assert account.owner_id is None
    entry = PooledAccount.objects.get(account=account)
    assert (entry.pool, entry.previous_owner, entry.reason) == (
        _default_pool(world.org),
        rep_a,
        "No budget this year",
    )
    # Out of the rep's own list, into the pool everyone may use.
    assert account not in account_list(rep_a).items
    assert [e.account for e in pooled_accounts(rep_b).items] == [account]
    account_pool.account_claim(actor=rep_b, account=account)
    account.refresh_from_db()
    assert account.owner == rep_b
    assert not PooledAccount.objects.filter(account=account).exists()
    verbs = list(
        Event.objects.filter(account_id=account.pk).order_by("id").values_list("verb", flat=True)
    )
    assert verbs[-2:] == ["account.released", "account.claimed"]
    with pytest.raises(NotFound):  # gone from the pool
        account_pool.account_claim(actor=rep_a, account=account)


def test_only_someone_who_may_change_the_account_releases_it(world):
    account = _account(world.users["rep_a"])
    with pytest.raises(NotFound):
        account_pool.account_release(actor=world.users["rep_c"], account=account)
    account_pool.account_release(actor=world.users["east_manager"], account=account)
    assert Account.objects.get(pk=account.pk).owner_id is None


def test_a_team_pool_is_seen_and_claimed_by_its_team_only(world):
    admin, rep_a, rep_c = world.users["admin"], world.users["rep_a"], world.users["rep_c"]
    east_pool = configuration.pool_save(
        actor=admin, data={"name": "East pool", "team": rep_a.team_id, "region": "east"}
    )
    account = _account(rep_a, region="east")
    account_pool.account_release(actor=rep_a, account=account)
    assert PooledAccount.objects.get(account=account).pool == east_pool
    assert pooled_accounts(rep_c).items == []
    with pytest.raises(NotFound):
        account_pool.account_claim(actor=rep_c, account=account)
    assert [e.account for e in pooled_accounts(world.users["rep_b"]).items] == [account]
    assert [e.account for e in pooled_accounts(world.users["manager"]).items] == [account]
    assert pooled_accounts(world.users["stranger"]).items == []


def test_the_pool_limits_how_many_accounts_a_person_holds(world):
    admin, rep_a, rep_b = world.users["admin"], world.users["rep_a"], world.users["rep_b"]
    pool = _default_pool(world.org)
    held = Account.objects.filter(owner=rep_b).count()
    configuration.pool_save(
        actor=admin, pool=pool, data={"name": pool.name, "account_limit": held + 1}
    )
    first, second = _account(rep_a, name="甲公司"), _account(rep_a, name="乙公司")
    for account in (first, second):
        account_pool.account_release(actor=rep_a, account=account)
    account_pool.account_claim(actor=rep_b, account=first)
    with pytest.raises(ValidationFailed) as caught:
        account_pool.account_claim(actor=rep_b, account=second)
    assert "allows" in str(caught.value.fields["non_field"][0])
    assert Account.objects.get(pk=second.pk).owner_id is None


def test_handing_a_pooled_account_to_someone_takes_it_out_of_the_pool(world):
    admin, rep_a = world.users["admin"], world.users["rep_a"]
    account = _account(rep_a)
    account_pool.account_release(actor=rep_a, account=account)
    account_assign(actor=admin, account=Account.objects.get(pk=account.pk), owner=rep_a.pk)
    assert not PooledAccount.objects.filter(account=account).exists()
    assert pooled_accounts(world.users["rep_b"]).items == []


def test_reclaim_takes_back_accounts_nobody_followed_up(world):
    admin, rep_a = world.users["admin"], world.users["rep_a"]
    pool = _default_pool(world.org)
    east = configuration.pool_save(
        actor=admin, data={"name": "East", "region": "east", "account_reclaim_days": 30}
    )
    configuration.pool_save(
        actor=admin, pool=pool, data={"name": pool.name, "account_reclaim_days": 60}
    )
    now = timezone.now()
    old = now - timedelta(days=45)
    quiet_east = _account(rep_a, name="华东静默", region="east")
    quiet_north = _account(rep_a, name="华北静默", region="north")
    followed = _account(rep_a, name="有跟进", region="east")
    customer = _account(rep_a, name="老客户", region="east", status="active")
    Account.objects.filter(pk__in=[quiet_east.pk, quiet_north.pk, followed.pk, customer.pk]).update(
        updated_at=old
    )
    activity_create(actor=rep_a, data={"subject": "回访", "account": followed.pk})

    assert account_pool.accounts_reclaim(organisation_id=world.org.pk, now=now) == 1
    assert PooledAccount.objects.get(account=quiet_east).pool == east
    # 45 days: past the east pool's 30, not the default pool's 60.
    for account in (quiet_north, followed, customer):
        assert Account.objects.get(pk=account.pk).owner == rep_a
    event = Event.objects.get(verb="account.reclaimed", object_id=quiet_east.pk)
    assert event.changes == {"owner": [rep_a.pk, None]}
    assert event.data == {"pool": "East", "days": 30}
    entry = PooledAccount.objects.get(account=quiet_east)
    assert (entry.previous_owner, Account.objects.get(pk=quiet_east.pk).owner) == (rep_a, None)

    later = now + timedelta(days=30)
    assert account_pool.accounts_reclaim(organisation_id=world.org.pk, now=later) == 1
    assert PooledAccount.objects.get(account=quiet_north).pool == pool
    assert account_pool.accounts_reclaim(organisation_id=world.org.pk, now=later) == 0


def test_deleting_a_pool_moves_its_accounts_to_the_default_pool(world):
    admin, rep_a = world.users["admin"], world.users["rep_a"]
    east = configuration.pool_save(actor=admin, data={"name": "East", "region": "east"})
    account = _account(rep_a, region="east")
    account_pool.account_release(actor=rep_a, account=account)
    configuration.pool_delete(actor=admin, pool=east)
    assert PooledAccount.objects.get(account=account).pool == _default_pool(world.org)


# --- API --------------------------------------------------------------------------------------


def test_api_release_list_and_claim(world, api):
    rep_a, rep_b = api(world.users["rep_a"]), api(world.users["rep_b"])
    account = _account(world.users["rep_a"])
    status, body, _ = rep_a.post(f"/accounts/{account.pk}/release", {"reason": "换人跟进"})
    assert status == 200, body
    assert body["account"] == {"id": account.pk, "name": account.name}
    assert body["previous_owner"]["id"] == world.users["rep_a"].pk
    status, body, _ = rep_a.get(f"/accounts/{account.pk}")
    assert status == 404  # no longer theirs
    status, body, _ = rep_b.get("/pools/accounts")
    assert status == 200 and [e["account"]["id"] for e in body["items"]] == [account.pk]
    status, body, _ = rep_b.post(f"/pools/accounts/{account.pk}/claim")
    assert status == 200 and body["owner"]["id"] == world.users["rep_b"].pk
    status, body, _ = rep_a.post(f"/pools/accounts/{account.pk}/claim")
    assert status == 404
    status, body, _ = api(world.users["admin"]).get(f"/accounts/{account.pk}")
    assert body["owner"]["id"] == world.users["rep_b"].pk


@pytest.mark.parametrize(
    "who, sees",
    [
        ("admin", True),
        ("manager", True),
        ("east_manager", True),
        ("rep_a", True),
        ("rep_b", True),
        ("rep_c", False),
        ("stranger", False),
    ],
)
def test_api_team_pool_visibility_matrix(world, api, who, sees):
    rep_a = world.users["rep_a"]
    configuration.pool_save(
        actor=world.users["admin"],
        data={"name": "East pool", "team": rep_a.team_id, "region": "east"},
    )
    account = _account(rep_a, region="east")
    account_pool.account_release(actor=rep_a, account=account)
    client = api(world.users[who])
    _, body, _ = client.get("/pools/accounts")
    assert ([e["account"]["id"] for e in body["items"]] == [account.pk]) is sees
    status, _, _ = client.post(f"/pools/accounts/{account.pk}/claim")
    assert (status == 200) is sees


# --- Pages ------------------------------------------------------------------------------------


def test_pages_release_from_the_account_and_claim_from_the_pool(world, client_for):
    rep_a = world.users["rep_a"]
    account = _account(rep_a)
    client = client_for(rep_a)
    page = client.get(f"/accounts/{account.pk}/").content.decode()
    assert f"/accounts/{account.pk}/release/" in page
    response = client.post(f"/accounts/{account.pk}/release/", {"version": account.version})
    assert response.status_code == 302 and response["Location"] == "/pool/accounts/"
    client = client_for(world.users["rep_b"])
    page = client.get("/pool/accounts/").content.decode()
    assert account.name in page and f"/pool/accounts/{account.pk}/claim/" in page
    response = client.post(f"/pool/accounts/{account.pk}/claim/")
    assert response["Location"] == f"/accounts/{account.pk}/"
    assert Account.objects.get(pk=account.pk).owner == world.users["rep_b"]
    # Claimed already: back to the pool with a message, the account untouched.
    response = client_for(world.users["rep_a"]).post(f"/pool/accounts/{account.pk}/claim/")
    assert response["Location"] == "/pool/accounts/"
    assert Account.objects.get(pk=account.pk).owner == world.users["rep_b"]


def test_release_page_with_a_stale_version_changes_nothing(world, client_for):
    rep_a = world.users["rep_a"]
    account = _account(rep_a)
    response = client_for(rep_a).post(
        f"/accounts/{account.pk}/release/", {"version": account.version + 5}
    )
    assert response.status_code == 400
    assert Account.objects.get(pk=account.pk).owner == rep_a
