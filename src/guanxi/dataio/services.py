"""Writes for imports and exports: upload, map, check, run, resume, undo; start an export.

The heavy work runs in background jobs (``tasks.py``); these functions check rights and
input, record the job and queue it. An import belongs to the person who uploaded it (and
is visible to administrators); an export needs the "export" right on its object type.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from guanxi.core import access, events
from guanxi.core.errors import InvalidTransition, NotFound, ValidationFailed
from guanxi.core.records import choose_owner
from guanxi.dataio import export as exporting
from guanxi.dataio.importer import reader
from guanxi.dataio.importer.registry import adapter_for
from guanxi.dataio.models import (
    ExportJob,
    ExportStatus,
    ImportJob,
    ImportMode,
    ImportRow,
    ImportStatus,
    MappingTemplate,
)

# A running import that has not written a batch for this long has stopped (its worker died).
STALLED_AFTER = timedelta(minutes=5)
UNDO_BATCH = 1000


def _dir(kind: str) -> Path:
    path = Path(settings.DATAIO_DIR) / kind
    path.mkdir(parents=True, exist_ok=True)
    return path


def _language(actor) -> str:
    """The language a job writes its file and messages in: the person's own."""
    return actor.language or translation.get_language() or settings.LANGUAGE_CODE


# --- Imports --------------------------------------------------------------------------------


def import_upload(
    *,
    actor,
    object_type: str,
    file_name: str,
    chunks: Iterable[bytes],
    encoding: str = "",
    mode: str = ImportMode.CREATE,
    key: str = "",
    owner: Any = None,
    template: Any = None,
) -> ImportJob:
    """Store an uploaded file and propose a column mapping; nothing is imported yet.

    The same file uploaded again while its import is unfinished gives that import back,
    so it resumes rather than starting over.
    """
    adapter = adapter_for(object_type)
    access.require_right(actor, object_type, "create" if mode == ImportMode.CREATE else "update")
    path = _dir("imports") / f"{uuid.uuid4().hex}.upload"
    digest, size = hashlib.sha256(), 0
    try:
        with open(path, "wb") as out:
            for chunk in chunks:
                size += len(chunk)
                if size > settings.IMPORT_MAX_BYTES:
                    raise ValidationFailed.on(
                        "file",
                        _("The file is larger than %(mb)s MB.")
                        % {"mb": round(settings.IMPORT_MAX_BYTES / 1048576, 1)},
                    )
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise ValidationFailed.on("file", _("The file is empty."))
        job = _new_job(actor, adapter, path, file_name, digest.hexdigest(), size, encoding)
        _options(actor, job, adapter, mode, key, owner)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    unfinished = (
        ImportJob.objects.filter(
            organisation_id=actor.organisation_id,
            created_by=actor,
            file_hash=job.file_hash,
            object_type=object_type,
        )
        .exclude(status__in=[ImportStatus.DONE, ImportStatus.UNDONE])
        .order_by("-id")
        .first()
    )
    if unfinished is not None:
        path.unlink(missing_ok=True)
        return unfinished
    if template not in (None, ""):
        found = template_get(actor, template)
        job.mapping = [found.columns.get(h, "") for h in job.header]
    with transaction.atomic():
        job.save()
        events.record(
            actor,
            "import.uploaded",
            job,
            object_type="import",
            data={"object": object_type, "file": file_name, "rows": job.rows_total},
        )
    return job


def _new_job(actor, adapter, path: Path, file_name: str, digest: str, size: int, encoding: str):
    head = reader.sniff_bytes(path)
    file_format = reader.detect_format(head, file_name)
    if file_format == "csv":
        if encoding and encoding not in (*reader.ENCODINGS, "gbk"):
            raise ValidationFailed.on("encoding", _("Select a valid choice."))
        encoding = "gb18030" if encoding == "gbk" else encoding or reader.detect_encoding(head)
    else:
        encoding = ""
    header, sample = reader.head(path, file_format, encoding)
    job = ImportJob(
        organisation_id=actor.organisation_id,
        created_by=actor,
        updated_by=actor,
        object_type=adapter.object_type,
        file_name=Path(file_name).name[:255] or "import",
        file_path=str(path),
        file_hash=digest,
        file_size=size,
        file_format=file_format,
        encoding=encoding,
        header=header,
        sample=[r[: len(header)] for r in sample[:5]],
        mapping=adapter.suggest(header),
        rows_total=reader.count_rows(path, file_format),
        language=_language(actor),
    )
    return job


