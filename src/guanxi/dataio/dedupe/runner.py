"""A duplicate search over the database: read the columns in chunks, find, store clusters."""

from __future__ import annotations

import logging
import time
from itertools import islice

from django.db import connection, transaction
from django.utils import timezone

from guanxi.dataio.dedupe import engine
from guanxi.dataio.dedupe.kinds import kind_of
from guanxi.dataio.models import DedupeRun, DuplicateCluster, DuplicateMember, Merge

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
    """Replace the open clusters of the run's type with ``found``; how many were stored.

    Old groups go with two plain DELETEs and members are written with ``executemany``:
    Django's cascade collector and model instances took most of the time at 100k groups.
    """
    org, object_type = run.organisation_id, run.object_type
    open_ = DuplicateCluster.Status.OPEN
    clusters_table = DuplicateCluster._meta.db_table
    members_table = DuplicateMember._meta.db_table
    old = f'SELECT id FROM "{clusters_table}" WHERE organisation_id = %s AND object_type = %s '
    old += "AND status = %s"
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE "{Merge._meta.db_table}" SET cluster_id = NULL WHERE cluster_id IN ({old})',
            [org, object_type, open_],
        )
        cursor.execute(
            f'DELETE FROM "{members_table}" WHERE cluster_id IN ({old})', [org, object_type, open_]
        )
        cursor.execute(
            f'DELETE FROM "{clusters_table}" WHERE organisation_id = %s AND object_type = %s '
            "AND status = %s",
            [org, object_type, open_],
        )
    dismissed = _dismissed(run)
    kept = [c for c in found if frozenset(c.members) not in dismissed]
    now = timezone.now()
    stored = 0
    insert_member = (
        f'INSERT INTO "{members_table}" (organisation_id, cluster_id, object_type, object_id) '
        "VALUES (%s, %s, %s, %s)"
    )
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
        with connection.cursor() as cursor:
            cursor.executemany(
                insert_member,
                [
                    (org, row.pk, object_type, m)
                    for row, c in zip(rows, batch, strict=True)
                    for m in c.members
                ],
            )
        stored += len(rows)
    return stored
