"""Account and contact services: validation, normalisation, events, locking, deletion."""

from __future__ import annotations

import pytest

from guanxi.core.errors import NotFound, PermissionDenied, ValidationFailed, VersionConflict
from guanxi.core.models import Event
from guanxi.customers.models import Account, Contact
from guanxi.customers.services import (
    account_create,
    account_delete,
    account_update,
    contact_create,
    contact_update,
)
from guanxi.sales.services import opportunity_create

pytestmark = pytest.mark.django_db


def test_create_normalises_and_records_an_event(admin):
    account = account_create(
        actor=admin,
        data={
            "name": " 深圳 零食 贸易 ",
            "phone": "0755 8888 6666",
            "email": "SALES@EXAMPLE.CN",
            "country": "cn",
            "tags": "连锁，重点客户",
        },
    )
    assert account.name == "深圳 零食 贸易"
    assert account.phone == "+8675588886666"
    assert account.email == "sales@example.cn"
    assert account.country == "CN"
    assert sorted(t.name for t in account.tags.all()) == ["连锁", "重点客户"]
    assert (account.owner, account.created_by, account.version) == (admin, admin, 1)
    event = Event.objects.get(verb="account.created", object_id=account.pk)
    assert event.account_id == account.pk and event.actor == admin


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "x", "phone": "abc"}, "phone"),
        ({"name": "x", "email": "a@"}, "email"),
        ({"name": "x", "website": "not a url"}, "website"),
        ({"name": ""}, "name"),
        ({"name": "x", "lifecycle_stage": "teenage"}, "lifecycle_stage"),
        ({"name": "x", "owner_id": 1}, "owner_id"),
    ],
)
def test_invalid_data_is_refused_with_the_field_named(admin, data, field):
    with pytest.raises(ValidationFailed) as exc:
        account_create(actor=admin, data=data)
    assert field in exc.value.fields
    assert not Account.objects.exists()
    assert not Event.objects.filter(verb="account.created").exists()


def test_update_records_changes_and_bumps_version(admin):
    account = account_create(actor=admin, data={"name": "Acme", "grade": "C"})
    account = account_update(actor=admin, account=account, data={"grade": "A"}, version=1)
    assert account.version == 2
    event = Event.objects.filter(verb="account.updated").get()
    assert event.changes == {"grade": ["C", "A"]}
    # no change, no new version and no event
    account = account_update(actor=admin, account=account, data={"grade": "A"})
    assert account.version == 2
    assert Event.objects.filter(verb="account.updated").count() == 1


def test_stale_version_changes_nothing(admin):
    account = account_create(actor=admin, data={"name": "Acme"})
    account_update(actor=admin, account=account, data={"city": "上海"}, version=1)
    with pytest.raises(VersionConflict):
        account_update(actor=admin, account=account, data={"city": "北京"}, version=1)
    assert Account.objects.get(pk=account.pk).city == "上海"


def test_rep_cannot_touch_someone_elses_account(admin, rep):
    account = account_create(actor=admin, data={"name": "Boss's"})
    with pytest.raises(NotFound):
        account_update(actor=rep, account=account, data={"name": "Mine now"})
    mine = account_create(actor=rep, data={"name": "Mine"})
    with pytest.raises(PermissionDenied):
        account_delete(actor=rep, account=mine)
    assert Account.objects.count() == 2


def test_account_with_deals_cannot_be_deleted_but_contacts_survive(admin):
    account = account_create(actor=admin, data={"name": "Acme"})
    contact = contact_create(actor=admin, data={"name": "王芳", "account": account})
    deal = opportunity_create(actor=admin, data={"name": "Deal", "account": account})
    with pytest.raises(ValidationFailed):
        account_delete(actor=admin, account=account)
    deal.delete()
    account_delete(actor=admin, account=account)
    contact.refresh_from_db()
    assert contact.account is None
    assert Event.objects.filter(verb="account.deleted", account_id=account.pk).exists()


def test_marketing_consent_is_timestamped(admin):
    contact = contact_create(actor=admin, data={"name": "Li Na", "marketing_consent": True})
    assert contact.consent_at is not None
    contact = contact_update(actor=admin, contact=contact, data={"marketing_consent": False})
    assert contact.consent_at is None


def test_contact_search_tokens_follow_edits(admin):
    contact = contact_create(actor=admin, data={"name": "陈静", "mobile": "13700001111"})
    contact = contact_update(actor=admin, contact=contact, data={"mobile": "13900002222"})
    stored = Contact.objects.get(pk=contact.pk).search_tokens.split()
    assert "13900002222" in stored and "13700001111" not in stored
