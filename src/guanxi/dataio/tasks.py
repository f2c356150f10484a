"""Background jobs of the data tools."""

from __future__ import annotations

import logging

from huey.contrib.djhuey import db_task

log = logging.getLogger(__name__)


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
