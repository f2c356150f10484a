"""REST endpoints for duplicates: run a search, list groups, merge two records, undo."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Field, Query, Router, Schema

from guanxi.core import access
from guanxi.core.api import ErrorOut, Input
from guanxi.dataio import merge as merging
from guanxi.dataio.dedupe import selectors, services
from guanxi.dataio.dedupe.engine import DEFAULT_THRESHOLD
from guanxi.dataio.dedupe.kinds import kind_of
from guanxi.dataio.models import DuplicateCluster

router = Router(tags=["duplicates"])
ObjectType = Literal["account", "contact", "lead"]
_ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class RunIn(Input):
    type: ObjectType
    threshold: int = Field(
        DEFAULT_THRESHOLD,
        ge=services.MIN_THRESHOLD,
        le=services.MAX_THRESHOLD,
        description="Lowest confidence (0–100) at which two records count as duplicates",
    )


class RunOut(Schema):
    id: int
    type: str
    threshold: int
    status: str
    progress: int
    records: int
    clusters: int
    seconds: float | None
    error: str
    created_at: datetime
    finished_at: datetime | None


class RecordOut(Schema):
    id: int
    name: str
    fields: dict[str, str | int | bool | None]


class ClusterOut(Schema):
    id: int
    type: str
    confidence: int
    status: str
    pairs: list[list[int]] = Field(description="`[id, id, confidence]` for each link found")
    records: list[RecordOut] = Field(description="The records of the group you can see")


class ClusterPage(Schema):
    items: list[ClusterOut]
    next_cursor: str | None


class ClusterFilters(Schema):
    type: ObjectType = "contact"
    min_confidence: int = Field(0, ge=0, le=100)
    status: DuplicateCluster.Status = DuplicateCluster.Status.OPEN
    cursor: str | None = Field(None, max_length=500)
    limit: int = Field(25, ge=1, le=100)


class MergeIn(Input):
    type: ObjectType
    survivor: int = Field(description="Id of the record that stays")
    merged: int = Field(description="Id of the record merged into it (deleted; undo restores)")
    values: dict[str, Literal["survivor", "merged"]] = Field(
        default_factory=dict,
        description='Per field, whose value to keep: `{"email": "merged"}`; default survivor',
    )
    cluster: int | None = Field(None, description="The duplicate group, when merging from one")


class MergeOut(Schema):
    id: int
    type: str
    survivor: int
    merged: int
    moved: dict[str, int] = Field(description="Rows moved to the survivor, per table.column")
    undone_at: datetime | None


def dump_run(run) -> dict:
    return {
        "id": run.pk,
        "type": run.object_type,
        "threshold": run.threshold,
        "status": run.status,
        "progress": run.progress,
        "records": run.records,
        "clusters": run.clusters,
        "seconds": run.seconds,
        "error": run.error,
        "created_at": run.created_at,
        "finished_at": run.finished_at,
    }


def dump_record(object_type: str, record) -> dict:
    kind = kind_of(object_type)
    fields = {}
    for name in kind.summary:
        value = getattr(record, name, None)
        fields[name] = str(value) if hasattr(value, "pk") else value
    return {"id": record.pk, "name": str(record), "fields": fields}


def dump_cluster(cluster) -> dict:
    return {
        "id": cluster.pk,
        "type": cluster.object_type,
        "confidence": cluster.confidence,
        "status": cluster.status,
        "pairs": cluster.pairs,
        "records": [dump_record(cluster.object_type, r) for r in cluster.records],
    }


def dump_merge(merge) -> dict:
    return {
        "id": merge.pk,
        "type": merge.object_type,
        "survivor": merge.survivor_id,
        "merged": merge.merged_id,
        "moved": {k: len(v) for k, v in merge.moved.items()},
        "undone_at": merge.undone_at,
    }


@router.post(
    "/duplicates/runs",
    response={202: RunOut, **_ERRORS},
    summary="Search the whole database for duplicates of one type",
    operation_id="duplicates_run",
)
def run_create(request, payload: RunIn):
    """Starts a background search over every account, contact or lead of the organisation
    (needs the delete right on the type). Poll `GET /duplicates/runs/{id}` for progress;
    the groups it finds replace the open groups of the previous search."""
    run = services.dedupe_start(
        actor=request.user, object_type=payload.type, threshold=payload.threshold
    )
    run.refresh_from_db()
    return 202, dump_run(run)


@router.get(
    "/duplicates/runs/{id}",
    response={200: RunOut, **_ERRORS},
    summary="Progress of a duplicate search",
    operation_id="duplicates_run_get",
)
def run_get(request, id: int):
    run = selectors.run_get(request.user, id)
    return dump_run(run)


@router.get(
    "/duplicates",
    response={200: ClusterPage, **_ERRORS},
    summary="Groups of duplicates, most confident first",
    operation_id="duplicates_list",
)
def cluster_list(request, params: ClusterFilters = Query(...)):
    """Only groups with at least two records you can see, and only those records."""
    page = selectors.cluster_list(
        request.user,
        object_type=params.type,
        min_confidence=params.min_confidence,
        status=params.status,
        cursor=params.cursor,
        limit=params.limit,
    )
    return {"items": [dump_cluster(c) for c in page.items], "next_cursor": page.next_cursor}


@router.post(
    "/duplicates/{id}/dismiss",
    response={200: ClusterOut, **_ERRORS},
    summary="Mark a group as not duplicates",
    operation_id="duplicates_dismiss",
)
def cluster_dismiss(request, id: int):
    cluster = selectors.cluster_get(request.user, id)
    records = cluster.records
    cluster = services.cluster_dismiss(actor=request.user, cluster=cluster)
    cluster.records = records
    return dump_cluster(cluster)


@router.post(
    "/merges",
    response={201: MergeOut, **_ERRORS},
    summary="Merge two records",
    operation_id="merge_create",
)
def merge_create(request, payload: MergeIn):
    """Keeps `survivor`, takes the chosen field values from `merged`, moves everything that
    points at `merged` (contacts, deals, activities, leads, tags, duplicate checks, timeline)
    to `survivor` and deletes `merged` — in one transaction. Needs update on the survivor and
    delete on the merged record. `POST /merges/{id}/undo` reverses it."""
    actor = request.user
    base = kind_of(payload.type).model._default_manager.all()
    survivor = access.get_visible(actor, base, payload.type, payload.survivor)
    merged = access.get_visible(actor, base, payload.type, payload.merged)
    cluster = selectors.cluster_get(actor, payload.cluster) if payload.cluster else None
    merge = merging.merge_records(
        actor=actor,
        object_type=payload.type,
        survivor=survivor,
        merged=merged,
        values=payload.values,
        cluster=cluster,
    )
    return 201, dump_merge(merge)


@router.get(
    "/merges/{id}",
    response={200: MergeOut, **_ERRORS},
    summary="A merge",
    operation_id="merge_get",
)
def merge_get(request, id: int):
    return dump_merge(merging.merge_get(request.user, id))


@router.post(
    "/merges/{id}/undo",
    response={200: MergeOut, **_ERRORS},
    summary="Undo a merge",
    operation_id="merge_undo",
)
def merge_undo(request, id: int):
    """Restores the merged record with its id and columns, points the moved rows back at it
    and gives the survivor its earlier values. 409 when already undone."""
    merge = merging.merge_get(request.user, id)
    merging.merge_undo(actor=request.user, merge=merge)
    merge.refresh_from_db()
    return dump_merge(merge)
