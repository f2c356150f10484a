"""REST endpoints for activities (calls, meetings, visits, emails, notes, tasks)."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Router, Schema

from guanxi.activities import selectors, services
from guanxi.activities.models import ActivityKind
from guanxi.core.api import Crud, Input, Ref, register_crud, user_ref

router = Router()


class ActivityFilters(Schema):
    cursor: str | None = Field(None, max_length=500)
    limit: int = Field(50, ge=1, le=200)
    sort: str | None = None
    owner: str | None = Field(None, description="`me` or a user id")
    kind: ActivityKind | None = None
    done: bool | None = None
    account: int | None = None
    contact: int | None = None
    opportunity: int | None = None


class ActivityFields(Input):
    kind: ActivityKind | None = None
    body: str | None = Field(None, max_length=10000)
    due_at: datetime | None = None
    done: bool | None = None
    account: int | None = None
    contact: int | None = None
    opportunity: int | None = None


class ActivityCreate(ActivityFields):
    subject: str = Field(..., min_length=1, max_length=200)
    owner: int | None = None


class ActivityUpdate(ActivityFields):
    subject: str | None = Field(None, min_length=1, max_length=200)
    version: int | None = None


class ActivityOut(Schema):
    id: int
    kind: str
    subject: str
    body: str
    due_at: datetime | None
    done: bool
    done_at: datetime | None
    account: Ref | None
    contact: Ref | None
    opportunity: int | None
    owner: Ref
    created_at: datetime
    updated_at: datetime
    version: int


def dump_activity(a) -> dict:
    return {
        **{
            f: getattr(a, f)
            for f in (
                "id",
                "kind",
                "subject",
                "body",
                "due_at",
                "done",
                "done_at",
                "created_at",
                "updated_at",
                "version",
            )
        },
        "account": {"id": a.account.pk, "name": a.account.name} if a.account_id else None,
        "contact": {"id": a.contact.pk, "name": a.contact.name} if a.contact_id else None,
        "opportunity": a.opportunity_id,
        "owner": user_ref(a.owner),
    }


register_crud(
    router,
    Crud(
        name="activities",
        label="activity",
        out=ActivityOut,
        create_in=ActivityCreate,
        update_in=ActivityUpdate,
        filters=ActivityFilters,
        dump=dump_activity,
        list=selectors.activity_list,
        get=selectors.activity_get,
        create=services.activity_create,
        update=services.activity_update,
        delete=services.activity_delete,
        assign=services.activity_assign,
        searchable=False,
    ),
)
