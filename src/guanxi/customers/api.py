"""REST endpoints for accounts and contacts."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Router, Schema

from guanxi.core import selectors as core_selectors
from guanxi.core.api import Crud, ErrorOut, Input, ListFilters, Ref, register_crud, user_ref
from guanxi.core.endpoints import EventOut
from guanxi.customers import selectors, services
from guanxi.customers.models import (
    AccountKind,
    AccountStatus,
    Gender,
    Grade,
    LifecycleStage,
    Region,
    Source,
)

router = Router()


class AccountFilters(ListFilters):
    tag: int | None = None
    region: Region | None = None
    grade: Grade | None = None
    lifecycle_stage: LifecycleStage | None = None
    status: AccountStatus | None = None
    kind: AccountKind | None = None
    source: Source | None = None


class AccountFields(Input):
    kind: AccountKind | None = None
    industry: str | None = Field(None, max_length=64)
    region: Region | None = None
    source: Source | None = None
    grade: Grade | None = None
    lifecycle_stage: LifecycleStage | None = None
    status: AccountStatus | None = None
    phone: str | None = Field(None, max_length=32)
    email: str | None = Field(None, max_length=254)
    website: str | None = Field(None, max_length=200)
    country: str | None = Field(None, max_length=2)
    province: str | None = Field(None, max_length=64)
    city: str | None = Field(None, max_length=64)
    address: str | None = Field(None, max_length=255)
    postal_code: str | None = Field(None, max_length=16)
    shipping_address: str | None = Field(None, max_length=255)
    description: str | None = Field(None, max_length=5000)
    tags: list[str] | None = None


class AccountCreate(AccountFields):
    name: str = Field(..., min_length=1, max_length=200)
    owner: int | None = Field(None, description="User id; default: you")


class AccountUpdate(AccountFields):
    name: str | None = Field(None, min_length=1, max_length=200)
    version: int | None = None


class AccountOut(Schema):
    id: int
    name: str
    kind: str
    industry: str
    region: str
    source: str
    grade: str
    lifecycle_stage: str
    status: str
    phone: str
    email: str
    website: str
    country: str
    province: str
    city: str
    address: str
    postal_code: str
    shipping_address: str
    description: str
    tags: list[str]
    owner: Ref | None = Field(description="null: the account is in a public pool")
    created_at: datetime
    updated_at: datetime
    version: int


_META = ("created_at", "updated_at", "version")
_ACCOUNT_OUT = ("id", *(f for f in services.ACCOUNT_FIELDS if f != "tags"), *_META)
_CONTACT_OUT = (
    "id",
    *(f for f in services.CONTACT_FIELDS if f not in {"account", "tags"}),
    "consent_at",
    *_META,
)


def dump_account(a) -> dict:
    return {
        **{f: getattr(a, f) for f in _ACCOUNT_OUT},
        "tags": sorted(t.name for t in a.tags.all()),
        "owner": user_ref(a.owner),
    }


class ContactFilters(ListFilters):
    tag: int | None = None
    account: int | None = None


class ContactFields(Input):
    account: int | None = None
    gender: Gender | None = None
    title: str | None = Field(None, max_length=100)
    department: str | None = Field(None, max_length=100)
    birthday: date | None = None
    mobile: str | None = Field(None, max_length=32)
    phone: str | None = Field(None, max_length=32)
    email: str | None = Field(None, max_length=254)
    wechat_id: str | None = Field(None, max_length=64)
    address: str | None = Field(None, max_length=255)
    marketing_consent: bool | None = None
    notes: str | None = Field(None, max_length=5000)
    tags: list[str] | None = None


class ContactCreate(ContactFields):
    name: str = Field(..., min_length=1, max_length=100)
    owner: int | None = None


class ContactUpdate(ContactFields):
    name: str | None = Field(None, min_length=1, max_length=100)
    version: int | None = None


class ContactOut(Schema):
    id: int
    name: str
    account: Ref | None
    gender: str
    title: str
    department: str
    birthday: date | None
    mobile: str
    phone: str
    email: str
    wechat_id: str
    address: str
    marketing_consent: bool
    consent_at: datetime | None
    notes: str
    tags: list[str]
    owner: Ref
    created_at: datetime
    updated_at: datetime
    version: int


def dump_contact(c) -> dict:
    return {
        **{f: getattr(c, f) for f in _CONTACT_OUT},
        "account": {"id": c.account.pk, "name": c.account.name} if c.account_id else None,
        "tags": sorted(t.name for t in c.tags.all()),
        "owner": user_ref(c.owner),
    }


register_crud(
    router,
    Crud(
        name="accounts",
        label="account",
        out=AccountOut,
        create_in=AccountCreate,
        update_in=AccountUpdate,
        filters=AccountFilters,
        dump=dump_account,
        list=selectors.account_list,
        get=selectors.account_get,
        create=services.account_create,
        update=services.account_update,
        delete=services.account_delete,
        assign=services.account_assign,
    ),
)
register_crud(
    router,
    Crud(
        name="contacts",
        label="contact",
        out=ContactOut,
        create_in=ContactCreate,
        update_in=ContactUpdate,
        filters=ContactFilters,
        dump=dump_contact,
        list=selectors.contact_list,
        get=selectors.contact_get,
        create=services.contact_create,
        update=services.contact_update,
        delete=services.contact_delete,
        assign=services.contact_assign,
    ),
)


@router.get(
    "/accounts/{id}/timeline",
    response={200: list[EventOut], 404: ErrorOut},
    tags=["accounts"],
    summary="An account's timeline, newest first",
    operation_id="account_timeline",
)
def account_timeline(request, id: int, before: int | None = None):
    """Changes and activities of the account, its contacts, deals and activities."""
    account = selectors.account_get(request.user, id)
    return core_selectors.timeline(request.user, account, before=before)
