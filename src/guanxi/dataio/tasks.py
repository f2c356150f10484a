"""Background jobs of the data tools: run an import (or its dry run), write an export, pick
up imports whose worker died, search for duplicates."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

log = logging.getLogger(__name__)


@db_task()
def run_import(job_id: int, dry_run: bool = False) -> int:
    """Import (or check) a file from where its job stopped; the rows done."""
    from guanxi.dataio.importer.engine import job_for_run, run

    job = run(job_for_run(job_id), dry_run=dry_run)
    return job.rows_done


@db_task()
def run_export(job_id: int) -> int:
    from guanxi.dataio.services import export_run

    return export_run(job_id).rows


@db_periodic_task(crontab(minute="*/5"))
def resume_stalled_imports() -> int:
    """Imports whose worker stopped mid-file (killed, machine restarted) carry on."""
    from guanxi.dataio.models import ImportJob, ImportStatus
    from guanxi.dataio.services import import_resume, is_stalled

    resumed = 0
    for job in ImportJob.objects.filter(
        status__in=[ImportStatus.RUNNING, ImportStatus.QUEUED]
    ).select_related("created_by", "created_by__role"):
        if is_stalled(job) and job.created_by is not None:
            import_resume(actor=job.created_by, job=job)
            resumed += 1
            log.info("import resumed", extra={"job": job.pk, "after_row": job.rows_done})
    return resumed


@db_task()
def find_duplicates(run_id: int) -> int:
    """Run a queued duplicate search (see ``dataio.dedupe.services.dedupe_start``)."""
    from guanxi.dataio.dedupe.runner import execute
    from guanxi.dataio.models import DedupeRun

    run = DedupeRun.objects.get(pk=run_id)
    try:
        execute(run)
    except Exception as exc:
        DedupeRun.objects.filter(pk=run_id).update(
            status=DedupeRun.Status.FAILED, error=str(exc)[:300]
        )
        log.exception("duplicate search failed", extra={"run": run_id})
        raise
    return run.clusters
