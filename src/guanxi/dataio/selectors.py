"""Reads for imports and exports: a person sees their own jobs; administrators see all."""

from __future__ import annotations

from typing import Any

from django.db import models

from guanxi.core import access
from guanxi.core.errors import NotFound
from guanxi.core.filters import parse_id
from guanxi.dataio.models import ExportJob, ImportIssue, ImportJob, MappingTemplate


def _mine(actor, qs: models.QuerySet) -> models.QuerySet:
    qs = qs.filter(organisation_id=actor.organisation_id)
    return qs if access.is_admin(actor) else qs.filter(created_by=actor)


def import_list(actor, *, limit: int = 50) -> list[ImportJob]:
    qs = _mine(actor, ImportJob.objects.select_related("created_by"))
    return list(qs.order_by("-id")[:limit])


def import_get(actor, pk: Any) -> ImportJob:
    found = (
        _mine(actor, ImportJob.objects.select_related("created_by", "owner"))
        .filter(pk=parse_id(pk) or 0)
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def import_issues(actor, job: ImportJob, *, dry_run: bool = False, limit: int | None = 50):
    qs = ImportIssue.objects.filter(job=import_get(actor, job.pk), dry_run=dry_run)
    qs = qs.order_by("row", "id")
    return qs if limit is None else list(qs[:limit])


def template_list(actor, object_type: str) -> list[MappingTemplate]:
    return list(
        MappingTemplate.objects.filter(
            organisation_id=actor.organisation_id, object_type=object_type
        ).order_by("name")
    )


def export_list(actor, *, limit: int = 20) -> list[ExportJob]:
    return list(_mine(actor, ExportJob.objects.all()).order_by("-id")[:limit])


def export_get(actor, pk: Any) -> ExportJob:
    found = _mine(actor, ExportJob.objects.all()).filter(pk=parse_id(pk) or 0).first()
    if found is None:
        raise NotFound()
    return found