def _options(actor, job: ImportJob, adapter, mode: str, key: str, owner: Any) -> None:
    errors: dict[str, list[str]] = {}
    if mode not in ImportMode.values:
        errors["mode"] = [_("Select a valid choice.")]
    if key and key not in adapter.keys:
        errors["key"] = [_("Select a valid choice.")]
    if mode != ImportMode.CREATE and not key:
        errors["key"] = [_("Choose how existing records are found.")]
    if errors:
        raise ValidationFailed(fields=errors)
    job.mode, job.key = mode, key
    job.owner = choose_owner(actor, owner) if owner not in (None, "") else None


def _own(actor, job: ImportJob) -> None:
    if job.organisation_id != actor.organisation_id or not (
        job.created_by_id == actor.pk or access.is_admin(actor)
    ):
        raise NotFound()


@transaction.atomic
def import_map(
    *,
    actor,
    job: ImportJob,
    mapping: list[str],
    mode: str | None = None,
    key: str | None = None,
    template_name: str = "",
) -> ImportJob:
    """Set which field each column fills (and the mode); optionally save it as a template."""
    _own(actor, job)
    if job.status not in (ImportStatus.UPLOADED, ImportStatus.CHECKED):
        raise InvalidTransition()
    adapter = adapter_for(job.object_type)
    mapping = [m or "" for m in mapping]
    errors: dict[str, list[str]] = {}
    if len(mapping) != len(job.header):
        errors["mapping"] = [_("Give a field (or nothing) for every column.")]
    chosen = [m for m in mapping if m]
    if any(m not in adapter.fields for m in chosen):
        errors["mapping"] = [_("Select a valid choice.")]
    elif len(set(chosen)) != len(chosen):
        errors["mapping"] = [_("Each field can be filled from one column only.")]
    elif not chosen:
        errors["mapping"] = [_("Choose at least one column to import.")]
    if errors:
        raise ValidationFailed(fields=errors)
    _options(actor, job, adapter, mode or job.mode, job.key if key is None else key, job.owner_id)
    if job.key and job.key not in chosen:
        raise ValidationFailed.on("key", _("Map a column to the field records are found by."))
    job.mapping = mapping
    if job.status == ImportStatus.CHECKED:
        job.status = ImportStatus.UPLOADED  # the check was of another mapping
    job.updated_by = actor
    job.save()
    if template_name.strip():
        template_save(
            actor=actor,
            object_type=job.object_type,
            name=template_name,
            columns={h: m for h, m in zip(job.header, mapping, strict=True) if m},
        )
    return job


def import_check(*, actor, job: ImportJob) -> ImportJob:
    """Queue the dry run: every row checked and written in a transaction rolled back."""
    from guanxi.dataio.tasks import run_import

    _own(actor, job)
    if job.status not in (ImportStatus.UPLOADED, ImportStatus.CHECKED):
        raise InvalidTransition()
    _require_mapping(job)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.CHECKING)
    run_import(job.pk, dry_run=True)
    job.refresh_from_db()
    return job


def import_start(*, actor, job: ImportJob, queue: bool = True) -> ImportJob:
    """Queue the import (``queue=False``: the caller runs it, as the command line does)."""
    from guanxi.dataio.tasks import run_import

    _own(actor, job)
    if job.status not in (ImportStatus.UPLOADED, ImportStatus.CHECKED):
        raise InvalidTransition()
    _require_mapping(job)
    with transaction.atomic():
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.QUEUED, heartbeat_at=timezone.now()
        )
        events.record(
            actor,
            "import.started",
            job,
            object_type="import",
            data={"object": job.object_type, "file": job.file_name, "mode": job.mode},
        )
    if queue:
        transaction.on_commit(lambda: run_import(job.pk))
    job.refresh_from_db()
    return job


