"""REST endpoints for pipelines and deals."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse
from ninja import Field, Router, Schema

from guanxi.core.api import (
    Crud,
    ErrorOut,
    Input,
    ListFilters,
    Ref,
    etag,
    expected_version,
    register_crud,
    user_ref,
)
from guanxi.sales import selectors, services
from guanxi.sales.models import Currency, OpportunityStatus

router = Router()


class StageOut(Schema):
    id: int
    name: str
    position: int
    probability: int
    kind: str


class PipelineOut(Schema):
    id: int
    name: str
    is_default: bool
    stages: list[StageOut]


@router.get(
    "/pipelines",
    response=list[PipelineOut],
    tags=["pipelines"],
    summary="List pipelines with their stages",
    operation_id="pipeline_list",
)
def pipeline_list(request):
    return [
        {
            "id": p.pk,
            "name": p.name,
            "is_default": p.is_default,
            "stages": selectors.stage_list(request.user, p),
        }
        for p in selectors.pipeline_list(request.user)
    ]


class OpportunityFilters(ListFilters):
    account: int | None = None
    pipeline: int | None = None
    stage: int | None = None
    status: OpportunityStatus | None = None


class OpportunityFields(Input):
    account: int | None = None
    contact: int | None = None
    amount: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    currency: Currency | None = None
    pipeline: int | None = None
    stage: int | None = None
    expected_close: date | None = None
    competitor: str | None = Field(None, max_length=200)
    lost_reason: str | None = Field(None, max_length=255)
    description: str | None = Field(None, max_length=5000)
    forecast_category: str | None = Field(
        None,
        max_length=16,
        description="`pipeline`, `best_case` or `commit`; empty: follow the stage's probability",
    )


class OpportunityCreate(OpportunityFields):
    name: str = Field(..., min_length=1, max_length=200)
    account: int
    owner: int | None = None


class OpportunityUpdate(OpportunityFields):
    name: str | None = Field(None, min_length=1, max_length=200)
    version: int | None = None


class OpportunityOut(Schema):
    id: int
    name: str
    account: Ref
    contact: Ref | None
    amount: Decimal
    currency: str
    pipeline: int
    stage: StageOut
    status: str
    expected_close: date | None
    competitor: str
    lost_reason: str
    closed_at: datetime | None
    description: str
    forecast_category: str
    owner: Ref
    created_at: datetime
    updated_at: datetime
    version: int


def dump_opportunity(o) -> dict:
    return {
        **{
            f: getattr(o, f)
            for f in (
                "id",
                "name",
                "amount",
                "currency",
                "status",
                "expected_close",
                "competitor",
                "lost_reason",
                "closed_at",
                "description",
                "forecast_category",
                "created_at",
                "updated_at",
                "version",
            )
        },
        "account": {"id": o.account.pk, "name": o.account.name},
        "contact": {"id": o.contact.pk, "name": o.contact.name} if o.contact_id else None,
        "pipeline": o.pipeline_id,
        "stage": {
            f: getattr(o.stage, f) for f in ("id", "name", "position", "probability", "kind")
        },
        "owner": user_ref(o.owner),
    }


register_crud(
    router,
    Crud(
        name="opportunities",
        label="opportunity",
        out=OpportunityOut,
        create_in=OpportunityCreate,
        update_in=OpportunityUpdate,
        filters=OpportunityFilters,
        dump=dump_opportunity,
        list=selectors.opportunity_list,
        get=selectors.opportunity_get,
        create=services.opportunity_create,
        update=services.opportunity_update,
        delete=services.opportunity_delete,
        assign=services.opportunity_assign,
    ),
)


class MoveIn(Input):
    stage: int
    lost_reason: str | None = Field(None, max_length=255)
    version: int | None = None


@router.post(
    "/opportunities/{id}/move",
    tags=["opportunities"],
    response={200: OpportunityOut, 404: ErrorOut, 409: ErrorOut, 412: ErrorOut, 422: ErrorOut},
    summary="Move a deal to another stage",
    operation_id="opportunity_move",
)
def opportunity_move(request, response: HttpResponse, id: int, payload: MoveIn):
    """Moving to a won stage wins the deal; to a lost stage loses it (give `lost_reason`)."""
    opp = selectors.opportunity_get(request.user, id)
    version = expected_version(request, payload.version, opp.version)
    services.opportunity_move(
        actor=request.user,
        opportunity=opp,
        stage=payload.stage,
        version=version,
        lost_reason=payload.lost_reason,
    )
    opp = selectors.opportunity_get(request.user, id)
    response.headers["ETag"] = etag(opp.version)
    return dump_opportunity(opp)
