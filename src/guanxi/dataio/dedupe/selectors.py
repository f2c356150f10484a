"""Reads of duplicate groups, always limited to the records the actor can see."""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from guanxi.core import access
from guanxi.core.errors import NotFound
from guanxi.core.filters import parse_id
from guanxi.core.matching import company_key, email_key, name_key, phone_key
from guanxi.core.models import Scope
from guanxi.core.pagination import Page, paginate
from guanxi.dataio.dedupe import engine
from guanxi.dataio.dedupe.kinds import kind_of
from guanxi.dataio.models import DedupeRun, DuplicateCluster, DuplicateMember

POSSIBLE_LIMIT = 5
# On entry a hint, not a merge: a company of the same name alone (62) is worth a look.
POSSIBLE_THRESHOLD = 60


def visible_records(actor, object_type: str):
    kind = kind_of(object_type)
    return access.scoped(actor, kind.model._default_manager.all(), object_type)


def latest_run(actor, object_type: str) -> DedupeRun | None:
    kind_of(object_type)
    if not access.has_right(actor, object_type, "read"):
        return None
    return (
        DedupeRun.objects.filter(organisation_id=actor.organisation_id, object_type=object_type)
        .order_by("-id")
        .first()
    )


def _clusters(actor, object_type: str, status: str):
    qs = DuplicateCluster.objects.filter(
        organisation_id=actor.organisation_id, object_type=object_type, status=status
    )
    if not access.has_right(actor, object_type, "read"):
        return qs.none()
    if access.scope_of(actor) != Scope.ORGANISATION:
        # Groups with at least two records the actor sees; the others are not theirs to merge.
        seen = (
            DuplicateMember.objects.filter(
                organisation_id=actor.organisation_id,
                object_type=object_type,
                object_id__in=visible_records(actor, object_type).values("id"),
            )
            .values("cluster_id")
            .annotate(n=Count("id"))
            .filter(n__gte=2)
            .values("cluster_id")
        )
        qs = qs.filter(id__in=seen)
    return qs


def cluster_list(
    actor,
    *,
    object_type: str,
    min_confidence: int = 0,
    status: str = DuplicateCluster.Status.OPEN,
    cursor: str | None = None,
    limit: int = 25,
) -> Page:
    """Groups of duplicates, most confident first, each with its visible records as
    ``cluster.records`` (two queries a page, whatever its size)."""
    qs = _clusters(actor, object_type, status)
    if min_confidence:
        qs = qs.filter(confidence__gte=min_confidence)
    page = paginate(qs, sort="-confidence", cursor=cursor, limit=limit)
    attach_records(actor, object_type, page.items)
    return page


def attach_records(actor, object_type: str, clusters: list[DuplicateCluster]) -> None:
    ids = {m for c in clusters for p in c.pairs for m in p[:2]}
    qs = visible_records(actor, object_type).select_related("owner")
    if object_type == "contact":
        qs = qs.select_related("account")
    found = {r.pk: r for r in qs.filter(pk__in=ids)} if ids else {}
    for c in clusters:
        members = sorted({m for p in c.pairs for m in p[:2]})
        c.records = [found[m] for m in members if m in found]


def cluster_get(actor, pk: Any) -> DuplicateCluster:
    pk = parse_id(pk)
    cluster = DuplicateCluster.objects.filter(
        organisation_id=getattr(actor, "organisation_id", None), pk=pk
    ).first()
    if cluster is None:
        raise NotFound()
    attach_records(actor, cluster.object_type, [cluster])
    if len(cluster.records) < 2:
        raise NotFound()
    return cluster


def possible_duplicates(actor, object_type: str, obj) -> list[tuple[Any, int]]:
    """``(record, confidence)`` of records the actor sees that ``obj`` may duplicate, found
    on entry by indexed lookups (same phone, same email, same name) and scored like the
    search over the whole database."""
    kind = kind_of(object_type)
    row = kind.to_row(_values(obj, kind.columns))
    phones = [p for p in row.phones if p]
    candidates = visible_records(actor, object_type).exclude(pk=obj.pk)
    lookups = []
    if object_type == "account":
        lookups += [{"phone__in": phones}] if phones else []
        lookups.append({"name": obj.name})
    else:
        lookups += [{"mobile__in": phones}] if phones else []
        lookups.append({"name": obj.name} if obj.name else None)
    if row.email:
        lookups.append({"email": obj.email})
    found: dict[int, Any] = {}
    for lookup in filter(None, lookups):
        for record in candidates.filter(**lookup).order_by("-id")[:20]:
            found[record.pk] = record
    if object_type == "account" and len(company_key(obj.name)) >= 2:
        from guanxi.leads.matching import company_candidates

        ids = [pk for pk, _name in company_candidates(actor.organisation_id, obj.name)]
        for record in candidates.filter(pk__in=ids):
            found[record.pk] = record
    me = _keys(kind, row)
    scored = []
    for record in found.values():
        other = _keys(kind, kind.to_row(_values(record, kind.columns)))
        value = engine.confidence(engine.points(*_zip(me, other), people=kind.people))
        if value >= POSSIBLE_THRESHOLD:
            scored.append((record, value))
    scored.sort(key=lambda rv: (-rv[1], -rv[0].pk))
    return scored[:POSSIBLE_LIMIT]


def _values(obj, columns) -> tuple:
    out = []
    for column in columns:
        value = obj
        for part in column.split("__"):
            value = getattr(value, part, None) if value is not None else None
        out.append(value or "")
    return tuple(out)


def _keys(kind, row: engine.Row) -> tuple:
    return (
        name_key(row.name) if kind.people else "",
        company_key(row.company) if row.company else "",
        tuple(k for k in map(phone_key, row.phones) if k),
        email_key(row.email),
    )


def _zip(a: tuple, b: tuple) -> tuple:
    return a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3]


def run_get(actor, pk: Any) -> DedupeRun:
    run = DedupeRun.objects.filter(
        organisation_id=getattr(actor, "organisation_id", None), pk=parse_id(pk)
    ).first()
    if run is None or not access.has_right(actor, run.object_type, "read"):
        raise NotFound()
    return run
