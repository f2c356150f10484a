"""Writes for accounts and contacts: create, update, assign, delete."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core import access, events
from guanxi.core.errors import ValidationFailed
from guanxi.core.normalize import clean_text, normalize_email, normalize_phone, phone_search_forms
from guanxi.core.records import (
    apply,
    assign_owner,
    choose_owner,
    lock,
    normalise_field,
    reject_unknown,
    resolve,
    stamp,
    validate,
)
from guanxi.core.search import tokens
from guanxi.core.services import tags_ensure
from guanxi.customers.models import Account, Contact

ACCOUNT_FIELDS = (
    "name",
    "kind",
    "industry",
    "region",
    "source",
    "grade",
    "lifecycle_stage",
    "status",
    "phone",
    "email",
    "website",
    "country",
    "province",
    "city",
    "address",
    "postal_code",
    "shipping_address",
    "description",
    "tags",
)
CONTACT_FIELDS = (
    "account",
    "name",
    "gender",
    "title",
    "department",
    "birthday",
    "mobile",
    "phone",
    "email",
    "wechat_id",
    "address",
    "marketing_consent",
    "notes",
    "tags",
)
_TEXT = (
    "name",
    "industry",
    "province",
    "city",
    "address",
    "postal_code",
    "shipping_address",
    "title",
    "department",
    "wechat_id",
    "website",
)


def account_tokens(account: Account) -> str:
    return tokens(
        account.name,
        account.email,
        account.city,
        account.province,
        account.industry,
        *phone_search_forms(account.phone),
    )


def contact_tokens(contact: Contact) -> str:
    return tokens(
        contact.name,
        contact.email,
        contact.wechat_id,
        contact.title,
        *phone_search_forms(contact.mobile),
        *phone_search_forms(contact.phone),
    )


def _prepare(data: dict[str, Any], allowed: tuple[str, ...]) -> tuple[dict[str, Any], Any]:
    data = dict(data)
    reject_unknown(data, allowed)
    tag_names = data.pop("tags", None)
    for name in _TEXT:
        if name in data:
            data[name] = clean_text(data[name])
    for name in ("phone", "mobile"):
        normalise_field(data, name, normalize_phone)
    normalise_field(data, "email", normalize_email)
    if "country" in data:
        data["country"] = clean_text(data["country"]).upper()
    return data, tag_names


def contact_clean(data: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    """A contact's fields as ``contact_create`` cleans them (text tidied, phones in E.164,
    email lower-cased), and its tag names apart: for bulk imports that write rows directly."""
    return _prepare(data, CONTACT_FIELDS)


def _set_tags(actor, obj, tag_names) -> dict:
    if tag_names is None:
        return {}
    if isinstance(tag_names, str):
        tag_names = [t for t in tag_names.replace("，", ",").split(",")]
    before = sorted(t.name for t in obj.tags.all())
    tags = tags_ensure(actor=actor, names=list(tag_names))
    obj.tags.set(tags)
    after = sorted(t.name for t in tags)
    return {"tags": (before, after)} if before != after else {}


# --- Accounts -------------------------------------------------------------------------------


@transaction.atomic
def account_create(*, actor, data: dict[str, Any], owner: Any = None) -> Account:
    """A new account owned by ``owner`` (default: the actor)."""
    access.require_right(actor, "account", "create")
    data, tag_names = _prepare(data, ACCOUNT_FIELDS)
    account = Account(owner=choose_owner(actor, owner))
    apply(account, data)
    stamp(account, actor, creating=True)
    validate(account)
    account.search_tokens = account_tokens(account)
    account.save()
    _set_tags(actor, account, tag_names)
    events.record(
        actor, "account.created", account, account_id=account.pk, data={"owner": account.owner_id}
    )
    return account


@transaction.atomic
def account_update(
    *, actor, account: Account, data: dict[str, Any], version: int | None = None
) -> Account:
    """Change an account's fields; ``version`` guards against overwriting someone's edit."""
    access.require_on(actor, account, "account", "update")
    data, tag_names = _prepare(data, ACCOUNT_FIELDS)
    account = lock(Account, account.pk, version)
    changes = apply(account, data)
    validate(account)
    changes |= _set_tags(actor, account, tag_names)
    if not changes:
        return account
    stamp(account, actor)
    account.search_tokens = account_tokens(account)
    account.save()
    events.record(actor, "account.updated", account, account_id=account.pk, changes=changes)
    return account


@transaction.atomic
def account_assign(*, actor, account: Account, owner: Any, version: int | None = None) -> Account:
    """Hand the account to another user (only someone whose records the actor sees)."""
    return assign_owner(actor, account, "account", owner, version)


@transaction.atomic
def account_delete(*, actor, account: Account, version: int | None = None) -> None:
    """Delete an account. Its contacts stay, unlinked; an account with deals cannot go."""
    access.require_on(actor, account, "account", "delete")
    account = lock(Account, account.pk, version)
    pk, name = account.pk, account.name
    try:
        with transaction.atomic():
            account.delete()
    except models.ProtectedError:
        raise ValidationFailed.on(
            "non_field", _("This account still has deals. Delete or move them first.")
        ) from None
    events.record(
        actor,
        "account.deleted",
        None,
        object_type="account",
        account_id=pk,
        organisation_id=actor.organisation_id,
        data={"id": pk, "name": name},
    )


# --- Contacts -------------------------------------------------------------------------------


def _resolve_account(actor, data: dict[str, Any]) -> None:
    if "account" in data:
        data["account"] = resolve(
            actor, Account.objects.all(), "account", data["account"], "account"
        )


def _consent(contact: Contact, changes: dict) -> None:
    if "marketing_consent" in changes:
        contact.consent_at = timezone.now() if contact.marketing_consent else None


@transaction.atomic
def contact_create(*, actor, data: dict[str, Any], owner: Any = None) -> Contact:
    access.require_right(actor, "contact", "create")
    data, tag_names = _prepare(data, CONTACT_FIELDS)
    _resolve_account(actor, data)
    contact = Contact(owner=choose_owner(actor, owner))
    changes = apply(contact, data)
    _consent(contact, changes)
    stamp(contact, actor, creating=True)
    validate(contact)
    contact.search_tokens = contact_tokens(contact)
    contact.save()
    _set_tags(actor, contact, tag_names)
    events.record(actor, "contact.created", contact, account_id=contact.account_id)
    return contact


@transaction.atomic
def contact_update(
    *, actor, contact: Contact, data: dict[str, Any], version: int | None = None
) -> Contact:
    access.require_on(actor, contact, "contact", "update")
    data, tag_names = _prepare(data, CONTACT_FIELDS)
    _resolve_account(actor, data)
    contact = lock(Contact, contact.pk, version)
    changes = apply(contact, data)
    _consent(contact, changes)
    validate(contact)
    changes |= _set_tags(actor, contact, tag_names)
    if not changes:
        return contact
    stamp(contact, actor)
    contact.search_tokens = contact_tokens(contact)
    contact.save()
    events.record(actor, "contact.updated", contact, account_id=contact.account_id, changes=changes)
    return contact


@transaction.atomic
def contact_assign(*, actor, contact: Contact, owner: Any, version: int | None = None) -> Contact:
    return assign_owner(actor, contact, "contact", owner, version)


@transaction.atomic
def contact_delete(*, actor, contact: Contact, version: int | None = None) -> None:
    access.require_on(actor, contact, "contact", "delete")
    contact = lock(Contact, contact.pk, version)
    pk, name, account_id = contact.pk, contact.name, contact.account_id
    contact.delete()
    events.record(
        actor,
        "contact.deleted",
        None,
        object_type="contact",
        account_id=account_id,
        organisation_id=actor.organisation_id,
        data={"id": pk, "name": name},
    )
