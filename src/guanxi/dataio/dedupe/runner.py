"""A duplicate search over the database: read the columns in chunks, find, store clusters."""

from __future__ import annotations

import logging
import time
from itertools import islice

from django.db import transaction
from django.utils import timezone

from guanxi.dataio.dedupe import engine
from guanxi.dataio.dedupe.kinds import kind_of
from guanxi.dataio.models import DedupeRun, DuplicateCluster, DuplicateMember

log = logging.getLogger(__name__)
READ_CHUNK = 20_000
WRITE_BATCH = 2_000


def read_rows(object_type: str, organisation_id: int):
    """Every record of the type in the organisation as finder ``Row`` s, read in chunks on
    the server side (only the columns the finder uses)."""
    kind = kind_of(object_type)
    qs = (
        kind.model._default_manager.filter(organisation_id=organisation_id)
        .order_by()
        .values_list(*kind.columns)
    )
    for values in qs.iterator(chunk_size=READ_CHUNK):
        yield kind.to_row(values)


def _progress(run: DedupeRun, value: int, **fields) -> None:
    run.progress = value
    for name, v in fields.items():
        setattr(run, name, v)
    DedupeRun.objects.filter(pk=run.pk).update(progress=value, **fields)


def execute(run: DedupeRun) -> DedupeRun:
    """Do the search ``run`` describes and replace the type's open clusters with its own."""
    kind = kind_of(run.object_type)
    started = time.perf_counter()
    _progress(run, 5, status=DedupeRun.Status.RUNNING)
    prepared = engine.prepare(read_rows(run.object_type, run.organisation_id), people=kind.people)
    _progress(run, 50, records=len(prepared.ids))
    pairs = engine.candidate_pairs(prepared)
    links = engine.score_pairs(prepared, pairs, people=kind.people, threshold=run.threshold)
    found = engine.clusters(prepared.ids, links)
    del prepared, pairs, links
    _progress(run, 80)
    stored = store(run, found)
    _progress(
        run,
        100,
        status=DedupeRun.Status.DONE,
        candidate_pairs=sum(len(c.pairs) for c in found),
        clusters=stored,
        seconds=round(time.perf_counter() - started, 2),
        finished_at=timezone.now(),
    )
    return run


def _dismissed(run: DedupeRun) -> set[frozenset[int]]:
    """Member sets the users said are not duplicates: a new search does not bring them back."""
    groups: dict[int, set[int]] = {}
    rows = DuplicateMember.objects.filter(
        organisation_id=run.organisation_id,
        object_type=run.object_type,
        cluster__status=DuplicateCluster.Status.DISMISSED,
    ).values_list("cluster_id", "object_id")
    for cluster_id, object_id in rows:
        groups.setdefault(cluster_id, set()).add(object_id)
    return {frozenset(g) for g in groups.values()}


@transaction.atomic
def store(run: DedupeRun, found: list[engine.Cluster]) -> int:
    """Replace the open clusters of the run's type with ``found``; how many were stored."""
    org, object_type = run.organisation_id, run.object_type
    old = DuplicateCluster.objects.filter(
        organisation_id=org, object_type=object_type, status=DuplicateCluster.Status.OPEN
    )
    DuplicateMember.objects.filter(cluster__in=old.values("id")).delete()
    old.delete()
    dismissed = _dismissed(run)
    kept = [c for c in found if frozenset(c.members) not in dismissed]
    now = timezone.now()
    stored = 0
    batches = iter(kept)
    while batch := list(islice(batches, WRITE_BATCH)):
        rows = DuplicateCluster.objects.bulk_create(
            [
                DuplicateCluster(
                    organisation_id=org,
                    created_by_id=run.created_by_id,
                    created_at=now,
                    updated_at=now,
                    run=run,
                    object_type=object_type,
                    confidence=c.confidence,
                    size=len(c.members),
                    pairs=[list(p) for p in c.pairs],
                )
                for c in batch
            ]
        )
        DuplicateMember.objects.bulk_create(
            [
                DuplicateMember(
                    organisation_id=org, cluster_id=row.pk, object_type=object_type, object_id=m
                )
                for row, c in zip(rows, batch, strict=True)
                for m in c.members
            ],
            batch_size=WRITE_BATCH * 3,
        )
        stored += len(rows)
    return stored
