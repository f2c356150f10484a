"""Tables of the data tools: import, export, duplicates and merges."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import TenantModel, User

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
