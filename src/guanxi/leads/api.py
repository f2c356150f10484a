"""REST endpoints for leads: CRUD, follow-up (status, claim, release, rules) and conversion."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema

from guanxi.core.api import (
    Crud,
    ErrorOut,
    Input,
    ListFilters,
    Ref,
    etag,
    expected_version,
    page_body,
    page_schema,
    register_crud,
    user_ref,
)
from guanxi.core.endpoints import EventOut
from guanxi.customers.models import Region, Source
from guanxi.leads import account_pool, selectors, services
from guanxi.leads.models import Channel, LeadKind, LeadStatus

router = Router()


class LeadFilters(ListFilters):
    view: str | None = Field(
        None,
        description="A saved view: `all` (sales leads, the default), `mine`, `hot`, "
        "`new_today`, `overdue`, `pool`, `invalid`, `enquiries`",
    )
    status: LeadStatus | None = None
    kind: LeadKind | None = None
    source: Source | None = None
    region: Region | None = None
    channel: Channel | None = None
    pool: int | None = None
    min_score: int | None = None
    hot: bool | None = Field(None, description="Only leads at or above the hot score")


class Utm(Input):
    utm_source: str | None = Field(None, max_length=200)
    utm_medium: str | None = Field(None, max_length=200)
    utm_campaign: str | None = Field(None, max_length=200)
    utm_term: str | None = Field(None, max_length=200)
    utm_content: str | None = Field(None, max_length=200)


class LeadFields(Input):
    kind: LeadKind | None = None
    company: str | None = Field(None, max_length=200)
    title: str | None = Field(None, max_length=100)
    mobile: str | None = Field(None, max_length=32)
    phone: str | None = Field(None, max_length=32)
    email: str | None = Field(None, max_length=254)
    wechat_id: str | None = Field(None, max_length=64)
    region: Region | None = None
    province: str | None = Field(None, max_length=64)
    city: str | None = Field(None, max_length=64)
    industry: str | None = Field(None, max_length=64)
    address: str | None = Field(None, max_length=255)
    source: Source | None = None
    campaign: str | None = Field(None, max_length=100)
    utm: Utm | None = None
    message: str | None = Field(None, max_length=5000)
    marketing_consent: bool | None = None


class LeadCreate(LeadFields):
    name: str | None = Field(None, max_length=100)
    channel: Channel | None = Field(
        None, description="How it arrived: `api` (default), `call`, `event` or `manual`"
    )
    owner: int | None = Field(None, description="User id; default: the assignment rules decide")


class LeadUpdate(LeadFields):
    name: str | None = Field(None, max_length=100)
    version: int | None = None


class MatchOut(Schema):
    type: str
    id: int
    reason: str
    similarity: int


class LeadOut(Schema):
    id: int
    name: str
    company: str
    kind: str
    status: str
    status_reason: str
    title: str
    mobile: str
    phone: str
    email: str
    wechat_id: str
    region: str
    province: str
    city: str
    industry: str
    address: str
    source: str
    channel: str
    campaign: str
    utm: dict[str, str]
    message: str
    marketing_consent: bool
    invalid_reason: str
    score: int
    probability: float | None
    hot: bool
    owner: Ref | None
    pool: Ref | None
    touched_at: datetime | None
    converted_at: datetime | None
    account: Ref | None
    contact: Ref | None
    opportunity: Ref | None
    created_at: datetime
    updated_at: datetime
    version: int


_PLAIN = [
    "id",
    "name",
    "company",
    "kind",
    "status",
    "status_reason",
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
    "channel",
    "campaign",
    "utm",
    "message",
    "marketing_consent",
    "invalid_reason",
    "score",
    "probability",
    "touched_at",
    "converted_at",
    "created_at",
    "updated_at",
    "version",
]


def _ref(obj) -> dict | None:
    return {"id": obj.pk, "name": getattr(obj, "name", str(obj))} if obj is not None else None


def dump_lead(lead, hot: int | None = None) -> dict:
    threshold = hot if hot is not None else getattr(lead, "_hot", 60)
    return {
        **{f: getattr(lead, f) for f in _PLAIN},
        "hot": lead.score >= threshold,
        "owner": user_ref(lead.owner),
        "pool": _ref(lead.pool),
        "account": _ref(lead.account) if lead.account_id else None,
        "contact": _ref(lead.contact) if lead.contact_id else None,
        "opportunity": _ref(lead.opportunity) if lead.opportunity_id else None,
    }


def _create(*, actor, data, owner=None):
    """The new lead as stored. Answered even when the rules gave it to someone the creator
    cannot see: they sent it, and learn only who took it over."""
    data = dict(data)
    data.setdefault("channel", Channel.API)
    lead = services.lead_create(actor=actor, data=data, owner=owner)
    lead._hot = selectors.hot_threshold(actor)
    return lead


def _list(actor, **kwargs):
    page = selectors.lead_list(actor, **kwargs)
    hot = selectors.hot_threshold(actor)
    for lead in page.items:
        lead._hot = hot
    return page


def _get(actor, pk):
    lead = selectors.lead_get(actor, pk)
    lead._hot = selectors.hot_threshold(actor)
    return lead


# Before the CRUD routes, so /leads/bulk is not taken for /leads/{id}.
class BulkIn(Input):
    action: str = Field(..., description="`assign`, `claim`, `release` or `route`")
    ids: list[int] = Field(..., min_length=1, max_length=500)
    owner: int | None = Field(None, description="For `assign`")


class BulkError(Schema):
    id: int
    message: str


class BulkOut(Schema):
    done: int
    errors: list[BulkError]


@router.post(
    "/leads/bulk",
    tags=["leads"],
    response={200: BulkOut, 422: ErrorOut},
    summary="Assign, claim, release or route many leads",
    operation_id="lead_bulk",
)
def lead_bulk(request, payload: BulkIn):
    """Each lead is handled on its own: the ones that can be done are; the others are listed
    in `errors` with the reason."""
    return services.leads_bulk(
        actor=request.user, action=payload.action, ids=payload.ids, owner=payload.owner
    )


register_crud(
    router,
    Crud(
        name="leads",
        label="lead",
        out=LeadOut,
        create_in=LeadCreate,
        update_in=LeadUpdate,
        filters=LeadFilters,
        dump=dump_lead,
        list=_list,
        get=_get,
        create=_create,
        update=services.lead_update,
        delete=services.lead_delete,
        assign=services.lead_assign,
        reread=False,
    ),
)


class StatusIn(Input):
    status: LeadStatus
    reason: str | None = Field(None, max_length=300, description="Required to disqualify")
    version: int | None = None


class VersionIn(Input):
    version: int | None = None


class ReleaseIn(Input):
    reason: str | None = Field(None, max_length=300)
    version: int | None = None


class DealIn(Input):
    name: str | None = Field(None, max_length=200)
    amount: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    expected_close: date | None = None
    pipeline: int | None = None
    stage: int | None = None


class ConvertIn(Input):
    account: int | None = Field(None, description="An existing account to link; default: new")
    contact: int | None = Field(None, description="An existing contact to link; default: new")
    opportunity: DealIn | None = Field(None, description="A deal to open; omit for none")
    version: int | None = None


_RESPONSES = {200: LeadOut, 404: ErrorOut, 409: ErrorOut, 412: ErrorOut, 422: ErrorOut}


def _act(request, response: HttpResponse, pk: int, body_version: int | None, call) -> dict:
    """Run ``call(lead, version)`` on a visible lead, answer the lead as it is now."""
    lead = selectors.lead_get(request.user, pk)
    call(lead, expected_version(request, body_version, lead.version))
    lead = _get(request.user, pk)
    response.headers["ETag"] = etag(lead.version)
    return dump_lead(lead)


@router.post(
    "/leads/{id}/status",
    tags=["leads"],
    response=_RESPONSES,
    summary="Move a lead along new → contacted → qualified, or disqualify it",
    operation_id="lead_status",
)
def lead_status(request, response: HttpResponse, id: int, payload: StatusIn):
    """Disqualifying needs a `reason`. Converted leads cannot change (409 invalid_transition)."""
    return _act(
        request,
        response,
        id,
        payload.version,
        lambda lead, version: services.lead_set_status(
            actor=request.user,
            lead=lead,
            status=payload.status,
            reason=payload.reason or "",
            version=version,
        ),
    )


@router.post(
    "/leads/{id}/claim",
    tags=["leads"],
    response=_RESPONSES,
    summary="Claim an unowned lead from its pool",
    operation_id="lead_claim",
)
def lead_claim(request, response: HttpResponse, id: int, payload: VersionIn):
    """Refused (422) once you hold the pool's limit of open leads."""
    return _act(
        request,
        response,
        id,
        payload.version,
        lambda lead, version: services.lead_claim(actor=request.user, lead=lead, version=version),
    )


