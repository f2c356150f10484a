"""Merging duplicate records, and undoing a merge.

``merge_records`` keeps one record (the survivor), copies onto it the field values the user
chose from the other, moves every row that points at the other one to the survivor and
deletes it — in one transaction, with an ``<type>.merged`` event on the timeline.

"Every row that points at it" is found by introspection: each foreign key to the model, in
any installed app (contacts, deals, activities, leads, tag links, …), so a relation added
later is moved without a change here. Rows that point by (type, id) rather than by foreign
key are listed in ``GENERIC_POINTERS``. Sales totals are kept by triggers on owner, stage
and amount, none of which a merge changes.

What is needed to undo is stored on the ``Merge`` row: the deleted record's columns, the
survivor's values before, the ids of the rows moved and the link rows dropped because the
survivor already had the same (a tag both carried). ``merge_undo`` puts all of it back.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.apps import apps
from django.core import serializers
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.core import access, events
from guanxi.core.errors import InvalidTransition, NotFound, ValidationFailed
from guanxi.core.filters import parse_id
from guanxi.core.models import Event
from guanxi.core.records import lock, stamp
from guanxi.dataio.dedupe.kinds import Kind, kind_of
from guanxi.dataio.models import DuplicateCluster, DuplicateMember, Merge
from guanxi.leads.models import LeadMatch

# (model, type column, id column): rows naming a record by type and id.
GENERIC_POINTERS: list[tuple[type[models.Model], str, str]] = [
    (LeadMatch, "object_type", "object_id"),
]
# Columns holding an account's id without a foreign key (the timeline).
ACCOUNT_ID_COLUMNS: list[tuple[type[models.Model], str]] = [(Event, "account_id")]


def relations(model: type[models.Model]) -> list[tuple[type[models.Model], models.Field]]:
    """Every foreign key of any model pointing at ``model`` (M2M link tables included)."""
    return [
        (rel.related_model, rel.field)
        for rel in model._meta.get_fields(include_hidden=True)
        if rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one)
    ]


def _key(model: type[models.Model], column: str) -> str:
    return f"{model._meta.label}.{column}"


def _unique_sets(model: type[models.Model], field: models.Field) -> list[list[models.Field]]:
    """The other fields of each uniqueness rule that includes ``field``."""
    sets = [list(u) for u in model._meta.unique_together]
    if field.unique:  # a one-to-one (an account's pool entry): the survivor's row wins
        sets.append([field.name])
    sets += [
        list(c.fields)
        for c in model._meta.constraints
        if isinstance(c, models.UniqueConstraint) and c.fields and c.condition is None
    ]
    return [
        [model._meta.get_field(n) for n in names if n != field.name]
        for names in sets
        if field.name in names
    ]


def _plain(value: Any) -> Any:
    """A field value as JSON keeps it whole (Django's JSON serializer cuts times to the
    millisecond; an undo must give back exactly what was there)."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    return value


def _dump(rows) -> list[dict]:
    return json.loads(json.dumps(serializers.serialize("python", rows), default=_plain))


def _load(dumped: list[dict]) -> None:
    for item in serializers.deserialize("python", dumped):
        item.m2m_data = {}  # link rows come back through ``moved`` and ``removed``
        item.save()


def _move(model, column: str, old: int, new: int, *, extra: dict | None = None, uniques=()):
    """Point ``column`` of ``model``'s rows from ``old`` to ``new``: (moved ids, removed rows).

    A row that would repeat one the survivor already has (per a uniqueness rule) is deleted
    instead, and returned for undo.
    """
    manager = model._base_manager
    rows = manager.filter(**{column: old}, **(extra or {}))
    removed: list = []
    for others in uniques:
        for row in rows:
            same = (extra or {}) | {f.attname: getattr(row, f.attname) for f in others}
            if manager.filter(**{column: new}, **same).exists():
                removed.append(row)
    if removed:
        dumped = _dump(removed)
        manager.filter(pk__in=[r.pk for r in removed]).delete()
    else:
        dumped = []
    ids = list(rows.values_list("pk", flat=True))
    if ids:
        change: dict[str, Any] = {column: new}
        if any(f.name == "version" for f in model._meta.concrete_fields):
            change["version"] = models.F("version") + 1
        manager.filter(pk__in=ids).update(**change)
    return ids, dumped


