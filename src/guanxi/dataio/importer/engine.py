"""Running an import: stream the file, check rows in worker processes, write by batch.

The file is read as a stream and cut into batches. Worker processes (``IMPORT_WORKERS``)
turn cells into clean values — the CPU-heavy part: phone numbers, emails, search tokens —
while the job writes the previous batch, so both cores work and at most a few batches are
in memory whatever the file's size. Each batch is written in one transaction together with
its issues, the rows it wrote (for undo) and the job's progress (``rows_done``): a job that
stops for any reason resumes after the last committed batch and never writes a row twice.
A dry run takes the same path and rolls every batch back.
"""

from __future__ import annotations

import logging
import multiprocessing
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from itertools import islice
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation

from guanxi.core import events
from guanxi.core.errors import DomainError, NotFound
from guanxi.dataio.importer import bulk, pipeline, reader
from guanxi.dataio.importer.adapters import Context, Outcome
from guanxi.dataio.importer.registry import adapter_for
from guanxi.dataio.importer.worker import clean_batch
from guanxi.dataio.models import ImportIssue, ImportJob, ImportRow, ImportStatus

log = logging.getLogger(__name__)

COUNTS = ("created", "updated", "skipped", "failed")
CHECK_ISSUES_KEPT = 200

Row = tuple[int, list[str]]


class Superseded(DomainError):
    code = "import_superseded"
    status = 409


# --- Cleaning, in worker processes -----------------------------------------------------------


def _batches(rows: Iterator[list[str]], after: int, size: int) -> Iterator[list[Row]]:
    numbered = ((n, cells) for n, cells in enumerate(rows, start=2))
    data = ((n, c) for n, c in numbered if n > after and any(x.strip() for x in c))
    while batch := list(islice(data, size)):
        yield batch


def _cleaned(job: ImportJob, batches: Iterable[list[Row]], workers: int) -> Iterator[list]:
    """Batches cleaned in order, by ``workers`` processes (inline when 0)."""
    args = (
        job.object_type,
        job.mapping,
        len(job.header),
        job.file_format == "csv",
        job.language,
    )
    if workers <= 0:
        for batch in batches:
            yield clean_batch(*args, batch)
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        pending: deque = deque()
        for batch in batches:
            pending.append(pool.submit(clean_batch, *args, batch))
            if len(pending) > workers * 2:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


# --- The run --------------------------------------------------------------------------------


def run(job: ImportJob, *, dry_run: bool = False, workers: int | None = None) -> ImportJob:
    """Import (or check) the job's file from where it stopped; returns the finished job."""
    adapter = adapter_for(job.object_type)
    actor = job.created_by
    ctx = Context(
        actor=actor,
        mode=job.mode,
        key=job.key,
        owner=job.owner,
        dry_run=dry_run,
        header=job.header,
    )
    size = settings.IMPORT_BATCH_ROWS
    if workers is None:
        big = job.rows_total > size * 2 or job.file_size > 4 << 20
        workers = settings.IMPORT_WORKERS if big else 0
    _begin(job, dry_run)
    after = 0 if dry_run else job.rows_done
    started = time.monotonic()
    statistics = Statistics(adapter)
    try:
        rows = reader.rows(Path(job.file_path), job.file_format, job.encoding)
        next(rows, None)  # the header
        with translation.override(job.language or settings.LANGUAGE_CODE), bulk.unmapped():
            batches = _cleaned(job, _batches(rows, after, size), workers)
            if not dry_run and _pipelined(job, adapter):
                _write_pipelined(job, adapter, ctx, batches, after, statistics)
            else:
                for batch in batches:
                    last = batch[-1][0]
                    if dry_run:
                        _check_batch(job, adapter, ctx, batch, last)
                        continue
                    outcome = _write_batch(job, after, last, lambda b=batch: adapter.write(ctx, b))
                    statistics.grew(outcome.created)
                    after = last
    except Superseded:
        log.warning("import taken over by another run", extra={"job": job.pk})
        return ImportJob.objects.get(pk=job.pk)
    except (UnicodeDecodeError, reader.csv.Error, DomainError) as exc:
        return _fail(job, dry_run, exc)
    return _finish(job, dry_run, time.monotonic() - started)


def _begin(job: ImportJob, dry_run: bool) -> None:
    now = timezone.now()
    if dry_run:
        job.status = ImportStatus.CHECKING
        job.check_result = {"rows_done": 0, **dict.fromkeys(COUNTS, 0), "issues": []}
        ImportIssue.objects.filter(job=job, dry_run=True).delete()
    else:
        job.status = ImportStatus.RUNNING
        job.counts = {**dict.fromkeys(COUNTS, 0), **(job.counts or {})}
        job.started_at = job.started_at or now
    job.heartbeat_at = now
    job.save(update_fields=["status", "check_result", "counts", "started_at", "heartbeat_at"])


def _pipelined(job: ImportJob, adapter) -> bool:
    """Whether the job checks each batch while the one before is written (see
    ``importer.pipeline``): PostgreSQL, an adapter that allows it, more than one batch, and
    no transaction of the caller's around the run (the writer's connection would not see
    what it holds)."""
    return (
        adapter.pipelined
        and connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and job.rows_total > settings.IMPORT_BATCH_ROWS
    )


def _write_pipelined(job, adapter, ctx, batches, after: int, statistics) -> None:
    language = translation.get_language()
    writer = pipeline.Writer(
        lambda plan, start, last: _write_batch(job, start, last, lambda: adapter.apply(ctx, plan)),
        setup=lambda: translation.activate(language),
    )
    try:
        for batch in batches:
            last = batch[-1][0]
            plan = writer.plan(lambda pending, b=batch: adapter.plan(ctx, b, pending))
            writer.submit(plan, after, last)
            statistics.grew(len(plan.new))
            after = last
    finally:
        writer.close()