@router.post(
    "/leads/{id}/release",
    tags=["leads"],
    response=_RESPONSES,
    summary="Give a lead back to its pool",
    operation_id="lead_release",
)
def lead_release(request, response: HttpResponse, id: int, payload: ReleaseIn):
    return _act(
        request,
        response,
        id,
        payload.version,
        lambda lead, version: services.lead_release(
            actor=request.user, lead=lead, reason=payload.reason or "", version=version
        ),
    )


@router.post(
    "/leads/{id}/route",
    tags=["leads"],
    response=_RESPONSES,
    summary="Assign an unowned lead by the assignment rules now",
    operation_id="lead_route",
)
def lead_route(request, response: HttpResponse, id: int, payload: VersionIn):
    return _act(
        request,
        response,
        id,
        payload.version,
        lambda lead, version: services.lead_route(actor=request.user, lead=lead, version=version),
    )


@router.post(
    "/leads/{id}/convert",
    tags=["leads"],
    response=_RESPONSES,
    summary="Convert a lead into an account, a contact and optionally a deal",
    operation_id="lead_convert",
)
def lead_convert(request, response: HttpResponse, id: int, payload: ConvertIn):
    """One transaction: links or creates the account and contact, opens the deal if asked,
    moves the lead's activities and history to the account. A second call answers 409."""
    deal = payload.opportunity.dict(exclude_none=True) if payload.opportunity else None
    return _act(
        request,
        response,
        id,
        payload.version,
        lambda lead, version: services.lead_convert(
            actor=request.user,
            lead=lead,
            account=payload.account,
            contact=payload.contact,
            opportunity=deal,
            version=version,
        ),
    )