def import_now(
    *, actor, object_type: str, raw: bytes, file_name: str = "import.csv", owner: Any = None
) -> ImportJob:
    """Upload, map by the column titles and import a small file in this process at once
    (the leads page's upload, the command line's small files)."""
    from guanxi.dataio.importer import engine

    job = import_upload(
        actor=actor, object_type=object_type, file_name=file_name, chunks=[raw], owner=owner
    )
    if job.status in (ImportStatus.UPLOADED, ImportStatus.CHECKED):
        job = import_map(actor=actor, job=job, mapping=job.mapping)
        import_start(actor=actor, job=job, queue=False)
    else:
        import_resume(actor=actor, job=job, force=True, queue=False)
    return engine.run(engine.job_for_run(job.pk), workers=0)


def _require_mapping(job: ImportJob) -> None:
    if not any(job.mapping):
        raise ValidationFailed.on("mapping", _("Choose at least one column to import."))


def is_stalled(job: ImportJob) -> bool:
    return (
        job.status in (ImportStatus.RUNNING, ImportStatus.QUEUED)
        and job.heartbeat_at is not None
        and timezone.now() - job.heartbeat_at > STALLED_AFTER
    )


def import_resume(*, actor, job: ImportJob, force: bool = False, queue: bool = True) -> ImportJob:
    """Carry on a failed or stopped import after its last written row (``force``: even if
    it does not look stopped; a run still alive then stops at its next batch)."""
    from guanxi.dataio.tasks import run_import

    _own(actor, job)
    if not (job.status == ImportStatus.FAILED or is_stalled(job) or force):
        raise InvalidTransition()
    if job.status not in (ImportStatus.FAILED, ImportStatus.RUNNING, ImportStatus.QUEUED):
        raise InvalidTransition()
    with transaction.atomic():
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.QUEUED, heartbeat_at=timezone.now(), message=""
        )
        events.record(
            actor,
            "import.resumed",
            job,
            object_type="import",
            data={"object": job.object_type, "after_row": job.rows_done},
        )
    if queue:
        transaction.on_commit(lambda: run_import(job.pk))
    job.refresh_from_db()
    return job


def import_undo(*, actor, job: ImportJob) -> ImportJob:
    """Take an import back: the records it created are deleted, the ones it updated get
    their previous values again (through the update service). Batch by batch, newest first;
    an interrupted undo can be run again."""
    _own(actor, job)
    if job.status not in (ImportStatus.DONE, ImportStatus.FAILED):
        raise InvalidTransition()
    adapter = adapter_for(job.object_type)
    model = adapter.model
    restored = removed = 0
    while True:
        with transaction.atomic():
            batch, records = [], 0
            for entry in ImportRow.objects.filter(job=job).order_by("-row")[:UNDO_BATCH]:
                batch.append(entry)
                records += entry.records
                if records >= UNDO_BATCH:
                    break
            if not batch:
                break
            # One record an entry, or a run of them (the fast path's batches) by range.
            created = models.Q(
                pk__in=[r.object_id for r in batch if r.created and not r.last_object_id]
            )
            for r in batch:
                if r.created and r.last_object_id:
                    created |= models.Q(pk__range=(r.object_id, r.last_object_id))
            if any(r.created for r in batch):
                model._default_manager.filter(created, organisation_id=job.organisation_id).delete()
                removed += sum(r.records for r in batch if r.created)
            for r in batch:
                if r.created or r.before is None:
                    continue
                obj = model._default_manager.filter(pk=r.object_id).first()
                if obj is not None:
                    adapter.update(actor=actor, **{adapter.object_type: obj}, data=r.before)
                    restored += 1
            ImportRow.objects.filter(pk__in=[r.pk for r in batch]).delete()
    with transaction.atomic():
        ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.UNDONE, updated_by=actor)
        events.record(
            actor,
            "import.undone",
            job,
            object_type="import",
            data={"object": job.object_type, "removed": removed, "restored": restored},
        )
    job.refresh_from_db()
    return job