def _write_batch(job, after: int, last: int, write) -> Outcome:
    """``write()`` (the batch's rows) in one transaction with the job's progress."""
    with transaction.atomic():
        # The job's row, locked: a second run of the same job (a resume while the first
        # still lives) finds rows_done moved and stops, so no batch is written twice.
        current = ImportJob.objects.select_for_update().only("rows_done", "status").get(pk=job.pk)
        if current.rows_done != after or current.status == ImportStatus.UNDONE:
            raise Superseded()
        outcome = write()
        _record(job, outcome, dry_run=False)
        for name in COUNTS:
            job.counts[name] = job.counts.get(name, 0) + getattr(outcome, name)
        job.rows_done = last
        job.heartbeat_at = timezone.now()
        job.save(update_fields=["counts", "rows_done", "heartbeat_at"])
    return outcome


class Statistics:
    """Keeps PostgreSQL's picture of a table the import is filling up to date.

    The planner chooses indexes from row counts taken when the table was last analysed. A
    table that grows from nothing to a million rows within minutes is still "a few rows"
    to it, and the duplicate check by email and mobile then reads every row of the
    organisation instead of using its index: each batch gets slower than the last. The table
    is analysed whenever the import has grown it by half since (about a dozen times for a
    million rows), only the columns the import looks rows up by, so each takes a few
    hundredths of a second; autovacuum would only catch up later.
    """

    FIRST = 5000

    def __init__(self, adapter):
        meta = adapter.model._meta
        self.table = meta.db_table
        names = ["organisation", *adapter.keys, *getattr(adapter, "duplicate_keys", ())]
        columns = {meta.get_field(n).column for n in names if n != "id"}
        self.columns = ", ".join(connection.ops.quote_name(c) for c in sorted(columns))
        self.enabled = connection.vendor == "postgresql"
        self.since = 0
        self.size = 0
        if self.enabled:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = %s::regclass",
                    [self.table],
                )
                row = cursor.fetchone()
            self.size = row[0] if row else 0

    def grew(self, rows: int) -> None:
        if not self.enabled or not rows:
            return
        self.since += rows
        if self.since < max(self.FIRST, self.size // 2):
            return
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(self.table)} ({self.columns})")
        self.size += self.since
        self.since = 0


def _check_batch(job, adapter, ctx, batch, last: int) -> None:
    with transaction.atomic():
        outcome = adapter.write(ctx, batch)
        transaction.set_rollback(True)
    _record(job, outcome, dry_run=True)
    for name in COUNTS:
        job.check_result[name] = job.check_result.get(name, 0) + getattr(outcome, name)
    job.check_result["rows_done"] = last
    job.heartbeat_at = timezone.now()
    job.save(update_fields=["check_result", "heartbeat_at"])


def _record(job: ImportJob, outcome: Outcome, *, dry_run: bool) -> None:
    if outcome.issues:
        ImportIssue.objects.bulk_create(
            ImportIssue(
                job=job,
                dry_run=dry_run,
                row=row,
                field=name,
                message=message,
                skipped=skipped,
                cells=cells,
            )
            for row, name, message, skipped, cells in outcome.issues
        )
    if (outcome.written or outcome.runs) and not dry_run:
        bulk.insert(
            ImportRow._meta.db_table,
            ["job_id", "row", "object_id", "last_object_id", "created", "before"],
            [
                *(
                    (job.pk, row, pk, None, created, None if before is None else _json(before))
                    for row, pk, created, before in outcome.written
                ),
                *((job.pk, row, first, last, True, None) for row, first, last in outcome.runs),
            ],
        )


def _json(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


def _fail(job: ImportJob, dry_run: bool, exc: Exception) -> ImportJob:
    job.refresh_from_db()
    job.status = ImportStatus.UPLOADED if dry_run else ImportStatus.FAILED
    job.message = str(getattr(exc, "fields", None) or exc)[:500]
    if isinstance(exc, UnicodeDecodeError):
        job.message = str(exc)[:500]
    job.finished_at = None if dry_run else timezone.now()
    job.save(update_fields=["status", "message", "finished_at"])
    return job


def _finish(job: ImportJob, dry_run: bool, seconds: float) -> ImportJob:
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if dry_run:
            job.status = ImportStatus.CHECKED
            job.check_result["issues"] = _first_issues(job)
            job.save(update_fields=["status", "check_result"])
            return job
        job.status = ImportStatus.DONE
        job.finished_at = timezone.now()
        job.rows_total = max(job.rows_total, job.rows_done - 1)
        job.save(update_fields=["status", "finished_at", "rows_total"])
        events.record(
            job.created_by,
            "import.completed",
            job,
            object_type="import",
            data={"object": job.object_type, "file": job.file_name, **job.counts},
        )
    log.info("import finished", extra={"job": job.pk, "seconds": round(seconds, 1)})
    return job


def _first_issues(job: ImportJob) -> list[dict]:
    return [
        {"row": i.row, "field": i.field, "message": i.message, "skipped": i.skipped}
        for i in ImportIssue.objects.filter(job=job, dry_run=True).order_by("row", "id")[
            :CHECK_ISSUES_KEPT
        ]
    ]


def job_for_run(pk: int) -> ImportJob:
    job = ImportJob.objects.select_related("created_by", "created_by__role").filter(pk=pk).first()
    if job is None:
        raise NotFound()
    return job