@router.get(
    "/leads/{id}/timeline",
    tags=["leads"],
    response={200: list[EventOut], 404: ErrorOut},
    summary="A lead's timeline, newest first",
    operation_id="lead_timeline",
)
def lead_timeline(request, id: int):
    """Its capture, assignments, status changes, pool moves and the activities logged on it."""
    lead = selectors.lead_get(request.user, id)
    return selectors.lead_timeline(request.user, lead)


# --- Accounts in the pools ---------------------------------------------------------------------


class PooledAccountOut(Schema):
    account: Ref
    pool: Ref
    pooled_at: datetime
    previous_owner: Ref | None
    reason: str


class AccountOwnerOut(Schema):
    id: int
    name: str
    owner: Ref
    version: int


class PooledAccountFilters(Schema):
    pool: int | None = Field(None, description="Only this pool")
    q: str | None = Field(None, max_length=100, description="Words of the account's name")
    cursor: str | None = Field(None, max_length=500, description="`next_cursor` of the last page")
    limit: int = Field(50, ge=1, le=200)


def _dump_pooled(entry) -> dict:
    return {
        "account": {"id": entry.account_id, "name": entry.account.name},
        "pool": {"id": entry.pool_id, "name": entry.pool.name},
        "pooled_at": entry.pooled_at,
        "previous_owner": user_ref(entry.previous_owner),
        "reason": entry.reason,
    }


@router.get(
    "/pools/accounts",
    tags=["leads"],
    response={200: page_schema(PooledAccountOut), 422: ErrorOut},
    summary="Accounts waiting in the pools you may claim from",
    operation_id="pooled_account_list",
)
def pooled_account_list(request, filters: Query[PooledAccountFilters]):
    """Most recently pooled first; page on with `next_cursor`."""
    found = selectors.pooled_accounts(
        request.user,
        pool=filters.pool,
        q=filters.q or "",
        cursor=filters.cursor,
        limit=filters.limit,
    )
    return page_body(found, _dump_pooled)


@router.post(
    "/pools/accounts/{id}/claim",
    tags=["leads"],
    response={200: AccountOwnerOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Claim an account from its pool",
    operation_id="pooled_account_claim",
)
def pooled_account_claim(request, id: int):
    """`id` is the account's. Refused (422) once you own the pool's limit of accounts; 409
    when someone claimed it first."""
    account = selectors.pooled_account_get(request.user, id)
    account = account_pool.account_claim(actor=request.user, account=account)
    return {
        "id": account.pk,
        "name": account.name,
        "owner": user_ref(account.owner),
        "version": account.version,
    }


@router.post(
    "/accounts/{id}/release",
    tags=["leads"],
    response={200: PooledAccountOut, 404: ErrorOut, 412: ErrorOut, 422: ErrorOut},
    summary="Give an account back to the pool for its region",
    operation_id="account_release",
)
def account_release(request, id: int, payload: ReleaseIn):
    """The account loses its owner and waits in the pool; its contacts, deals and activities
    stay as they are."""
    from guanxi.customers.selectors import account_get
    from guanxi.leads.models import PooledAccount

    account = account_get(request.user, id)
    version = expected_version(request, payload.version, account.version)
    account_pool.account_release(
        actor=request.user, account=account, reason=payload.reason or "", version=version
    )
    entry = PooledAccount.objects.select_related("account", "pool", "previous_owner")
    return _dump_pooled(entry.get(account_id=account.pk))
