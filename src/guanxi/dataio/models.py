"""Imports and exports: the jobs, what each import wrote (for resume and undo), its issues."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import TenantModel, User


class ImportMode(models.TextChoices):
    CREATE = "create", _("Create new records only")
    UPDATE = "update", _("Update existing records only")
    UPSERT = "upsert", _("Update existing, create the others")


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Ready to map")
    CHECKING = "checking", _("Checking")
    CHECKED = "checked", _("Checked")
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    UNDONE = "undone", _("Undone")


class ImportJob(TenantModel):
    """One uploaded file and its way through mapping, the dry run, the import and undo.

    ``rows_done`` is the last row of the file whose outcome is committed: a run that stops
    (a killed worker, a failed batch) resumes after it, so no row is written twice.
    """

    object_type = models.CharField(_("object"), max_length=32)
    file_name = models.CharField(_("file"), max_length=255)
    file_path = models.CharField(max_length=500, editable=False)
    file_hash = models.CharField(max_length=64, editable=False)
    file_size = models.BigIntegerField(default=0)
    file_format = models.CharField(max_length=8, default="csv")
    encoding = models.CharField(_("encoding"), max_length=16, blank=True)
    header = models.JSONField(default=list, blank=True)
    sample = models.JSONField(default=list, blank=True)
    mapping = models.JSONField(default=list, blank=True)  # a field name per column, "" = skip
    mode = models.CharField(
        _("mode"), max_length=8, choices=ImportMode.choices, default=ImportMode.CREATE
    )
    key = models.CharField(_("match by"), max_length=32, blank=True)
    owner = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )  # who gets the new records (empty: the importer; for leads, the assignment rules)
    status = models.CharField(
        _("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)  # created / updated / skipped / failed
    check_result = models.JSONField(default=dict, blank=True)  # the dry run's counts and issues
    message = models.CharField(max_length=500, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    language = models.CharField(max_length=16, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        indexes = [
            models.Index(fields=["organisation", "created_by", "-id"], name="import_user_idx"),
            models.Index(fields=["organisation", "file_hash"], name="import_hash_idx"),
            models.Index(fields=["status", "heartbeat_at"], name="import_status_idx"),
        ]

    def __str__(self) -> str:
        return self.file_name


class ImportRow(models.Model):
    """A record an import created or updated, by row of the file (its undo and its proof)."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rows")
    row = models.PositiveIntegerField()
    object_id = models.BigIntegerField()
    created = models.BooleanField(default=True)
    before = models.JSONField(null=True, blank=True)  # an update's previous values

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "row"], name="import_row_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.row}"


class ImportIssue(models.Model):
    """A row that was skipped or refused, with why; the error file is made of these."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="issues")
    dry_run = models.BooleanField(default=False)
    row = models.PositiveIntegerField()
    field = models.CharField(max_length=64, blank=True)
    message = models.CharField(max_length=500)
    skipped = models.BooleanField(default=False)  # a duplicate or no match, not an error
    cells = models.JSONField(default=list, blank=True)

    class Meta:
        indexes = [models.Index(fields=["job", "dry_run", "row"], name="import_issue_idx")]

    def __str__(self) -> str:
        return f"{self.row}: {self.message}"


class MappingTemplate(TenantModel):
    """A saved column mapping ("our ERP's customer export"), offered on the next upload."""

    object_type = models.CharField(_("object"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    columns = models.JSONField(default=dict)  # column title → field name

    class Meta:
        verbose_name = _("mapping template")
        verbose_name_plural = _("mapping templates")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "object_type", "name"], name="mapping_template_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Exporting")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ExportJob(TenantModel):
    """A list, with its filters, written to a CSV or XLSX file in the background."""

    object_type = models.CharField(_("object"), max_length=32)
    file_format = models.CharField(_("format"), max_length=8, default="csv")
    columns = models.JSONField(default=list)
    filters = models.JSONField(default=dict, blank=True)
    query = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    rows = models.PositiveIntegerField(default=0)
    file_path = models.CharField(max_length=500, blank=True, editable=False)
    message = models.CharField(max_length=500, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    language = models.CharField(max_length=16, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        indexes = [
            models.Index(fields=["organisation", "created_by", "-id"], name="export_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.object_type}.{self.file_format}"
