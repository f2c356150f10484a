"""Tables of the data tools: imports and exports (the jobs, what each import wrote for resume
and undo, its issues), duplicates and merges."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import TenantModel, User

# --- Imports and exports ----------------------------------------------------------------------


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
    """A record an import created or updated, by row of the file (its undo and its proof).

    With ``last_object_id``, a run of records the fast path created (``importer.contacts``):
    every id from ``object_id`` to ``last_object_id``, for the good rows of one batch from
    ``row`` on, in order. The import reserved those ids, so each of them is its own; one
    entry for a batch instead of one a record keeps the ledger from costing the database
    as much as the records.
    """

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rows")
    row = models.PositiveIntegerField()
    object_id = models.BigIntegerField()
    last_object_id = models.BigIntegerField(null=True, blank=True)
    created = models.BooleanField(default=True)
    before = models.JSONField(null=True, blank=True)  # an update's previous values

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "row"], name="import_row_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.row}"

    @property
    def records(self) -> int:
        """How many records the entry stands for."""
        return self.last_object_id - self.object_id + 1 if self.last_object_id else 1


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


# --- Duplicates and merges ----------------------------------------------------------------------


class DedupeObject(models.TextChoices):
    ACCOUNT = "account", _("Accounts")
    CONTACT = "contact", _("Contacts")
    LEAD = "lead", _("Leads")


class DedupeRun(TenantModel):
    """One pass of the duplicate finder over every record of one type in an organisation."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    object_type = models.CharField(_("records"), max_length=16, choices=DedupeObject.choices)
    threshold = models.PositiveSmallIntegerField(_("threshold"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    records = models.PositiveIntegerField(_("records read"), default=0)
    candidate_pairs = models.PositiveBigIntegerField(_("pairs compared"), default=0)
    clusters = models.PositiveIntegerField(_("groups found"), default=0)
    seconds = models.FloatField(_("seconds"), null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("duplicate search")
        verbose_name_plural = _("duplicate searches")
        indexes = [
            models.Index(fields=["organisation", "object_type", "-id"], name="dedupe_run_idx")
        ]

    def __str__(self) -> str:
        return f"{self.object_type} #{self.pk}"


class DuplicateCluster(TenantModel):
    """Records the finder believes are one customer, with how sure it is (0–100)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        MERGED = "merged", _("Merged")
        DISMISSED = "dismissed", _("Not duplicates")

    run = models.ForeignKey(DedupeRun, on_delete=models.CASCADE, related_name="+")
    object_type = models.CharField(max_length=16, choices=DedupeObject.choices)
    confidence = models.PositiveSmallIntegerField(_("confidence"))
    size = models.PositiveSmallIntegerField(_("records"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    # [[id, id, confidence], …]: the links that joined the records
    pairs = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("duplicate group")
        verbose_name_plural = _("duplicate groups")
        indexes = [
            models.Index(
                fields=["organisation", "object_type", "status", "-confidence", "id"],
                name="dup_cluster_rank_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.object_type} {self.confidence}% ({self.size})"


class DuplicateMember(models.Model):
    """One record of a cluster; looked up by record to scope clusters to what a user sees."""

    organisation_id = models.BigIntegerField()
    cluster = models.ForeignKey(DuplicateCluster, on_delete=models.CASCADE, related_name="members")
    object_type = models.CharField(max_length=16)
    object_id = models.BigIntegerField()

    class Meta:
        indexes = [
            models.Index(
                fields=["organisation_id", "object_type", "object_id"], name="dup_member_object_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.object_type}:{self.object_id}"


class Merge(TenantModel):
    """A merge of one record into another, with what it takes to undo it.

    ``snapshot`` holds the merged record's columns; ``survivor_before`` the survivor's values
    that the merge changed; ``moved`` the related rows re-pointed, per ``app.model.field``;
    ``removed`` the link rows dropped because the survivor already had them (a tag both
    had), as column values to insert again.
    """

    object_type = models.CharField(max_length=16, choices=DedupeObject.choices)
    survivor_id = models.BigIntegerField()
    merged_id = models.BigIntegerField()
    merged_repr = models.CharField(max_length=200, blank=True)
    snapshot = models.JSONField(default=dict)
    survivor_before = models.JSONField(default=dict)
    moved = models.JSONField(default=dict)
    removed = models.JSONField(default=dict)
    cluster = models.ForeignKey(
        DuplicateCluster, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("merge")
        verbose_name_plural = _("merges")
        indexes = [
            models.Index(
                fields=["organisation", "object_type", "survivor_id"], name="merge_survivor_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.object_type} {self.merged_id} → {self.survivor_id}"