@transaction.atomic
def merge_records(
    *,
    actor,
    object_type: str,
    survivor: models.Model,
    merged: models.Model,
    values: dict[str, str] | None = None,
    cluster: DuplicateCluster | None = None,
) -> Merge:
    """Merge ``merged`` into ``survivor``. ``values`` maps a field to ``"merged"`` to take
    the merged record's value for it (the survivor's is kept otherwise).

    Needs update on the survivor and delete on the merged record, both within scope.
    """
    kind = kind_of(object_type)
    if survivor.pk == merged.pk:
        raise ValidationFailed.on("merged", _("Choose two different records."))
    access.require_on(actor, survivor, object_type, "update")
    access.require_on(actor, merged, object_type, "delete")
    values = values or {}
    unknown = [f for f, side in values.items() if f not in kind.fields or side not in _SIDES]
    if unknown:
        raise ValidationFailed(fields={f: [_("This field cannot be chosen.")] for f in unknown})
    survivor = lock(kind.model, survivor.pk, None)
    merged = lock(kind.model, merged.pk, None)
    before = _dump([survivor])[0]
    snapshot = _dump([merged])[0]
    taken = [f for f, side in values.items() if side == "merged"]
    data = {f: snapshot["fields"][f] for f in taken if snapshot["fields"][f] != before["fields"][f]}
    if data:
        survivor = kind.update(actor=actor, obj=survivor, data=data)
    moved: dict[str, list[int]] = {}
    removed: dict[str, list[dict]] = {}
    for model, field in relations(kind.model):
        uniques = _unique_sets(model, field)
        ids, dropped = _move(model, field.attname, merged.pk, survivor.pk, uniques=uniques)
        _note(moved, removed, _key(model, field.attname), ids, dropped)
    for model, type_column, id_column in GENERIC_POINTERS:
        extra = {type_column: object_type}
        uniques = [
            [model._meta.get_field(n) for n in names if n != id_column]
            for names in (list(c.fields) for c in model._meta.constraints if c.fields)
            if id_column in names
        ]
        ids, dropped = _move(model, id_column, merged.pk, survivor.pk, extra=extra, uniques=uniques)
        _note(moved, removed, _key(model, id_column), ids, dropped)
    if object_type == "account":
        for model, column in ACCOUNT_ID_COLUMNS:
            ids, _dropped = _move(
                model,
                column,
                merged.pk,
                survivor.pk,
                extra={"organisation_id": actor.organisation_id},
            )
            _note(moved, removed, _key(model, column), ids, [])
    closed = _close_clusters(actor, object_type, merged.pk)
    merged_repr = str(merged)[:200]
    kind.model._base_manager.filter(pk=merged.pk).delete()
    merge = Merge(
        object_type=object_type,
        survivor_id=survivor.pk,
        merged_id=merged.pk,
        merged_repr=merged_repr,
        snapshot=snapshot,
        survivor_before={f: before["fields"][f] for f in data},
        moved=moved | {"dataio.DuplicateCluster.status": closed},
        removed=removed,
        cluster=cluster,
    )
    stamp(merge, actor, creating=True)
    merge.save()
    events.record(
        actor,
        f"{object_type}.merged",
        survivor,
        account_id=_account_id(object_type, survivor),
        changes={f: (before["fields"][f], data[f]) for f in data},
        data={
            "merge": merge.pk,
            "merged_id": merged.pk,
            "merged_name": merged_repr,
            "moved": sum(len(v) for v in moved.values()),
        },
    )
    return merge


_SIDES = ("survivor", "merged")