@transaction.atomic
def import_delete(*, actor, job: ImportJob) -> None:
    """Forget an import (its file too); the records it wrote stay."""
    _own(actor, job)
    busy = (ImportStatus.RUNNING, ImportStatus.QUEUED, ImportStatus.CHECKING)
    if job.status in busy and not is_stalled(job):
        raise InvalidTransition()
    path = Path(job.file_path)
    job.delete()
    transaction.on_commit(lambda: path.unlink(missing_ok=True))


def template_save(*, actor, object_type: str, name: str, columns: dict[str, str]):
    adapter = adapter_for(object_type)
    access.require_right(actor, object_type, "create")
    name = name.strip()[:100]
    if not name:
        raise ValidationFailed.on("template_name", _("This field cannot be blank."))
    if any(v not in adapter.fields for v in columns.values()):
        raise ValidationFailed.on("mapping", _("Select a valid choice."))
    template, _created = MappingTemplate.objects.update_or_create(
        organisation_id=actor.organisation_id,
        object_type=object_type,
        name=name,
        defaults={"columns": columns, "updated_by": actor, "created_by": actor},
    )
    return template


def template_get(actor, pk: Any) -> MappingTemplate:
    from guanxi.core.filters import parse_id

    found = MappingTemplate.objects.filter(
        pk=parse_id(pk) or 0, organisation_id=actor.organisation_id
    ).first()
    if found is None:
        raise ValidationFailed.on("template", _("Select a valid choice."))
    return found


# --- Exports --------------------------------------------------------------------------------


def export_start(
    *,
    actor,
    object_type: str,
    columns: list[str] | None = None,
    filters: dict | None = None,
    query: str = "",
    file_format: str = "csv",
    run_now: bool = False,
) -> ExportJob:
    """Queue the export of a list as the actor sees it (``run_now``: write it at once)."""
    from guanxi.dataio.tasks import run_export

    columns, filters = exporting.check_request(
        actor, object_type, columns, dict(filters or {}), query or "", file_format
    )
    job = ExportJob.objects.create(
        organisation_id=actor.organisation_id,
        created_by=actor,
        updated_by=actor,
        object_type=object_type,
        file_format=file_format,
        columns=columns,
        filters=filters,
        query=(query or "")[:200],
        language=_language(actor),
    )
    if run_now:
        return export_run(job.pk)
    transaction.on_commit(lambda: run_export(job.pk))
    return job


def export_run(pk: int) -> ExportJob:
    """Write the export's file and audit it (who, what filter, how many rows)."""
    job = ExportJob.objects.select_related("created_by", "created_by__role").get(pk=pk)
    actor = job.created_by
    ExportJob.objects.filter(pk=pk).update(status=ExportStatus.RUNNING)
    path = _dir("exports") / f"{uuid.uuid4().hex}.{job.file_format}"
    try:
        access.require_right(actor, job.object_type, "export")  # rights may have changed
        count = exporting.write(actor, job, path)
    except Exception as exc:
        path.unlink(missing_ok=True)
        ExportJob.objects.filter(pk=pk).update(
            status=ExportStatus.FAILED, message=str(exc)[:500], finished_at=timezone.now()
        )
        raise
    with transaction.atomic():
        job.status, job.rows, job.file_path = ExportStatus.DONE, count, str(path)
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "rows", "file_path", "finished_at"])
        events.record(
            actor,
            "export.completed",
            job,
            object_type="export",
            data={
                "object": job.object_type,
                "filters": job.filters,
                "q": job.query,
                "columns": job.columns,
                "format": job.file_format,
                "rows": count,
            },
        )
    return job
