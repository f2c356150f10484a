"""Writes of the duplicate finder: start a search, set a group aside as "not duplicates"."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from guanxi.core import access, events
from guanxi.core.errors import InvalidTransition, ValidationFailed
from guanxi.core.records import stamp
from guanxi.dataio.dedupe.engine import DEFAULT_THRESHOLD
from guanxi.dataio.dedupe.kinds import kind_of
from guanxi.dataio.models import DedupeRun, DuplicateCluster

MIN_THRESHOLD, MAX_THRESHOLD = 50, 99


def dedupe_start(*, actor, object_type: str, threshold: int | None = None) -> DedupeRun:
    """Queue a search for duplicates among all the organisation's records of ``object_type``.

    Only those who may merge (delete right on the type) start one; each user later sees the
    groups of records in their own scope. The search runs as a background job.
    """
    from guanxi.dataio.tasks import find_duplicates

    kind_of(object_type)
    access.require_right(actor, object_type, "delete")
    threshold = DEFAULT_THRESHOLD if threshold in (None, "") else threshold
    try:
        threshold = int(threshold)
    except (TypeError, ValueError):
        threshold = -1
    if not MIN_THRESHOLD <= threshold <= MAX_THRESHOLD:
        raise ValidationFailed.on(
            "threshold",
            _("Enter a number from %(low)s to %(high)s.")
            % {"low": MIN_THRESHOLD, "high": MAX_THRESHOLD},
        )
    with transaction.atomic():
        running = DedupeRun.objects.filter(
            organisation_id=actor.organisation_id,
            object_type=object_type,
            status__in=(DedupeRun.Status.QUEUED, DedupeRun.Status.RUNNING),
        )
        if running.exists():
            raise InvalidTransition(_("A search for these duplicates is already running."))
        run = DedupeRun(object_type=object_type, threshold=threshold)
        stamp(run, actor, creating=True)
        run.save()
        events.record(
            actor, "dedupe.started", run, object_type="dedupe", data={"records": object_type}
        )
    transaction.on_commit(lambda: find_duplicates(run.pk))
    return run


@transaction.atomic
def cluster_dismiss(*, actor, cluster: DuplicateCluster) -> DuplicateCluster:
    """Mark a group as "not duplicates"; later searches leave the same group out."""
    access.require_right(actor, cluster.object_type, "update")
    cluster = DuplicateCluster.objects.select_for_update().get(pk=cluster.pk)
    if cluster.status != DuplicateCluster.Status.OPEN:
        raise InvalidTransition()
    cluster.status = DuplicateCluster.Status.DISMISSED
    stamp(cluster, actor)
    cluster.save(update_fields=["status", "version", "updated_by", "updated_at"])
    events.record(
        actor, "dedupe.dismissed", cluster, object_type="dedupe", data={"size": cluster.size}
    )
    return cluster
