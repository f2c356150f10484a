"""Organisations, people and the records every domain shares: roles, teams, tags, events."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Organisation(models.Model):
    """A company using guanxi. Every business row belongs to exactly one."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=64, unique=True)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    language = models.CharField(_("language"), max_length=16, default="zh-hans")
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class Scope(models.TextChoices):
    OWN = "own", _("Own records")
    TEAM = "team", _("Own team and its sub-teams")
    ORGANISATION = "organisation", _("Whole organisation")


class Role(models.Model):
    """A set of rights per object type plus how far its holders can see.

    ``permissions`` maps an object type to the actions allowed on it, for example
    ``{"account": ["create", "read", "update"]}``: data an admin can read and change.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    code = models.SlugField(_("code"), max_length=64)
    name = models.CharField(_("name"), max_length=100)
    scope = models.CharField(_("visibility"), max_length=16, choices=Scope.choices)
    permissions = models.JSONField(_("rights"), default=dict)
    is_admin = models.BooleanField(_("manages settings and users"), default=False)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="role_code_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    """A group of users; teams nest (a region team under the sales team)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # "/1/4/" for team 4 under team 1: a team's subtree is a prefix match, one indexed query.
    path = models.CharField(max_length=255, db_index=True, editable=False, default="/")

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="team_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    role = models.ForeignKey(
        Role, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    language = models.CharField(_("language"), max_length=16, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def display_name(self) -> str:
        full = (
            f"{self.last_name}{self.first_name}"
            if _is_cjk(self.last_name)
            else (f"{self.first_name} {self.last_name}".strip())
        )
        return full or self.username


def _is_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


class ApiToken(models.Model):
    """A bearer token for the REST API; only a hash of the secret is stored."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class TenantModel(models.Model):
    """Columns every business row carries: tenant, who/when, and a version for locking."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    updated_at = models.DateTimeField(_("updated"), default=timezone.now, editable=False)
    updated_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True


class OwnedModel(TenantModel):
    owner = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("owner")
    )

    class Meta:
        abstract = True


class Tag(TenantModel):
    name = models.CharField(_("name"), max_length=50)
    color = models.CharField(_("colour"), max_length=16, default="grey")

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="tag_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Event(models.Model):
    """Something that happened: the audit trail and the source of every timeline.

    Services write one in the same transaction as the change it describes. ``account_id``
    places the event on an account's timeline (for its contacts, deals and activities too).
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    occurred_at = models.DateTimeField(default=timezone.now, db_index=False)
    actor = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    verb = models.CharField(max_length=64)
    object_type = models.CharField(max_length=32)
    object_id = models.BigIntegerField(null=True)
    object_repr = models.CharField(max_length=200, blank=True)
    account_id = models.BigIntegerField(null=True)
    changes = models.JSONField(default=dict, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [
            models.Index(fields=["organisation", "account_id", "-id"], name="event_account_idx"),
            models.Index(
                fields=["organisation", "object_type", "object_id", "-id"], name="event_object_idx"
            ),
            models.Index(fields=["organisation", "verb", "-id"], name="event_verb_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.verb} {self.object_type}:{self.object_id}"


class Notification(models.Model):
    """A message for one user in the app ("a lead was assigned to you"), read or not."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    verb = models.CharField(max_length=64)
    text = models.CharField(_("message"), max_length=300)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["user", "read_at", "-id"], name="notification_user_idx")]

    def __str__(self) -> str:
        return self.text


# --- Approvals: any record type can ask for a decision (see ``core.approvals``) -------------


class ApproverKind(models.TextChoices):
    TEAM_MANAGER = "team_manager", _("The requester's team manager")
    ROLE = "role", _("Everyone with a role")


class ApprovalRule(TenantModel):
    """ "A quote whose discount is above 15 % needs the team manager": data an admin edits.

    ``field`` names one of the figures the object type offers (``core.approvals``); the rule
    matches when that figure is above ``threshold``.
    """

    name = models.CharField(_("name"), max_length=100)
    object_type = models.CharField(_("record type"), max_length=32)
    field = models.CharField(_("figure"), max_length=32)
    threshold = models.DecimalField(_("above"), max_digits=16, decimal_places=2)
    approver_kind = models.CharField(
        _("approved by"),
        max_length=16,
        choices=ApproverKind.choices,
        default=ApproverKind.TEAM_MANAGER,
    )
    approver_role = models.CharField(_("role code"), max_length=64, blank=True)
    position = models.PositiveIntegerField(pgettext_lazy("sequence", "order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("approval rule")
        verbose_name_plural = _("approval rules")
        ordering = ["position", "id"]
        indexes = [
            models.Index(fields=["organisation", "object_type"], name="approval_rule_type_idx")
        ]

    def __str__(self) -> str:
        return self.name


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Withdrawn")


class ApprovalRequest(TenantModel):
    """One request for a decision on one record (object type + id), and its outcome."""

    object_type = models.CharField(max_length=32)
    object_id = models.BigIntegerField()
    object_repr = models.CharField(max_length=200, blank=True)
    url = models.CharField(max_length=300, blank=True)
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    reasons = models.JSONField(default=list, blank=True)
    approvers = models.ManyToManyField(User, related_name="approvals_to_decide")
    status = models.CharField(
        _("status"), max_length=16, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING
    )
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(_("comment"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("approval request")
        verbose_name_plural = _("approval requests")
        indexes = [
            models.Index(
                fields=["organisation", "object_type", "object_id", "-id"],
                name="approval_object_idx",
            ),
            models.Index(fields=["organisation", "status", "-id"], name="approval_status_idx"),
        ]

    def __str__(self) -> str:
        return self.object_repr or f"{self.object_type}:{self.object_id}"
