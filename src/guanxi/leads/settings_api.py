"""REST endpoints for how leads are handled: the lead settings and the conversion model,
assignment rules, scoring rules, pools and web forms.

Administrators change all of them (``leads.configuration`` checks it); reads go through
``leads.selectors``, which let everyone list the pools they may claim from and keep the
rest to administrators. These lists are short (a few dozen rows), so they are answered
whole, in the order that matters (assignment rules: the first matching rule wins).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema

from guanxi.core.api import ErrorOut, Input, Ref, etag, expected_version, user_ref
from guanxi.customers.models import Region, Source
from guanxi.leads import configuration, scoring, selectors
from guanxi.leads.conditions import FIELDS, NUMERIC, OPS, describe
from guanxi.leads.models import LeadKind, RuleAction
from guanxi.leads.public import embed

router = Router()

_READ = {403: ErrorOut, 404: ErrorOut}
_WRITE = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 412: ErrorOut, 422: ErrorOut}
_UPDATE_DOC = (
    'Change some fields. Send `If-Match: "<version>"` (412 when stale) or `version` in the '
    "body (409 when stale); a stale update changes nothing. Administrators only."
)


def _codes(names) -> str:
    return ", ".join(f"`{n}`" for n in names)


CONDITIONS_DOC = (
    'Conditions: a list of `{"field", "op", "value"}`; a rule matches a lead when every '
    f"condition holds (an empty list matches every lead). `field`: {_codes(FIELDS)} "
    f"({_codes(sorted(NUMERIC))} are numbers: `activities` counts logged activities, "
    f"`days_since_touch` the days since the last follow-up). `op`: {_codes(OPS)}. Text "
    "compares without case; `in` takes a comma-separated list; `gte` and `lte` take a number; "
    "`empty` and `not_empty` take no value. An unknown field or operator is a 422 on "
    "`conditions`."
)


# --- Shapes ----------------------------------------------------------------------------------


class ConditionIn(Input):
    field: str = Field(..., max_length=32, description=f"One of {_codes(FIELDS)}")
    op: str = Field(..., max_length=16, description=f"One of {_codes(OPS)}")
    value: str | int | float | bool | None = Field(
        "", description="Compared as text (numbers for `gte`/`lte`); none for `empty`"
    )


class ConditionOut(Schema):
    field: str
    op: str
    value: str


def _conditions_field(default=None):
    return Field(default, max_length=50, description=CONDITIONS_DOC)


class AssignmentRuleOut(Schema):
    id: int
    name: str
    position: int = Field(..., description="1 is tried first; the first matching rule wins")
    is_active: bool
    conditions: list[ConditionOut]
    summary: str = Field(..., description="The conditions in words, in your language")
    action: RuleAction
    user: Ref | None
    team: Ref | None
    pool: Ref | None
    version: int


_ACTION_DOC = (
    "`user` gives the lead to `user`; `round_robin` and `least_loaded` to a member of `team` "
    "(sub-teams included); `pool` puts it in `pool` (none: the pool of the lead's region)"
)


class AssignmentRuleFields(Input):
    name: str | None = Field(None, max_length=100)
    is_active: bool | None = None
    conditions: list[ConditionIn] | None = _conditions_field()
    action: RuleAction | None = Field(None, description=_ACTION_DOC)
    user: int | None = Field(None, description="User id, for `user`")
    team: int | None = Field(None, description="Team id, for `round_robin` and `least_loaded`")
    pool: int | None = Field(None, description="Pool id, for `pool`")


class AssignmentRuleCreate(AssignmentRuleFields):
    name: str = Field(..., max_length=100)
    action: RuleAction = Field(..., description=_ACTION_DOC)


class AssignmentRuleUpdate(AssignmentRuleFields):
    version: int | None = None


class ReorderIn(Input):
    ids: list[int] = Field(..., max_length=1000, description="Every rule's id, once, in order")


class ScoringRuleOut(Schema):
    id: int
    name: str
    is_active: bool
    conditions: list[ConditionOut]
    summary: str = Field(..., description="The conditions in words, in your language")
    points: int
    version: int


class ScoringRuleFields(Input):
    name: str | None = Field(None, max_length=100)
    is_active: bool | None = None
    conditions: list[ConditionIn] | None = _conditions_field()
    points: int | None = Field(
        None, ge=-1000, le=1000, description="Added when the conditions hold; may be negative"
    )


class ScoringRuleCreate(ScoringRuleFields):
    name: str = Field(..., max_length=100)
    points: int = Field(..., ge=-1000, le=1000)


class ScoringRuleUpdate(ScoringRuleFields):
    version: int | None = None


class PoolOut(Schema):
    id: int
    name: str
    team: Ref | None = Field(..., description="Only this team and its sub-teams see the pool")
    region: str = Field(..., description="New leads of this region go here; empty: any")
    reclaim_days: int
    claim_limit: int
    account_reclaim_days: int
    account_limit: int
    is_active: bool
    unowned: int = Field(..., description="Open, valid leads waiting in the pool")
    version: int


_DAYS = {"ge": 0, "le": 3650}
_LIMIT = {"ge": 0, "le": 1_000_000}


class PoolFields(Input):
    name: str | None = Field(None, max_length=100)
    team: int | None = Field(None, description="Team id; null: everyone sees the pool")
    region: str | None = Field(
        None, max_length=16, description=f"One of {_codes(Region.values)}; empty: any region"
    )
    reclaim_days: int | None = Field(
        None, **_DAYS, description="Leads nobody followed up for this long come back; 0: never"
    )
    claim_limit: int | None = Field(None, **_LIMIT, description="Open leads a user may hold")
    account_reclaim_days: int | None = Field(
        None, **_DAYS, description="Accounts nobody followed up for this long come back; 0: never"
    )
    account_limit: int | None = Field(
        None, **_LIMIT, description="Accounts a user may own; 0: no limit"
    )
    is_active: bool | None = None


class PoolCreate(PoolFields):
    name: str = Field(..., max_length=100)


class PoolUpdate(PoolFields):
    version: int | None = None


class ModelOut(Schema):
    trained: bool = Field(..., description="True when a model predicts each lead's conversion")
    trained_at: datetime | None = Field(..., description="Last training (null: never)")
    samples: int = Field(..., description="Closed leads it learned from")
    converted: int
    auc: float | None = Field(..., description="Cross-validated ROC AUC (0.5: chance)")
    reason: str = Field(..., description="Why there is no model, in your language")


class LeadSettingsOut(Schema):
    hot_threshold: int = Field(..., description="Leads from this score on are hot")
    decay_days: int = Field(..., description="A score halves every so many days without follow-up")
    default_pool: Ref | None
    model: ModelOut
    version: int


class LeadSettingsUpdate(Input):
    hot_threshold: int | None = Field(None, ge=0, le=100_000)
    decay_days: int | None = Field(None, **_DAYS, description="0 turns decay off")
    default_pool: int | None = Field(
        None, description="Pool id for leads no rule assigns and no regional pool takes"
    )
    version: int | None = None


_FORM_FIELDS_DOC = f"Among {_codes(configuration.FORM_FIELDS)}"


class WebFormOut(Schema):
    id: int
    name: str
    fields: list[str] = Field(..., description="What the form asks for, in order")
    required: list[str]
    kind: LeadKind
    source: Source
    campaign: str
    consent_text: str
    consent_required: bool
    success_message: str
    redirect_url: str
    allowed_origins: list[str]
    is_active: bool
    leads: int = Field(..., description="Leads the form has captured")
    last_lead_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int


class WebFormDetailOut(WebFormOut):
    url: str = Field(..., description="The public page and the address the form posts to")
    snippet: str = Field(..., description="The HTML form to paste into a website")
    iframe: str = Field(..., description="The page in an iframe, the alternative to `snippet`")


class WebFormFields(Input):
    name: str | None = Field(None, max_length=100)
    fields: list[str] | None = Field(
        None, max_length=20, description=f"{_FORM_FIELDS_DOC}; at least mobile, email or WeChat"
    )
    required: list[str] | None = Field(
        None, max_length=20, description="Fields that must be filled; each must be in `fields`"
    )
    kind: LeadKind | None = None
    source: Source | None = None
    campaign: str | None = Field(None, max_length=100)
    consent_text: str | None = Field(
        None, max_length=300, description="Next to a checkbox; empty: no consent checkbox"
    )
    consent_required: bool | None = None
    success_message: str | None = Field(None, max_length=300)
    redirect_url: str | None = Field(
        None, max_length=200, description="An http(s) address to go to after sending"
    )
    allowed_origins: list[str] | None = Field(
        None,
        max_length=50,
        description="Websites that may embed the form, such as `https://www.example.com`; "
        "empty: any",
    )
    is_active: bool | None = None


class WebFormCreate(WebFormFields):
    name: str = Field(..., max_length=100)


class WebFormUpdate(WebFormFields):
    version: int | None = None


# --- Dumps -----------------------------------------------------------------------------------


def _ref(obj) -> dict | None:
    return {"id": obj.pk, "name": obj.name} if obj is not None else None


def _rule_common(rule) -> dict:
    return {
        "id": rule.pk,
        "name": rule.name,
        "is_active": rule.is_active,
        "conditions": rule.conditions,
        "summary": describe(rule.conditions),
        "version": rule.version,
    }


def dump_assignment_rule(rule) -> dict:
    return {
        **_rule_common(rule),
        "position": rule.position,
        "action": rule.action,
        "user": user_ref(rule.user),
        "team": _ref(rule.team),
        "pool": _ref(rule.pool),
    }


def dump_scoring_rule(rule) -> dict:
    return {**_rule_common(rule), "points": rule.points}


_POOL_PLAIN = ("id", *(f for f in configuration.POOL_FIELDS if f != "team"), "version")


def dump_pool(pool, unowned: int) -> dict:
    return {
        **{f: getattr(pool, f) for f in _POOL_PLAIN},
        "team": _ref(pool.team),
        "unowned": unowned,
    }


def dump_lead_settings(settings) -> dict:
    status = scoring.model_status(settings.model) or {}
    return {
        "hot_threshold": settings.hot_threshold,
        "decay_days": settings.decay_days,
        "default_pool": _ref(settings.default_pool),
        "model": {
            "trained": bool(status.get("ready")),
            "trained_at": status.get("trained_at"),
            "samples": status.get("samples", 0),
            "converted": status.get("converted", 0),
            "auc": status.get("auc"),
            "reason": status.get("reason", ""),
        },
        "version": settings.version,
    }


_FORM_PLAIN = (
    "id",
    *(f for f in configuration.WEB_FORM_FIELDS if f != "allowed_origins"),
    "created_at",
    "updated_at",
    "version",
)


def dump_web_form(form, stats: dict | None) -> dict:
    stats = stats or {}
    return {
        **{f: getattr(form, f) for f in _FORM_PLAIN},
        "allowed_origins": form.origins(),
        "leads": stats.get("leads", 0),
        "last_lead_at": stats.get("last"),
    }


# --- One resource: list, create, read, change, delete ------------------------------------------


@dataclass
class Resource:
    """A configuration object as the API serves it (``configuration`` does the writing)."""

    name: str  # URL segment, e.g. "assignment-rules"
    label: str  # for operation ids, e.g. "assignment_rule"
    noun: str  # for summaries, e.g. "an assignment rule"
    item_out: type[Schema]
    out: type[Schema]
    create_in: type[Schema]
    update_in: type[Schema]
    listing: Callable[[HttpRequest], list[dict]]
    get: Callable[[Any, Any], Any]  # (actor, id) -> record, through a selector
    detail: Callable[[HttpRequest, Any], dict]
    # configuration's services: save(actor=, data=, <record>=, version=), delete(actor=,
    # <record>=, version=), where <record> is ``keyword`` ("rule", "pool", "form").
    save: Callable[..., Any]
    delete: Callable[..., None]
    keyword: str
    list_doc: str
    write_doc: str = ""
    # The body as the service takes it (the API may shape a field more conveniently).
    data_in: Callable[[dict], dict] = dict

    def write(self, request, data: dict, obj=None, version: int | None = None):
        record = {self.keyword: obj} if obj is not None else {}
        return self.save(actor=request.user, data=self.data_in(data), version=version, **record)


def register(router: Router, res: Resource) -> None:
    tags = [res.name]
    CreateIn, UpdateIn = res.create_in, res.update_in

    def _list(request):
        return res.listing(request)

    _list.__doc__ = res.list_doc
    router.get(
        f"/{res.name}",
        response={200: list[res.item_out], 403: ErrorOut},
        tags=tags,
        summary=f"List the {res.name.replace('-', ' ')}",
        operation_id=f"{res.label}_list",
    )(_list)

    def _answer(request, response: HttpResponse, obj) -> dict:
        response.headers["ETag"] = etag(obj.version)
        return res.detail(request, obj)

    def _create(request, response: HttpResponse, payload: CreateIn):  # type: ignore[valid-type]
        obj = res.write(request, payload.dict(exclude_unset=True))
        return 201, _answer(request, response, res.get(request.user, obj.pk))

    _create.__doc__ = f"Administrators only. {res.write_doc}".strip()
    router.post(
        f"/{res.name}",
        response={201: res.out, 403: ErrorOut, 422: ErrorOut},
        tags=tags,
        summary=f"Create {res.noun}",
        operation_id=f"{res.label}_create",
    )(_create)

    def _detail(request, response: HttpResponse, id: int):
        return _answer(request, response, res.get(request.user, id))

    router.get(
        f"/{res.name}/{{id}}",
        response={200: res.out, **_READ},
        tags=tags,
        summary=f"Read {res.noun}",
        operation_id=f"{res.label}_get",
    )(_detail)

    def _update(request, response: HttpResponse, id: int, payload: UpdateIn):  # type: ignore[valid-type]
        obj = res.get(request.user, id)
        data = payload.dict(exclude_unset=True)
        version = expected_version(request, data.pop("version", None), obj.version)
        obj = res.write(request, data, obj, version)
        return _answer(request, response, res.get(request.user, obj.pk))

    _update.__doc__ = f"{_UPDATE_DOC} {res.write_doc}".strip()
    router.patch(
        f"/{res.name}/{{id}}",
        response={200: res.out, **_WRITE},
        tags=tags,
        summary=f"Update {res.noun}",
        operation_id=f"{res.label}_update",
    )(_update)

    def _delete(request, id: int):
        obj = res.get(request.user, id)
        version = expected_version(request, None, obj.version)
        res.delete(actor=request.user, version=version, **{res.keyword: obj})
        return 204, None

    _delete.__doc__ = 'Administrators only. `If-Match: "<version>"` guards it (412 when stale).'
    router.delete(
        f"/{res.name}/{{id}}",
        response={204: None, **_WRITE},
        tags=tags,
        summary=f"Delete {res.noun}",
        operation_id=f"{res.label}_delete",
    )(_delete)


# --- Lead settings and the conversion model -----------------------------------------------------


@router.get(
    "/lead-settings",
    response={200: LeadSettingsOut, 403: ErrorOut},
    tags=["lead-settings"],
    summary="The organisation's lead settings and conversion model",
    operation_id="lead_settings_get",
)
def lead_settings_get(request, response: HttpResponse):
    """Administrators only. `model` tells whether a learned model predicts conversions."""
    settings = selectors.lead_settings_get(request.user)
    response.headers["ETag"] = etag(settings.version)
    return dump_lead_settings(settings)


@router.patch(
    "/lead-settings",
    response={200: LeadSettingsOut, 403: ErrorOut, 409: ErrorOut, 412: ErrorOut, 422: ErrorOut},
    tags=["lead-settings"],
    summary="Change the hot score, the score decay or the default pool",
    description=_UPDATE_DOC,
    operation_id="lead_settings_update",
)
def lead_settings_update(request, response: HttpResponse, payload: LeadSettingsUpdate):
    settings = selectors.lead_settings_get(request.user)
    data = payload.dict(exclude_unset=True)
    version = expected_version(request, data.pop("version", None), settings.version)
    configuration.lead_settings_update(actor=request.user, data=data, version=version)
    return lead_settings_get(request, response)


@router.post(
    "/lead-settings/train",
    response={200: LeadSettingsOut, 403: ErrorOut, 422: ErrorOut},
    tags=["lead-settings"],
    summary="Learn the conversion model from the closed leads now",
    operation_id="lead_model_train",
)
def lead_model_train(request, response: HttpResponse):
    """Administrators only. Learns from converted and disqualified leads, then re-scores open
    leads in the background. Without enough history: 422 with the reason, nothing changes."""
    configuration.lead_model_train(actor=request.user, require_model=True)
    return lead_settings_get(request, response)


# --- Assignment rules -------------------------------------------------------------------------


def _rules(request) -> list[dict]:
    return [dump_assignment_rule(r) for r in selectors.assignment_rules(request.user)]


# Before the rule routes, so /assignment-rules/reorder is not taken for an id.
@router.post(
    "/assignment-rules/reorder",
    response={200: list[AssignmentRuleOut], 403: ErrorOut, 422: ErrorOut},
    tags=["assignment-rules"],
    summary="Put the assignment rules in a new order",
    operation_id="assignment_rule_reorder",
)
def assignment_rule_reorder(request, payload: ReorderIn):
    """Administrators only. Name every rule once; the answer is the rules in their new order."""
    configuration.assignment_rules_reorder(actor=request.user, ids=payload.ids, field="ids")
    return _rules(request)


register(
    router,
    Resource(
        name="assignment-rules",
        label="assignment_rule",
        noun="an assignment rule",
        item_out=AssignmentRuleOut,
        out=AssignmentRuleOut,
        create_in=AssignmentRuleCreate,
        update_in=AssignmentRuleUpdate,
        listing=_rules,
        get=selectors.assignment_rule_get,
        detail=lambda request, rule: dump_assignment_rule(rule),
        save=configuration.assignment_rule_save,
        delete=configuration.assignment_rule_delete,
        keyword="rule",
        list_doc="Administrators only. In order: a new lead goes by the first active rule "
        "whose conditions all hold.",
        write_doc="New rules go last. " + CONDITIONS_DOC,
    ),
)


# --- Scoring rules ----------------------------------------------------------------------------


register(
    router,
    Resource(
        name="scoring-rules",
        label="scoring_rule",
        noun="a scoring rule",
        item_out=ScoringRuleOut,
        out=ScoringRuleOut,
        create_in=ScoringRuleCreate,
        update_in=ScoringRuleUpdate,
        listing=lambda request: [
            dump_scoring_rule(r) for r in selectors.scoring_rules(request.user)
        ],
        get=selectors.scoring_rule_get,
        detail=lambda request, rule: dump_scoring_rule(rule),
        save=configuration.scoring_rule_save,
        delete=configuration.scoring_rule_delete,
        keyword="rule",
        list_doc="Administrators only. A lead's score is the points of every active rule "
        "whose conditions hold, halved every `decay_days` without follow-up.",
        write_doc=CONDITIONS_DOC,
    ),
)


# --- Pools ------------------------------------------------------------------------------------


def _pools(request) -> list[dict]:
    pools = selectors.pool_list(request.user)
    counts = selectors.pool_counts(request.user, pools)
    return [dump_pool(p, counts.get(p.pk, 0)) for p in pools]


def _pool_detail(request, pool) -> dict:
    return dump_pool(pool, selectors.pool_counts(request.user, [pool]).get(pool.pk, 0))


register(
    router,
    Resource(
        name="pools",
        label="pool",
        noun="a lead pool",
        item_out=PoolOut,
        out=PoolOut,
        create_in=PoolCreate,
        update_in=PoolUpdate,
        listing=_pools,
        get=selectors.pool_get,
        detail=_pool_detail,
        save=configuration.pool_save,
        delete=configuration.pool_delete,
        keyword="pool",
        list_doc="The lead pools you may claim from, with their unowned leads and account "
        "rules (administrators: every pool, inactive ones too). Deleting a pool moves its "
        "leads and accounts to the default pool; refused (422) while a rule uses it or when "
        "it is the default pool.",
    ),
)


# --- Web forms --------------------------------------------------------------------------------


def _web_forms(request) -> list[dict]:
    forms = selectors.web_forms(request.user)
    stats = selectors.web_form_stats(request.user, forms)
    return [dump_web_form(f, stats.get(f.pk)) for f in forms]


def _web_form_detail(request, form) -> dict:
    stats = selectors.web_form_stats(request.user, [form]).get(form.pk)
    return {**dump_web_form(form, stats), **embed(request, form)}


def _web_form_data(data: dict) -> dict:
    """Allowed websites come as a list; the service takes them one a line, as typed."""
    if data.get("allowed_origins") is not None:
        data = {**data, "allowed_origins": "\n".join(data["allowed_origins"])}
    return data


register(
    router,
    Resource(
        name="web-forms",
        label="web_form",
        noun="a web form",
        item_out=WebFormOut,
        out=WebFormDetailOut,
        create_in=WebFormCreate,
        update_in=WebFormUpdate,
        listing=_web_forms,
        get=selectors.web_form_get,
        detail=_web_form_detail,
        save=configuration.web_form_save,
        delete=configuration.web_form_delete,
        keyword="form",
        data_in=_web_form_data,
        list_doc="Administrators only. By name, each with the leads it has captured.",
        write_doc="A new form asks for name, company, mobile, email and message unless "
        "`fields` says otherwise.",
    ),
)