def _note(moved: dict, removed: dict, key: str, ids: list[int], dropped: list[dict]) -> None:
    if ids:
        moved[key] = ids
    if dropped:
        removed[key] = dropped


def _account_id(object_type: str, obj) -> int | None:
    return obj.pk if object_type == "account" else getattr(obj, "account_id", None)


def _close_clusters(actor, object_type: str, merged_id: int) -> list[int]:
    """Open groups the merged record was in that are left with one record: now merged."""
    cluster_ids = DuplicateMember.objects.filter(
        organisation_id=actor.organisation_id, object_type=object_type, object_id=merged_id
    ).values("cluster_id")
    closed = []
    model = kind_of(object_type).model
    for cluster in DuplicateCluster.objects.filter(
        pk__in=cluster_ids, status=DuplicateCluster.Status.OPEN
    ):
        alive = model._base_manager.filter(
            pk__in=cluster.members.exclude(object_id=merged_id).values("object_id")
        ).count()
        if alive < 2:
            closed.append(cluster.pk)
    DuplicateCluster.objects.filter(pk__in=closed).update(status=DuplicateCluster.Status.MERGED)
    return closed


def merge_get(actor, pk: Any) -> Merge:
    """A merge whose surviving record the actor can see."""
    merge = Merge.objects.filter(
        organisation_id=getattr(actor, "organisation_id", None), pk=parse_id(pk)
    ).first()
    if merge is None:
        raise NotFound()
    kind = kind_of(merge.object_type)
    access.get_visible(
        actor, kind.model._default_manager.all(), merge.object_type, merge.survivor_id
    )
    return merge


@transaction.atomic
def merge_undo(*, actor, merge: Merge) -> models.Model:
    """Bring the merged record back as it was and point its rows at it again; the survivor
    gets back the values it had before. Returns the restored record."""
    kind: Kind = kind_of(merge.object_type)
    merge = Merge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at is not None:
        raise InvalidTransition(_("This merge was already undone."))
    survivor = kind.model._default_manager.filter(pk=merge.survivor_id).first()
    if survivor is None:
        raise InvalidTransition(_("The record kept by this merge no longer exists."))
    access.require_on(actor, survivor, merge.object_type, "update")
    access.require_right(actor, merge.object_type, "delete")
    _load([merge.snapshot])
    moved = dict(merge.moved)
    reopened = moved.pop("dataio.DuplicateCluster.status", [])
    for key, ids in moved.items():
        label, column = key.rsplit(".", 1)
        model = _model(label)
        change: dict[str, Any] = {column: merge.merged_id}
        if any(f.name == "version" for f in model._meta.concrete_fields):
            change["version"] = models.F("version") + 1
        model._base_manager.filter(pk__in=ids).update(**change)
    for dumped in merge.removed.values():
        _load(dumped)
    DuplicateCluster.objects.filter(pk__in=reopened).update(status=DuplicateCluster.Status.OPEN)
    if merge.survivor_before:
        survivor = kind.update(actor=actor, obj=survivor, data=dict(merge.survivor_before))
    merge.undone_at = timezone.now()
    merge.undone_by = actor
    stamp(merge, actor)
    merge.save()
    restored = kind.model._default_manager.get(pk=merge.merged_id)
    events.record(
        actor,
        f"{merge.object_type}.merge_undone",
        survivor,
        account_id=_account_id(merge.object_type, survivor),
        data={"merge": merge.pk, "merged_id": merge.merged_id, "merged_name": merge.merged_repr},
    )
    return restored


def _model(label: str) -> type[models.Model]:
    return apps.get_model(label)


def related_counts(object_type: str, pk: int) -> dict[str, int]:
    """How many rows of each kind point at a record: what a merge will move."""
    kind = kind_of(object_type)
    counts = {}
    for model, field in relations(kind.model):
        n = model._base_manager.filter(**{field.attname: pk}).count()
        if n:
            counts[str(model._meta.verbose_name_plural)] = n
    return counts
